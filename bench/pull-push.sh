#!/bin/sh
# Pull and push of a 5-layer ~150 MB image (half of it incompressible) from and to the reference
# registry (Debian's docker-registry) on loopback, cold, against `skopeo copy` to an OCI directory
# and `podman pull` / `docker pull` (peers from Debian via bench/peers.sh; an absent peer is
# skipped with a line saying so). Each tool's best of $RUNS rounds, the tools taking turns.
# Targets: berth pull <= 0.80x podman's and <= 1.00x skopeo's; berth push <= 1.00x podman's.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_setup docker-registry
. bench/peers.sh
peers_install
RUNS=${RUNS:-3}

work=$(mktemp -d "${BENCH_DIR:-/tmp}/berth-bench-XXXXXX")
PODMAN=""; DOCKER=""; PEER_SKIP_PODMAN=""; PEER_SKIP_DOCKER=""; REGISTRY_PID=""
cleanup() {
  set +e
  registry_stop
  peers_podman_stop
  peers_docker_stop
  peers_clean_host
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# registry_start: a fresh reference registry with empty storage (so every push is cold); sets REG.
registry_start() {
  registry_stop
  rm -rf "$work/registry"
  mkdir -p "$work/registry/data"
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  cat >"$work/registry/config.yml" <<EOF
version: 0.1
log: { level: error, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: $work/registry/data }, delete: { enabled: true } }
http: { addr: 127.0.0.1:$port }
EOF
  docker-registry serve "$work/registry/config.yml" >"$work/registry/log" 2>&1 &
  REGISTRY_PID=$!
  REG=127.0.0.1:$port
  i=0
  until curl -sf "http://$REG/v2/" >/dev/null 2>&1 || [ "$i" -gt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
registry_stop() {
  [ -n "$REGISTRY_PID" ] || return 0
  kill "$REGISTRY_PID" 2>/dev/null; wait "$REGISTRY_PID" 2>/dev/null || true
  REGISTRY_PID=""
}

HALF_TEXT=1 bench/make-archive.sh "$work/image.tar"
echo "image: $(du -m "$work/image.tar" | cut -f1) MB uncompressed, 5 layers, half incompressible"
peers_record_host
peers_podman
peers_docker
[ -n "$PODMAN" ] || echo "podman: skipped ($PEER_SKIP_PODMAN)"
[ -n "$DOCKER" ] || echo "docker: skipped ($PEER_SKIP_DOCKER)"

# The image in the registry, pushed by skopeo (gzip layers, as registries serve them).
seed() { skopeo copy --quiet --dest-tls-verify=false "docker-archive:$work/image.tar" "docker://$REG/bench/image:1"; }

berth_pull() { rm -rf "$work/berth"; bin/berth --root "$work/berth" pull -q "$REG/bench/image:1"; }
skopeo_pull() { rm -rf "$work/oci"; skopeo copy --quiet --src-tls-verify=false "docker://$REG/bench/image:1" "oci:$work/oci:x"; }
podman_pull() { $PODMAN rmi -af >/dev/null 2>&1 || true; $PODMAN pull -q --tls-verify=false "$REG/bench/image:1"; }
docker_pull() { $DOCKER rmi -f "$REG/bench/image:1" >/dev/null 2>&1 || true; $DOCKER pull -q "$REG/bench/image:1"; }

best() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc)" = 1 ]; then echo "$2"; else echo "$1"; fi; }

# Pull: one registry; each tool starts each round from an empty store (emptying it is timed too,
# a small and similar cost for all).
registry_start
seed
P_BERTH=""; P_SKOPEO=""; P_PODMAN=""; P_DOCKER=""
i=0
while [ "$i" -lt "$RUNS" ]; do
  P_BERTH=$(best "$P_BERTH" "$(seconds berth_pull)")
  P_SKOPEO=$(best "$P_SKOPEO" "$(seconds skopeo_pull)")
  [ -z "$PODMAN" ] || P_PODMAN=$(best "$P_PODMAN" "$(seconds podman_pull)")
  [ -z "$DOCKER" ] || P_DOCKER=$(best "$P_DOCKER" "$(seconds docker_pull)")
  i=$((i + 1))
done

# Push: each tool pushes the image it pulled to a fresh, empty registry (started outside the timing).
berth_push() { bin/berth --root "$work/berth" tag "$1/bench/image:1" "$REG/pushed/image:1" && bin/berth --root "$work/berth" push -q "$REG/pushed/image:1"; }
podman_push() { $PODMAN push -q --tls-verify=false "$1/bench/image:1" "docker://$REG/pushed/image:1"; }
docker_push() { $DOCKER tag "$1/bench/image:1" "$REG/pushed/image:1" && $DOCKER push -q "$REG/pushed/image:1" && $DOCKER rmi "$REG/pushed/image:1" >/dev/null; }
SRC=$REG
S_BERTH=""; S_PODMAN=""; S_DOCKER=""
i=0
while [ "$i" -lt "$RUNS" ]; do
  registry_start; S_BERTH=$(best "$S_BERTH" "$(seconds berth_push "$SRC")")
  bin/berth --root "$work/berth" rmi "$REG/pushed/image:1" >/dev/null
  if [ -n "$PODMAN" ]; then registry_start; S_PODMAN=$(best "$S_PODMAN" "$(seconds podman_push "$SRC")"); fi
  if [ -n "$DOCKER" ]; then registry_start; S_DOCKER=$(best "$S_DOCKER" "$(seconds docker_push "$SRC")"); fi
  i=$((i + 1))
done

printf 'pull: berth %.2fs, skopeo copy to oci: %.2fs -> ratio (berth/skopeo) %sx (target <= 1.00x)\n' "$P_BERTH" "$P_SKOPEO" "$(ratio "$P_BERTH" "$P_SKOPEO")"
[ -z "$P_PODMAN" ] || printf 'pull: podman %.2fs -> ratio (berth/podman) %sx (target <= 0.80x)\n' "$P_PODMAN" "$(ratio "$P_BERTH" "$P_PODMAN")"
[ -z "$P_DOCKER" ] || printf 'pull: docker %.2fs -> ratio (berth/docker) %sx\n' "$P_DOCKER" "$(ratio "$P_BERTH" "$P_DOCKER")"
printf 'push: berth %.2fs\n' "$S_BERTH"
[ -z "$S_PODMAN" ] || printf 'push: podman %.2fs -> ratio (berth/podman) %sx (target <= 1.00x)\n' "$S_PODMAN" "$(ratio "$S_BERTH" "$S_PODMAN")"
[ -z "$S_DOCKER" ] || printf 'push: docker %.2fs -> ratio (berth/docker) %sx\n' "$S_DOCKER" "$(ratio "$S_BERTH" "$S_DOCKER")"
