#!/bin/sh
# `berth run --rm --network none IMAGE true`: the median of $RUNS runs (after 3 warm-ups), against the
# same command with podman and docker (installed from Debian by bench/peers.sh; a peer that is absent
# or fails to start is skipped with a line saying so) and against `runc run` of a prepared bundle,
# the floor. All run the very same busybox image, built here from the host's busybox-static (no
# registry), and all use runc. Targets: berth <= 0.80x podman's median, <= 0.50x docker's, and within
# +60 ms of the bare runtime.
# Then the memory each tool leaves running per container: 5 detached `sleep 60` containers each, the
# processes outside the container that exist for it (berth: conmon alone, no Node.js process).
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_setup
. bench/peers.sh
peers_install
RUNS=${RUNS:-21}

work=$(mktemp -d "${BENCH_DIR:-/tmp}/berth-bench-XXXXXX")
berth() { bin/berth --root "$work/root" "$@"; }
PODMAN=""; DOCKER=""; PEER_SKIP_PODMAN=""; PEER_SKIP_DOCKER=""
cleanup() {
  set +e
  if [ -d "$work/root" ]; then
    ids=$(berth ps -aq 2>/dev/null)
    [ -z "$ids" ] || berth rm -f $ids >/dev/null 2>&1
    berth system reset -f >/dev/null 2>&1  # every network's bridge and rules, then the root
  fi
  peers_podman_stop
  peers_docker_stop
  peers_clean_host
  [ ! -d "$work/runc" ] || for id in $(runc --root "$work/runc" list -q 2>/dev/null); do
    runc --root "$work/runc" delete -f "$id" 2>/dev/null
  done
  # conmon runs berth's exit command (`container cleanup`) after the container is gone; let those
  # finish, or they recreate directories in the root while it is being removed.
  wait_gone "$work"
  left=$(mount | awk -v w="$work/" 'index($3, w) == 1 { print $3 }')
  if [ -n "$left" ]; then
    echo "cleanup: left mounted under $work:" $left
    echo "$left" | sort -r | while read -r m; do umount -l "$m"; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# wait_gone STRING: waits (up to 10 s) until no process has STRING in its command line.
wait_gone() {
  i=0
  while [ "$i" -lt 100 ]; do
    found=""
    for p in /proc/[0-9]*; do
      [ "${p#/proc/}" != "$$" ] || continue
      if { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF -- "$1"; then found=${p#/proc/}; break; fi
    done
    [ -n "$found" ] || return 0
    sleep 0.1; i=$((i + 1))
  done
}

# The image: /bin/busybox with `true` and `sleep` links, imported into berth, saved to a
# docker-archive, and that same archive loaded into podman and docker.
mkdir -p "$work/rootfs/bin"
cp /bin/busybox "$work/rootfs/bin/busybox"
for applet in true sleep sh; do ln -s busybox "$work/rootfs/bin/$applet"; done
IMAGE=bench/busybox:latest
berth import "$work/rootfs" "$IMAGE" >/dev/null
berth save -o "$work/busybox.tar" "$IMAGE"

peers_record_host
peers_podman
if [ -n "$PODMAN" ] && ! $PODMAN load -q -i "$work/busybox.tar" >"$work/podman-load.log" 2>&1; then
  PEER_SKIP_PODMAN="podman load failed: $(tail -n 1 "$work/podman-load.log")"; peers_podman_stop
fi
peers_docker
if [ -n "$DOCKER" ] && ! $DOCKER load -q -i "$work/busybox.tar" >"$work/docker-load.log" 2>&1; then
  PEER_SKIP_DOCKER="docker load failed: $(tail -n 1 "$work/docker-load.log")"; peers_docker_stop
fi

# The floor: an OCI bundle with the same root filesystem and runc's default spec (private network
# namespace, no terminal), running `true`. `runc run` waits for the process and then deletes the
# container (state, cgroups), so one id serves every run.
mkdir -p "$work/bundle" "$work/runc"
cp -a "$work/rootfs" "$work/bundle/rootfs"
(cd "$work/bundle" && runc spec)
node -e '
const fs = require("fs"), f = process.argv[1], s = JSON.parse(fs.readFileSync(f, "utf8"));
s.process.args = ["true"]; s.process.terminal = false;
fs.writeFileSync(f, JSON.stringify(s, null, 2));
' "$work/bundle/config.json"

# Each command once as a check; a peer whose command fails is skipped.
RUN_ARGS="run --rm --network none $IMAGE true"
BERTH_CMD="bin/berth --root $work/root $RUN_ARGS"
RUNC_CMD="runc --root $work/runc run -b $work/bundle bench-floor"
$BERTH_CMD
$RUNC_CMD
names="berth runc"
set -- -n berth "$BERTH_CMD" -n runc "$RUNC_CMD"
# check_peer NAME "CLI": the peer races when its command works once; otherwise says why not.
check_peer() {
  if [ -z "$2" ]; then
    why="not installed or not started"
  elif $2 $RUN_ARGS >"$work/$1-run.log" 2>&1; then
    names="$names $1"; return
  else
    why="$1 run failed: $(tail -n 1 "$work/$1-run.log")"
  fi
  if [ "$1" = podman ]; then : "${PEER_SKIP_PODMAN:=$why}"; else : "${PEER_SKIP_DOCKER:=$why}"; fi
}
check_peer podman "$PODMAN"
check_peer docker "$DOCKER"
case " $names " in *" podman "*) set -- "$@" -n podman "$PODMAN $RUN_ARGS" ;; esac
case " $names " in *" docker "*) set -- "$@" -n docker "$DOCKER $RUN_ARGS" ;; esac

echo "image: $IMAGE (busybox-static $(dpkg-query -W -f='${Version}' busybox-static), 1 layer); runtime: runc $(runc --version | awk 'NR==1 { print $3 }') for all; $RUNS runs each after 3 warm-ups, back to back"
# hyperfine without a shell (-N): each run is one fork+exec of the command, as a user would type it.
hyperfine -N --style none --warmup 3 --runs "$RUNS" --export-json "$work/times.json" "$@" >/dev/null
median() {
  node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
process.stdout.write(r.find((x) => x.command === process.argv[2]).median.toFixed(4));
' "$work/times.json" "$1"
}
tb=$(median berth)
tr_=$(median runc)
for peer in podman docker; do
  case " $names " in
  *" $peer "*)
    tp=$(median "$peer")
    target=0.80; [ "$peer" = podman ] || target=0.50
    printf 'run --rm: berth %.3fs, %s %.3fs, ratio (berth/%s) %sx (target <= %.2fx)\n' "$tb" "$peer" "$tp" "$peer" "$(ratio "$tb" "$tp")" "$target"
    ;;
  *)
    if [ "$peer" = podman ]; then why=$PEER_SKIP_PODMAN; else why=$PEER_SKIP_DOCKER; fi
    echo "run --rm: $peer skipped ($why)"
    ;;
  esac
done
printf 'run --rm: berth %.3fs, runc run %.3fs, difference %+.0fms (target <= +60ms)\n' "$tb" "$tr_" "$(echo "($tb - $tr_) * 1000" | bc)"
left=$(berth ps -aq)
[ -z "$left" ] || echo "run --rm: $(echo "$left" | wc -l) berth containers left behind after --rm"
[ -z "$(runc --root "$work/runc" list -q)" ] || echo "run --rm: runc run left containers behind"

# Memory: per container, the processes outside the container's own (the ancestors of its first
# process, up to init or a process shared by all containers such as dockerd/containerd), with
# their resident set (VmRSS) and proportional set (Pss: shared library pages divided among users).
N=5
ppid_of() { awk '/^PPid:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
kb_of() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/$3" 2>/dev/null; }
# memory TOOL CLI...: starts N `sleep 60` containers, prints one line, removes them.
memory() {
  tool=$1; shift
  ids=""
  i=0
  while [ "$i" -lt "$N" ]; do
    ids="$ids $("$@" run -d --network none "$IMAGE" sleep 60)"; i=$((i + 1))
  done
  procs=""; rss=0; pss=0; node_left=0
  for id in $ids; do
    pid=$("$@" inspect --format '{{.State.Pid}}' "$id")
    p=$(ppid_of "$pid")
    while [ -n "$p" ] && [ "$p" -gt 1 ]; do
      comm=$(cat "/proc/$p/comm")
      case "$comm" in dockerd | containerd | process_api | systemd | init | sh | bash | dash) break ;; esac
      [ "$comm" != node ] || node_left=$((node_left + 1))
      procs="$procs $comm"
      rss=$((rss + $(kb_of "$p" VmRSS status))); pss=$((pss + $(kb_of "$p" Pss smaps_rollup)))
      p=$(ppid_of "$p")
    done
  done
  # Also any Node.js process still running for this root (e.g. a daemon that is not an ancestor).
  if [ "$tool" = berth ]; then
    for p in /proc/[0-9]*; do
      [ "$(cat "$p/comm" 2>/dev/null)" = node ] || continue
      { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF -- "$work/root" && node_left=$((node_left + 1))
    done
  fi
  kinds=$(echo $procs | tr ' ' '\n' | sort | uniq -c | awk -v n="$N" '{ printf "%s%s%s", sep, ($1 == n ? "" : $1 "/" n " x "), $2; sep = " + " }')
  if [ "$node_left" -eq 0 ]; then nodenote="no Node.js process left"; else nodenote="$node_left Node.js processes left!"; fi
  [ "$tool" = berth ] || nodenote="$N containers"
  [ "$tool" != berth ] || nodenote="$nodenote, $N containers"
  printf 'memory per container: %s: %s %.1f MB RSS, %.1f MB PSS (%s)\n' "$tool" "${kinds:-nothing}" \
    "$(echo "scale=2; $rss / $N / 1024" | bc)" "$(echo "scale=2; $pss / $N / 1024" | bc)" "$nodenote"
  "$@" rm -f $ids >/dev/null
}
memory berth bin/berth --root "$work/root"
wait_gone "$work/root"
[ -z "$PODMAN" ] || memory podman $PODMAN
[ -z "$DOCKER" ] || memory docker $DOCKER
