#!/bin/sh
# The demo: set-up, then build a base image from the host's static busybox and show what berth does
# with it. Uses a temporary root, removed at the end.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
[ -x .node/bin/node ] && PATH="$PWD/.node/bin:$PATH"
root=$(mktemp -d /tmp/berth-demo-XXXXXX)
registry=""
cleanup() {
  [ -z "$registry" ] || { kill "$registry" 2>/dev/null; wait "$registry" 2>/dev/null || true; }
  # Containers, networks (their bridge and rules), mounts, then the files.
  [ ! -d "$root/store" ] || bin/berth --root "$root/store" system reset -f >/dev/null 2>&1 || true
  rm -rf "$root"
}
trap cleanup EXIT
berth() { echo "\$ berth $*" >&2; bin/berth --root "$root/store" "$@"; }

# A root filesystem from the host's busybox-static: the binary, its applet links, passwd and group.
rootfs="$root/rootfs"
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/root"
cp /bin/busybox "$rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\n' > "$rootfs/etc/group"
tar --numeric-owner -C "$rootfs" -cf "$root/rootfs.tar" .

berth import --change 'CMD ["sh"]' --message 'busybox from the host' "$root/rootfs.tar" busybox:latest
berth images
berth tag busybox:latest localhost:5000/demo/busybox:1
berth images --format '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}'
berth image inspect --format '{{.Os}}/{{.Architecture}} cmd={{json .Config.Cmd}} layers={{len .RootFS.Layers}}' busybox
berth history busybox
berth save -o "$root/busybox.tar" busybox localhost:5000/demo/busybox:1
echo "saved $(wc -c < "$root/busybox.tar") bytes" >&2
berth rmi busybox localhost:5000/demo/busybox:1
berth load -i "$root/busybox.tar"

# Containers: runc (or crun) through conmon, on an overlay root filesystem.
berth run --rm busybox sh -c 'echo "hello from $(hostname), a container running $(uname -s) as $(id -un)"'
echo 'piped through the container' | berth run -i --rm busybox tr a-z A-Z
berth run -d --name ticker busybox sh -c 'for i in 1 2 3; do echo tick $i; sleep 0.2; done; sleep 30'
berth ps
sleep 1
berth logs ticker
berth stop -t 1 ticker
berth ps -a --format '{{.Names}}: {{.Status}}'
berth rm ticker
berth system df
berth system check

# Builds: a two-stage Dockerfile, built, then built again from the cache.
mkdir -p "$root/app"
printf 'hello from a Dockerfile\n' >"$root/app/message.txt"
cat >"$root/app/Dockerfile" <<'EOF'
FROM busybox AS build
WORKDIR /src
COPY message.txt .
RUN tr a-z A-Z < message.txt > shout.txt

FROM busybox
COPY --from=build /src/shout.txt /srv/
ENV WHO=berth
CMD ["sh", "-c", "cat /srv/shout.txt; echo \"built by $WHO\""]
EOF
berth build --progress plain -t demo/app:1 "$root/app"
berth build -t demo/app:1 "$root/app" 2>&1 | grep -E 'CACHED|writing image' >&2
berth run --rm demo/app:1

# Networks: a user-defined network where containers find each other by name, and a published port.
webport=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
berth network create demo-net
berth run -d --name web --network demo-net -p "127.0.0.1:$webport:80" busybox sh -c 'mkdir -p /www && echo "hello from busybox httpd" > /www/index.html && exec httpd -f -p 80 -h /www'
berth port web
berth run --rm --network demo-net busybox wget -qO- http://web/
echo "\$ GET http://127.0.0.1:$webport/   (from the host, through the published port)" >&2
node -e 'const get=(n)=>fetch(process.argv[1]).then((r)=>r.text()).then((t)=>process.stdout.write(t),(e)=>n>0?setTimeout(()=>get(n-1),100):Promise.reject(e));get(20)' "http://127.0.0.1:$webport/"
berth rm -f web
berth network rm demo-net

# Registries: berth's own registry on loopback, a push to it, and a pull into an empty store.
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
bin/berth --root "$root/store" registry serve --quiet --listen "127.0.0.1:$port" --storage "$root/registry" 2>"$root/registry.log" &
registry=$!
i=0; until grep -q serving "$root/registry.log" 2>/dev/null || [ "$i" -gt 50 ]; do sleep 0.1; i=$((i + 1)); done
berth tag busybox "127.0.0.1:$port/demo/busybox:1"
berth push "127.0.0.1:$port/demo/busybox:1"
echo "\$ berth --root (an empty store) run --rm 127.0.0.1:$port/demo/busybox:1 ..." >&2
bin/berth --root "$root/other" run --rm "127.0.0.1:$port/demo/busybox:1" echo 'pulled from the registry, then run'
berth image tags "127.0.0.1:$port/demo/busybox"
