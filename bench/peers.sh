# Peers for bench/run.sh (sourced): installs podman, docker (dockerd + containerd), hyperfine and runc
# from Debian, configures podman for this host, and starts a private dockerd that touches nothing
# outside the benchmark's work directory. Every function is idempotent.
#
# Uses from the caller: $work (the benchmark's temporary directory). Sets: PODMAN (a podman command
# line with its own root), DOCKER (a docker command line on the private socket), or leaves them
# empty when that peer is absent or fails to start; PEER_SKIP_PODMAN / PEER_SKIP_DOCKER say why.

PEER_PACKAGES="podman docker.io hyperfine runc"

# peers_install: the Debian packages, only those missing. The package scripts do not start any
# service on hosts whose /usr/sbin/policy-rc.d forbids it; where systemd runs and a service did
# start, it is stopped and disabled again, because the benchmark runs its own private dockerd and
# containerd and a system daemon would share (and skew) the machine.
peers_install() {
  missing=""
  for p in $PEER_PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    echo "peers: installing Debian packages:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
      echo "peers: stopping and disabling the system docker/containerd services the packages enabled" >&2
      systemctl disable --now docker.service docker.socket containerd.service >/dev/null 2>&1 || true
    fi
  fi
  peers_podman_conf
}

# peers_podman_conf: podman must use runc (crun refuses this host's hybrid cgroups) and ulimits
# within this host's hard limits (nofile 20000; podman's default asks for 1048576 and fails).
# /etc/containers/containers.conf is written only when it lacks these settings; a file that has
# them is kept as it is, and one that has other settings keeps them (ours are added to it).
peers_podman_conf() {
  conf=/etc/containers/containers.conf
  mkdir -p /etc/containers
  [ -f "$conf" ] || echo "# Written by berth's bench/peers.sh: podman on this host needs runc and ulimits within its limits." >"$conf"
  if ! grep -Eq '^[[:space:]]*runtime[[:space:]]*=' "$conf"; then
    peers_toml_set "$conf" engine 'runtime = "runc"'
  fi
  if ! grep -Eq '^[[:space:]]*default_ulimits[[:space:]]*=' "$conf"; then
    peers_toml_set "$conf" containers 'default_ulimits = ["nofile=20000:20000","nproc=4096:4096"]'
  fi
}

# peers_toml_set FILE SECTION LINE: adds LINE at the start of [SECTION], adding the section if needed.
peers_toml_set() {
  if grep -Eq "^[[:space:]]*\[$2\][[:space:]]*$" "$1"; then
    sed -i "/^[[:space:]]*\[$2\][[:space:]]*\$/a $3" "$1"
  else
    { [ ! -s "$1" ] || echo; printf '[%s]\n%s\n' "$2" "$3"; } >>"$1"
  fi
}

# peers_podman: sets PODMAN to a podman command line whose storage, run state, temporary files and
# network configuration are all under $work/podman, so that it leaves nothing behind. cgroupfs and
# the file event log because this host has no systemd or journald; runc as configured above.
peers_podman() {
  PODMAN=""
  if ! command -v podman >/dev/null 2>&1; then PEER_SKIP_PODMAN="not installed"; return; fi
  p=$work/podman
  mkdir -p "$p/root" "$p/run" "$p/tmp" "$p/net"
  PODMAN="podman --root $p/root --runroot $p/run --tmpdir $p/tmp --network-config-dir $p/net \
--storage-driver overlay --cgroup-manager cgroupfs --events-backend file --runtime runc --log-level error"
}

# peers_podman_stop: removes podman's containers and images; its directories go with $work.
peers_podman_stop() {
  [ -n "${PODMAN:-}" ] || return 0
  $PODMAN rm -a -f >/dev/null 2>&1 || true
  $PODMAN rmi -a -f >/dev/null 2>&1 || true
  PODMAN=""
}

# peers_docker: starts a private containerd and dockerd and sets DOCKER to a docker command line on
# dockerd's socket. dockerd runs with its own data root, exec root, pid file and containerd, on a
# socket under /run/berth-bench-PID; it touches no firewall and no bridge (the benchmark uses
# --network none) and its containers get nofile 20000 (this host's hard limit).
peers_docker() {
  DOCKER=""
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v containerd >/dev/null 2>&1; then
    PEER_SKIP_DOCKER="not installed"; return
  fi
  # Debian's docker client (it matches dockerd's API); /usr/local/bin may hold a different one.
  client=/usr/bin/docker; [ -x "$client" ] || client=$(command -v docker)
  d=$work/docker
  PEER_DOCKER_RUN=/run/berth-bench-$$
  mkdir -p "$d/containerd/root" "$d/containerd/opt" "$d/data" "$d/exec" "$PEER_DOCKER_RUN/containerd"
  # containerd: every path its own; the CRI plugin off (it would look for CNI and a kubelet).
  cat >"$d/containerd/config.toml" <<EOF
version = 2
root = "$d/containerd/root"
state = "$PEER_DOCKER_RUN/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$PEER_DOCKER_RUN/containerd/containerd.sock"
[ttrpc]
  address = ""
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$d/containerd/opt"
EOF
  containerd --config "$d/containerd/config.toml" >"$d/containerd.log" 2>&1 &
  PEER_CONTAINERD_PID=$!
  i=0
  while [ ! -S "$PEER_DOCKER_RUN/containerd/containerd.sock" ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  if [ ! -S "$PEER_DOCKER_RUN/containerd/containerd.sock" ]; then
    PEER_SKIP_DOCKER="containerd did not start (see $d/containerd.log)"; peers_docker_stop; return
  fi
  # No bridge and no firewall rules unless the caller asks for a networked daemon (bench/network.sh).
  net_flags="--iptables=false --ip6tables=false --bridge=none"
  [ "${PEER_DOCKERD_NETWORKED:-}" != 1 ] || net_flags="--ip6tables=false"
  # An empty configuration file, so that a host's /etc/docker/daemon.json does not apply. (The
  # trust key dockerd 20.10 writes to /etc/docker/key.json goes with peers_clean_host.)
  echo '{}' >"$d/daemon.json"
  dockerd --host "unix://$PEER_DOCKER_RUN/docker.sock" --containerd "$PEER_DOCKER_RUN/containerd/containerd.sock" \
    --config-file "$d/daemon.json" \
    --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/docker.pid" \
    --default-ulimit nofile=20000:20000 $net_flags \
    --storage-driver overlay2 --log-level warn >"$d/dockerd.log" 2>&1 &
  PEER_DOCKERD_PID=$!
  DOCKER="$client --host unix://$PEER_DOCKER_RUN/docker.sock"
  i=0
  while ! $DOCKER version >/dev/null 2>&1 && [ "$i" -lt 200 ]; do
    kill -0 "$PEER_DOCKERD_PID" 2>/dev/null || break
    sleep 0.1; i=$((i + 1))
  done
  if ! $DOCKER version >/dev/null 2>&1; then
    PEER_SKIP_DOCKER="dockerd did not start: $(tail -n 1 "$d/dockerd.log")"; peers_docker_stop; return
  fi
}

# peers_docker_stop: removes dockerd's containers, then stops dockerd and containerd (by the process
# ids started above) and waits for them and their shims to exit.
peers_docker_stop() {
  if [ -n "${DOCKER:-}" ]; then
    ids=$($DOCKER ps -aq 2>/dev/null || true)
    [ -z "$ids" ] || $DOCKER rm -f $ids >/dev/null 2>&1 || true
  fi
  DOCKER=""
  for pid in ${PEER_DOCKERD_PID:-} ${PEER_CONTAINERD_PID:-}; do
    kill "$pid" 2>/dev/null || continue
    i=0
    while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PEER_DOCKERD_PID=""; PEER_CONTAINERD_PID=""
  [ -z "${PEER_DOCKER_RUN:-}" ] || rm -rf "$PEER_DOCKER_RUN"
}

# Paths that podman, dockerd and containerd create outside their own roots whatever the flags say:
# shim sockets (/run/containerd/s), plugin discovery (/run/docker), podman's network run directory
# and lock segment, and the cgroup parents of their containers.
peers_host_paths() {
  echo /etc/docker/key.json /etc/docker /run/containerd /run/docker /run/containers /dev/shm/libpod_lock
  for h in /sys/fs/cgroup /sys/fs/cgroup/*; do
    [ -d "$h" ] && echo "$h/docker" "$h/libpod_parent"
  done
}

# peers_record_host: notes which of those paths do not exist yet (call before starting the peers).
peers_record_host() {
  PEER_HOST_NEW=""
  for p in $(peers_host_paths); do [ -e "$p" ] || PEER_HOST_NEW="$PEER_HOST_NEW $p"; done
}

# peers_clean_host: after the peers have stopped, removes the paths noted above that they created.
# Directories (cgroups included) go with rmdir, which removes only empty ones, so nothing another
# daemon uses meanwhile is touched; podman's lock segment stays while any other podman process runs.
peers_clean_host() {
  for p in ${PEER_HOST_NEW:-}; do
    [ -e "$p" ] || continue
    case "$p" in
    /dev/shm/libpod_lock) grep -qx podman /proc/[0-9]*/comm 2>/dev/null || rm -f "$p" ;;
    /etc/docker/key.json) rm -f "$p" ;;
    *) find "$p" -depth -type d -exec rmdir {} \; 2>/dev/null || true ;;
    esac
  done
}
