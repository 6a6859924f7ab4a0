#!/bin/sh
# The daemon (issue 8): the docker CLI driving berth's daemon against the same CLI driving dockerd
# (and podman's API service when it starts), in the same run.
#  1. `docker run --rm --network none IMAGE true`: median of $RUNS (hyperfine). Target <= 0.50x dockerd.
#  2. GET /containers/json?all=1 with 50 containers present, 8 requests in flight for 10 s: requests
#     per second (target >= 2x dockerd) and the daemons' resident memory idle and under that load
#     (target: berth <= 80 MB idle).
#  3. A soak: create/start/stop/rm cycles from 4 clients for $SOAK_SECONDS (default 600; 0 skips it),
#     then what is left: processes, mounts, file descriptors, memory.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_setup
. bench/peers.sh
peers_install
RUNS=${RUNS:-21}
SOAK_SECONDS=${SOAK_SECONDS:-600}
CLI=$(command -v docker)

work=$(mktemp -d "${BENCH_DIR:-/tmp}/berth-bench-XXXXXX")
BERTH_SOCK=$work/berth.sock
PODMAN=""; DOCKER=""; PEER_SKIP_PODMAN=""; PEER_SKIP_DOCKER=""; DAEMON_PID=""; PODMAN_PID=""
cleanup() {
  set +e
  if [ -n "$DAEMON_PID" ]; then
    ids=$($CLI -H "unix://$BERTH_SOCK" ps -aq 2>/dev/null)
    [ -z "$ids" ] || $CLI -H "unix://$BERTH_SOCK" rm -f $ids >/dev/null 2>&1
    kill "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null
  fi
  [ -z "$PODMAN_PID" ] || { kill "$PODMAN_PID" 2>/dev/null; wait "$PODMAN_PID" 2>/dev/null; }
  peers_podman_stop
  peers_docker_stop
  peers_clean_host
  i=0
  while grep -qF -- "$work/root" /proc/[0-9]*/cmdline 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  [ ! -d "$work/root" ] || bin/berth --root "$work/root" system reset -f >/dev/null 2>&1
  mount | awk -v w="$work/" 'index($3, w) == 1 { print $3 }' | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

rss_mb() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# The image: busybox-static with a few applet links, into berth and (as a docker-archive) the peers.
mkdir -p "$work/rootfs/bin"
cp /bin/busybox "$work/rootfs/bin/busybox"
for applet in true sleep sh; do ln -s busybox "$work/rootfs/bin/$applet"; done
IMAGE=bench/busybox:latest
bin/berth --root "$work/root" import "$work/rootfs" "$IMAGE" >/dev/null
bin/berth --root "$work/root" save -o "$work/busybox.tar" "$IMAGE"

bin/berth --root "$work/root" daemon -H "unix://$BERTH_SOCK" --config-file /dev/null 2>"$work/berth-daemon.log" &
DAEMON_PID=$!
i=0; while [ ! -S "$BERTH_SOCK" ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
BERTH="$CLI -H unix://$BERTH_SOCK"
sleep 1
berth_idle=$(rss_mb "$DAEMON_PID")

peers_record_host
peers_docker
if [ -n "$DOCKER" ]; then
  DOCKERD_SOCK=$PEER_DOCKER_RUN/docker.sock
  DOCKER="$CLI -H unix://$DOCKERD_SOCK"
  $DOCKER load -q -i "$work/busybox.tar" >/dev/null
fi
peers_podman
if [ -n "$PODMAN" ]; then
  PODMAN_SOCK=$work/podman.sock
  $PODMAN load -q -i "$work/busybox.tar" >/dev/null 2>&1 || true
  $PODMAN system service --time=0 "unix://$PODMAN_SOCK" >"$work/podman-service.log" 2>&1 &
  PODMAN_PID=$!
  i=0; while [ ! -S "$PODMAN_SOCK" ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  PODMAN_API="$CLI -H unix://$PODMAN_SOCK"
  $PODMAN_API run --rm --network none "$IMAGE" true >/dev/null 2>&1 || { PEER_SKIP_PODMAN="podman's API service failed: $(tail -n 1 "$work/podman-service.log")"; PODMAN_API=""; }
fi

RUN_ARGS="run --rm --network none $IMAGE true"
$BERTH $RUN_ARGS
set -- -n berth "$BERTH $RUN_ARGS"
[ -z "$DOCKER" ] || set -- "$@" -n dockerd "$DOCKER $RUN_ARGS"
[ -z "${PODMAN_API:-}" ] || set -- "$@" -n podman "$PODMAN_API $RUN_ARGS"
echo "docker CLI $($CLI version --format '{{.Client.Version}}' 2>/dev/null) against each daemon; $RUNS runs each after 3 warm-ups"
hyperfine -N --style none --warmup 3 --runs "$RUNS" --export-json "$work/times.json" "$@" >/dev/null
median() { node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results; const x = r.find((x) => x.command === process.argv[2]); process.stdout.write(x ? x.median.toFixed(4) : "")' "$work/times.json" "$1"; }
tb=$(median berth)
if [ -n "$DOCKER" ]; then
  td=$(median dockerd)
  printf 'docker run --rm: berth daemon %.3fs, dockerd %.3fs, ratio (berth/dockerd) %sx (target <= 0.50x)\n' "$tb" "$td" "$(ratio "$tb" "$td")"
else
  echo "docker run --rm: dockerd skipped ($PEER_SKIP_DOCKER)"
fi
if [ -n "${PODMAN_API:-}" ]; then
  tp=$(median podman)
  printf 'docker run --rm: berth daemon %.3fs, podman service %.3fs, ratio (berth/podman) %sx\n' "$tb" "$tp" "$(ratio "$tb" "$tp")"
else
  echo "docker run --rm: podman service skipped (${PEER_SKIP_PODMAN:-not installed})"
fi

# 50 containers present in each daemon, then the list endpoint under load.
i=0
while [ "$i" -lt 50 ]; do
  $BERTH create --network none "$IMAGE" true >/dev/null
  [ -z "$DOCKER" ] || $DOCKER create --network none "$IMAGE" true >/dev/null
  i=$((i + 1))
done
sleep 1
berth_50=$(rss_mb "$DAEMON_PID")
load() { node dist/bench/api-load.js "$1" /v1.41/containers/json?all=1 8 10 "$2"; }
lb=$(load "$BERTH_SOCK" "$DAEMON_PID")
rb=$(echo "$lb" | sed 's/.*rps=\([0-9.]*\).*/\1/'); mb=$(echo "$lb" | sed 's/.*rss_kb=\([0-9]*\).*/\1/')
printf 'memory: berth daemon idle %s MB (target <= 80 MB), with 50 containers %s MB, under load %.1f MB\n' "$berth_idle" "$berth_50" "$(echo "scale=1; $mb / 1024" | bc)"
if [ -n "$DOCKER" ]; then
  dpid=$PEER_DOCKERD_PID
  ld=$(load "$DOCKERD_SOCK" "$dpid")
  rd=$(echo "$ld" | sed 's/.*rps=\([0-9.]*\).*/\1/'); md=$(echo "$ld" | sed 's/.*rss_kb=\([0-9]*\).*/\1/')
  printf 'GET /containers/json (50 containers): berth %s req/s, dockerd %s req/s, ratio (berth/dockerd) %sx (target >= 2.00x)\n' "$rb" "$rd" "$(ratio "$rb" "$rd")"
  printf 'memory: dockerd with 50 containers %s MB, under load %.1f MB\n' "$(rss_mb "$dpid")" "$(echo "scale=1; $md / 1024" | bc)"
else
  printf 'GET /containers/json (50 containers): berth %s req/s (dockerd skipped)\n' "$rb"
fi
ids=$($BERTH ps -aq); [ -z "$ids" ] || $BERTH rm -f $ids >/dev/null

# The soak: berth alone.
if [ "$SOAK_SECONDS" -gt 0 ]; then
  fds_before=$(ls "/proc/$DAEMON_PID/fd" | wc -l)
  node dist/bench/api-soak.js "$BERTH_SOCK" "$IMAGE" 4 "$SOAK_SECONDS" "$DAEMON_PID"
  sleep 3
  left=$($BERTH ps -aq | wc -l)
  # Processes naming the root (conmon, a cleanup still running), besides the daemon (a grep over
  # /proc would count itself: read each command line instead).
  conmons=0
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" != "$DAEMON_PID" ] && [ "${p#/proc/}" != "$$" ] || continue
    case "$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" in *"$work/root"*) conmons=$((conmons + 1)) ;; esac
  done
  mounts=$(mount | awk -v w="$work/root/" 'index($3, w) == 1' | wc -l)
  printf 'soak: after %ss: %s containers, %s processes for the root besides the daemon, %s mounts, daemon fds %s -> %s, rss %s MB\n' \
    "$SOAK_SECONDS" "$left" "$conmons" "$mounts" "$fds_before" "$(ls "/proc/$DAEMON_PID/fd" | wc -l)" "$(rss_mb "$DAEMON_PID")"
fi
