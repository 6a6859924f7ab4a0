#!/bin/sh
# `berth build` against `docker build` (BuildKit, on a private dockerd) and `podman build` (buildah),
# peers from Debian via bench/peers.sh (an absent one is skipped with a line saying so): a
# Dockerfile of 9 steps over a context of 2,000 small files and one 50 MB file, on the same busybox
# base image imported into each. Cold build (--no-cache) and no-change rebuild, each tool's best of
# $RUNS rounds, the tools taking turns.
# Targets: no-change rebuild <= 0.50x the fastest peer's wall time and under 1 s; cold <= 1.00x.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_setup
. bench/peers.sh
peers_install
RUNS=${RUNS:-3}

work=$(mktemp -d "${BENCH_DIR:-/tmp}/berth-bench-XXXXXX")
PODMAN=""; DOCKER=""; PEER_SKIP_PODMAN=""; PEER_SKIP_DOCKER=""
cleanup() {
  set +e
  bin/berth --root "$work/berth" rm -f $(bin/berth --root "$work/berth" ps -aq 2>/dev/null) >/dev/null 2>&1
  peers_podman_stop
  peers_docker_stop
  peers_clean_host
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# The base image: the host's static busybox, one tar imported by every tool.
mkdir -p "$work/rootfs/bin" "$work/rootfs/etc" "$work/rootfs/tmp"
cp /bin/busybox "$work/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$work/rootfs/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$work/rootfs/etc/passwd"
printf 'root:x:0:\n' >"$work/rootfs/etc/group"
tar --numeric-owner -C "$work/rootfs" -cf "$work/base.tar" .

# The context: 2,000 small files in 20 directories, one 50 MB file of random bytes.
ctx=$work/context
for d in $(seq 1 20); do
  mkdir -p "$ctx/small/d$d"
  for f in $(seq 1 100); do echo "file $d/$f" >"$ctx/small/d$d/f$f.txt"; done
done
head -c 50M /dev/urandom >"$ctx/big.bin"
cat >"$ctx/Dockerfile" <<'EOF'
FROM localhost/bench-base:1
ENV APP=/app
WORKDIR /app
COPY small/ ./small/
COPY big.bin ./
RUN find small -type f | wc -l > count && sha256sum big.bin > big.sum
ARG VERSION=1
RUN echo "$VERSION" > version && cat count version
LABEL bench=build
CMD ["cat", "/app/count"]
EOF

peers_record_host
peers_podman
peers_docker
[ -n "$PODMAN" ] || echo "podman: skipped ($PEER_SKIP_PODMAN)"
[ -n "$DOCKER" ] || echo "docker: skipped ($PEER_SKIP_DOCKER)"

B="bin/berth --root $work/berth"
$B import "$work/base.tar" localhost/bench-base:1 >/dev/null
[ -z "$PODMAN" ] || $PODMAN import "$work/base.tar" localhost/bench-base:1 >/dev/null
[ -z "$DOCKER" ] || $DOCKER import "$work/base.tar" localhost/bench-base:1 >/dev/null

berth_cold() { $B build --no-cache -q -t bench:1 "$ctx"; }
berth_again() { $B build -q -t bench:1 "$ctx"; }
podman_cold() { $PODMAN build --no-cache -q --network none -t bench:1 "$ctx"; }
podman_again() { $PODMAN build -q --network none -t bench:1 "$ctx"; }
docker_cold() { DOCKER_BUILDKIT=1 $DOCKER build --no-cache -q --network none -t bench:1 "$ctx" 2>/dev/null; }
docker_again() { DOCKER_BUILDKIT=1 $DOCKER build -q --network none -t bench:1 "$ctx" 2>/dev/null; }

tools="berth"
[ -z "$PODMAN" ] || tools="$tools podman"
[ -z "$DOCKER" ] || tools="$tools docker"
# A tool whose build fails is left out with the reason, not timed.
checked=""
for t in $tools; do
  if out=$(${t}_cold 2>&1); then checked="$checked $t"; else echo "$t: skipped (its build failed: $(echo "$out" | tail -n 1))"; fi
done
tools=$checked
for t in $tools; do eval "COLD_$t=''; AGAIN_$t=''"; done
best() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc)" = 1 ]; then echo "$2"; else echo "$1"; fi; }
i=0
while [ "$i" -lt "$RUNS" ]; do
  for t in $tools; do
    eval "COLD_$t=\$(best \"\$COLD_$t\" \"\$(seconds ${t}_cold)\")"
    eval "AGAIN_$t=\$(best \"\$AGAIN_$t\" \"\$(seconds ${t}_again)\")"
  done
  i=$((i + 1))
done

echo "build of 9 steps over 2,000 small files + 50 MB (best of $RUNS):"
fastest_cold=""; fastest_again=""; fastest_cold_name=""; fastest_again_name=""
for t in $tools; do
  eval "c=\$COLD_$t; a=\$AGAIN_$t"
  echo "  $t: cold ${c}s, no-change rebuild ${a}s"
  [ "$t" = berth ] && continue
  if [ -z "$fastest_cold" ] || [ "$(echo "$c < $fastest_cold" | bc)" = 1 ]; then fastest_cold=$c; fastest_cold_name=$t; fi
  if [ -z "$fastest_again" ] || [ "$(echo "$a < $fastest_again" | bc)" = 1 ]; then fastest_again=$a; fastest_again_name=$t; fi
done
if [ -n "$fastest_cold" ]; then
  echo "cold build: berth / $fastest_cold_name = $(ratio "$COLD_berth" "$fastest_cold")x (target <= 1.00x)"
  echo "no-change rebuild: berth / $fastest_again_name = $(ratio "$AGAIN_berth" "$fastest_again")x (target <= 0.50x), berth ${AGAIN_berth}s (target < 1 s)"
else
  echo "no peer ran: no ratios"
fi
