#!/bin/sh
# Makes a docker-archive (the legacy layout skopeo and docker both read) of a 5-layer image of about
# 150 MB, from random data and GNU tar only, so that no tool under test made it.
# Usage: [HALF_TEXT=1] bench/make-archive.sh OUT.tar
set -eu
out=$1
work=$(mktemp -d /tmp/berth-bench-img-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/archive"
diffids=""
layers=""
for i in 1 2 3 4 5; do
  d="$work/layer$i"
  mkdir -p "$d/data$i/sub"
  # 30 MB per layer: a few big files and many small ones. With HALF_TEXT=1, the big file is
  # text instead (compresses well), so half the image is incompressible, as a registry image is.
  small=50000
  if [ "${HALF_TEXT:-0}" = 1 ]; then
    seq -f "line %.0f of a compressible file in layer $i" 1 400000 | head -c 15000000 > "$d/data$i/big.txt"
    small=75000
  else
    head -c 20000000 /dev/urandom > "$d/data$i/big.bin"
  fi
  n=0
  while [ $n -lt 200 ]; do head -c $small /dev/urandom > "$d/data$i/sub/f$n"; n=$((n + 1)); done
  tar --numeric-owner --owner=0 --group=0 -C "$d" -cf "$work/layer.tar" .
  sum=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
  mv "$work/layer.tar" "$work/archive/$sum.tar"
  diffids="$diffids${diffids:+,}\"sha256:$sum\""
  layers="$layers${layers:+,}\"$sum.tar\""
done
config="{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[$diffids]},\"history\":[]}"
printf '%s' "$config" > "$work/archive/config.json"
csum=$(sha256sum "$work/archive/config.json" | cut -d' ' -f1)
mv "$work/archive/config.json" "$work/archive/$csum.json"
printf '[{"Config":"%s.json","RepoTags":["bench/image:latest"],"Layers":[%s]}]' "$csum" "$layers" > "$work/archive/manifest.json"
tar -C "$work/archive" -cf "$out" .
