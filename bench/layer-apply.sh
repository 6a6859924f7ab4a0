#!/bin/sh
# Applying a 100 MB / 5,000-file uncompressed layer: berth's layer code against GNU tar -x on the
# same file. Prints the ratio (tar time / berth time); the target is >= 0.80x.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_setup
work=$(mktemp -d "${BENCH_DIR:-/tmp}/berth-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT

# 5,000 files in 50 directories, 20 KiB each on average (random sizes, random bytes): ~100 MB.
node -e '
const fs = require("fs"), crypto = require("crypto"), path = require("path");
const root = process.argv[1];
let total = 0;
for (let d = 0; d < 50; d++) {
  const dir = path.join(root, "dir" + d);
  fs.mkdirSync(dir, { recursive: true });
  for (let f = 0; f < 100; f++) {
    const size = 1024 + crypto.randomInt(39 * 1024);
    fs.writeFileSync(path.join(dir, "file" + f + ".bin"), crypto.randomBytes(size));
    total += size;
  }
}
' "$work/tree"
tar --format=pax -C "$work/tree" -cf "$work/layer.tar" .
echo "layer: $(du -m "$work/layer.tar" | cut -f1) MB, $(tar -tf "$work/layer.tar" | grep -vc '/$') files"

clear_target() { rm -rf "$work/x"; mkdir "$work/x"; }
gnu_tar() { tar -xf "$work/layer.tar" -C "$work/x"; }
berth_apply() { node dist/bench/apply-layer.js "$work/layer.tar" "$work/x"; }
DUEL_PREP=clear_target duel 5 tar gnu_tar berth berth_apply
tt=$BEST_A tb=$BEST_B
printf 'layer apply: GNU tar -x %.2fs, berth %.2fs, ratio (tar/berth) %sx (target >= 0.80x)\n' "$tt" "$tb" "$(ratio "$tt" "$tb")"
