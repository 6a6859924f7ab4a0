#!/bin/sh
# Containers on networks: `run --rm IMAGE true` on the default bridge network (median of $RUNS after
# 3 warm-ups), and the wall time to start 20 containers at once on one user-defined network, for
# berth, podman and docker (peers from Debian via bench/peers.sh; an absent one is skipped with a
# line saying so). Here dockerd runs with its bridge and iptables (run.sh keeps it network-less);
# what the peers leave on the host (bridges, NAT chains) is removed at the end.
# Targets: run --rm on the bridge <= 0.80x podman's median and <= 0.50x docker's.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_setup
. bench/peers.sh
peers_install
RUNS=${RUNS:-21}
N=20

work=$(mktemp -d "${BENCH_DIR:-/tmp}/berth-bench-XXXXXX")
berth() { bin/berth --root "$work/root" "$@"; }
PODMAN=""; DOCKER=""; PEER_SKIP_PODMAN=""; PEER_SKIP_DOCKER=""
HOST_LINKS_BEFORE=$(ls /sys/class/net)
cleanup() {
  set +e
  if [ -d "$work/root" ]; then
    ids=$(berth ps -aq 2>/dev/null)
    [ -z "$ids" ] || berth rm -f $ids >/dev/null 2>&1
    berth system reset -f >/dev/null 2>&1  # every network's bridge and rules, then the root
  fi
  [ -z "$PODMAN" ] || { $PODMAN rm -a -f >/dev/null 2>&1; $PODMAN network rm -f benchnet >/dev/null 2>&1; }
  [ -z "$DOCKER" ] || { $DOCKER rm -f $($DOCKER ps -aq) >/dev/null 2>&1; $DOCKER network rm benchnet >/dev/null 2>&1; }
  peers_podman_stop
  peers_docker_stop
  # The peers' bridges and NAT chains (podman's CNI, dockerd's docker0 and DOCKER chains).
  for l in $(ls /sys/class/net); do
    echo "$HOST_LINKS_BEFORE" | grep -qx "$l" || ip link delete "$l" 2>/dev/null
  done
  for t in nat filter; do
    iptables -t "$t" -S 2>/dev/null | grep -iE '^-A .*(docker|CNI-)' | sed 's/^-A/-D/' | while read -r rule; do eval "iptables -t $t $rule" 2>/dev/null; done
    for c in $(iptables -t "$t" -S 2>/dev/null | awk '/^-N (DOCKER|CNI-)/ { print $2 }'); do iptables -t "$t" -F "$c" 2>/dev/null; iptables -t "$t" -X "$c" 2>/dev/null; done
  done
  peers_clean_host
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

mkdir -p "$work/rootfs/bin"
cp /bin/busybox "$work/rootfs/bin/busybox"
for applet in true sleep sh; do ln -s busybox "$work/rootfs/bin/$applet"; done
IMAGE=bench/busybox:latest
berth import "$work/rootfs" "$IMAGE" >/dev/null
berth save -o "$work/busybox.tar" "$IMAGE"

peers_record_host
peers_podman
[ -z "$PODMAN" ] || $PODMAN load -q -i "$work/busybox.tar" >/dev/null 2>&1 || { PEER_SKIP_PODMAN="podman load failed"; PODMAN=""; }
# dockerd with a bridge: the private daemon of peers.sh, but networked.
if command -v dockerd >/dev/null 2>&1; then
  PEER_DOCKERD_NETWORKED=1 peers_docker
  [ -z "$DOCKER" ] || $DOCKER load -q -i "$work/busybox.tar" >/dev/null 2>&1 || { PEER_SKIP_DOCKER="docker load failed"; DOCKER=""; }
fi

names="berth"
set -- -n berth "bin/berth --root $work/root run --rm --network bridge $IMAGE true"
bin/berth --root "$work/root" run --rm --network bridge "$IMAGE" true
if [ -n "$PODMAN" ] && $PODMAN run --rm "$IMAGE" true >"$work/p.log" 2>&1; then names="$names podman"; set -- "$@" -n podman "$PODMAN run --rm $IMAGE true"; else echo "podman: skipped (${PEER_SKIP_PODMAN:-$(tail -n 1 "$work/p.log" 2>/dev/null)})"; fi
if [ -n "$DOCKER" ] && $DOCKER run --rm "$IMAGE" true >"$work/d.log" 2>&1; then names="$names docker"; set -- "$@" -n docker "$DOCKER run --rm $IMAGE true"; else echo "docker: skipped (${PEER_SKIP_DOCKER:-$(tail -n 1 "$work/d.log" 2>/dev/null)})"; fi

hyperfine -N --style none --warmup 3 --runs "$RUNS" --export-json "$work/times.json" "$@" >/dev/null
median() {
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results; process.stdout.write(r.find((x) => x.command === process.argv[2]).median.toFixed(4));' "$work/times.json" "$1"
}
tb=$(median berth)
for peer in podman docker; do
  case " $names " in *" $peer "*)
    tp=$(median "$peer"); target=0.80; [ "$peer" = podman ] || target=0.50
    printf 'run --rm on the bridge: berth %.3fs, %s %.3fs, ratio (berth/%s) %sx (target <= %.2fx)\n' "$tb" "$peer" "$tp" "$peer" "$(ratio "$tb" "$tp")" "$target" ;;
  esac
done

# 20 containers started at once on one user-defined network.
start20() {
  i=0
  while [ "$i" -lt "$N" ]; do "$@" run -d --network benchnet "$IMAGE" sleep 60 >/dev/null & i=$((i + 1)); done
  wait
}
t20() {
  "$@" network create benchnet >/dev/null
  t=$(seconds start20 "$@")
  "$@" rm -f $("$@" ps -aq) >/dev/null 2>&1
  "$@" network rm benchnet >/dev/null 2>&1
  echo "$t"
}
b20=$(t20 bin/berth --root "$work/root")
printf '%s containers at once on a user network: berth %.2fs\n' "$N" "$b20"
for peer in podman docker; do
  case " $names " in *" $peer "*)
    if [ "$peer" = podman ]; then p20=$(t20 $PODMAN); else p20=$(t20 $DOCKER); fi
    printf '%s containers at once on a user network: %s %.2fs, ratio (berth/%s) %sx\n' "$N" "$peer" "$p20" "$peer" "$(ratio "$b20" "$p20")" ;;
  esac
done
