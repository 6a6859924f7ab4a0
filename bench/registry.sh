#!/bin/sh
# berth's registry against the reference registry (Debian's docker-registry), both on loopback in
# the same run, same client (skopeo), same image (5 layers, ~150 MB, half incompressible): push and
# pull wall time (best of $RUNS, the servers taking turns), then manifest GETs per second with
# autocannon at 32 connections for 10 s, and berth's resident memory under that load.
# Targets: berth >= 1.0x the reference's throughput on every row, >= 1.5x on manifest GETs; RSS <= 150 MB.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_setup docker-registry
RUNS=${RUNS:-3}
work=$(mktemp -d "${BENCH_DIR:-/tmp}/berth-bench-XXXXXX")
REF_PID=""; BERTH_PID=""
cleanup() {
  set +e
  for p in $REF_PID $BERTH_PID; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_up() { i=0; until curl -sf "http://$1/v2/" >/dev/null 2>&1 || [ "$i" -gt 100 ]; do sleep 0.1; i=$((i + 1)); done; }

# start_ref / start_berth: each with empty storage, so every push is cold.
start_ref() {
  [ -z "$REF_PID" ] || { kill "$REF_PID"; wait "$REF_PID" 2>/dev/null || true; }
  rm -rf "$work/ref"; mkdir -p "$work/ref"
  REF=127.0.0.1:$(free_port)
  printf 'version: 0.1\nlog: { level: error, accesslog: { disabled: true } }\nstorage: { filesystem: { rootdirectory: %s }, delete: { enabled: true } }\nhttp: { addr: %s }\n' "$work/ref/data" "$REF" >"$work/ref/config.yml"
  docker-registry serve "$work/ref/config.yml" >"$work/ref/log" 2>&1 &
  REF_PID=$!
  wait_up "$REF"
}
start_berth() {
  [ -z "$BERTH_PID" ] || { kill "$BERTH_PID"; wait "$BERTH_PID" 2>/dev/null || true; }
  rm -rf "$work/berth"; mkdir -p "$work/berth"
  BERTH=127.0.0.1:$(free_port)
  bin/berth --root "$work/berth/root" registry serve --quiet --storage "$work/berth/data" --listen "$BERTH" >"$work/berth/log" 2>&1 &
  BERTH_PID=$!
  wait_up "$BERTH"
}

HALF_TEXT=1 bench/make-archive.sh "$work/image.tar"
# The image as registries serve it (gzip layers): an OCI layout that skopeo made once.
skopeo copy --quiet --dest-compress "docker-archive:$work/image.tar" "oci:$work/layout:img"

push_to() { skopeo copy --quiet --dest-tls-verify=false "oci:$work/layout:img" "docker://$1/bench/image:1"; }
pull_from() { rm -rf "$work/out"; skopeo copy --quiet --src-tls-verify=false "docker://$1/bench/image:1" "oci:$work/out:x"; }
best() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc)" = 1 ]; then echo "$2"; else echo "$1"; fi; }

PUSH_REF=""; PUSH_BERTH=""; PULL_REF=""; PULL_BERTH=""
i=0
while [ "$i" -lt "$RUNS" ]; do
  start_ref; PUSH_REF=$(best "$PUSH_REF" "$(seconds push_to "$REF")")
  start_berth; PUSH_BERTH=$(best "$PUSH_BERTH" "$(seconds push_to "$BERTH")")
  PULL_REF=$(best "$PULL_REF" "$(seconds pull_from "$REF")")
  PULL_BERTH=$(best "$PULL_BERTH" "$(seconds pull_from "$BERTH")")
  i=$((i + 1))
done

# Manifest GETs: autocannon (from the npm registry) at 32 connections, 10 s each.
npm install --silent --no-save --prefix "$work/tools" autocannon@8 >/dev/null 2>&1
cannon() {
  node "$work/tools/node_modules/autocannon/autocannon.js" -j -c 32 -d 10 \
    -H 'Accept=application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json' \
    "http://$1/v2/bench/image/manifests/1" 2>/dev/null | node -e 'let s="";process.stdin.on("data",c=>s+=c).on("end",()=>{const r=JSON.parse(s);console.log(r.requests.average, r.non2xx)})'
}
set -- $(cannon "$REF"); RPS_REF=$1
rss_peak=0
( while kill -0 "$BERTH_PID" 2>/dev/null; do
    r=$(awk '/VmRSS/ { print $2 }' "/proc/$BERTH_PID/status" 2>/dev/null || echo 0)
    echo "$r"; sleep 0.5
  done ) >"$work/rss" &
RSS_LOOP=$!
set -- $(cannon "$BERTH"); RPS_BERTH=$1; NON2XX=$2
kill "$RSS_LOOP" 2>/dev/null || true
rss_peak=$(sort -n "$work/rss" | tail -1)

printf 'push (skopeo): reference %.2fs, berth %.2fs -> throughput ratio (berth/reference) %sx (target >= 1.00x)\n' "$PUSH_REF" "$PUSH_BERTH" "$(ratio "$PUSH_REF" "$PUSH_BERTH")"
printf 'pull (skopeo): reference %.2fs, berth %.2fs -> throughput ratio (berth/reference) %sx (target >= 1.00x)\n' "$PULL_REF" "$PULL_BERTH" "$(ratio "$PULL_REF" "$PULL_BERTH")"
printf 'manifest GETs/s at 32 connections: reference %s, berth %s (non-2xx: %s) -> ratio %sx (target >= 1.50x)\n' "$RPS_REF" "$RPS_BERTH" "$NON2XX" "$(ratio "$RPS_BERTH" "$RPS_REF")"
printf 'berth registry resident memory under load: %s MB (target <= 150 MB)\n' "$((rss_peak / 1024))"
