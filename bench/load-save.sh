#!/bin/sh
# Load + save of a 5-layer ~150 MB image archive with berth, against `skopeo copy` between the same
# formats (docker-archive to docker-archive). Prints the ratio; ≥ 1.00x means berth is no slower.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_setup
work=$(mktemp -d "${BENCH_DIR:-/tmp}/berth-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
bench/make-archive.sh "$work/image.tar"
echo "archive: $(du -m "$work/image.tar" | cut -f1) MB, 5 layers"

clear_outputs() { rm -rf "$work/root" "$work/out-berth.tar" "$work/out-skopeo.tar"; }
berth_round() {
  bin/berth --root "$work/root" load -i "$work/image.tar"
  bin/berth --root "$work/root" save -o "$work/out-berth.tar" bench/image:latest
}
skopeo_round() {
  skopeo copy --quiet "docker-archive:$work/image.tar" "docker-archive:$work/out-skopeo.tar:bench/image:latest"
}
DUEL_PREP=clear_outputs duel 5 skopeo skopeo_round berth berth_round
ts=$BEST_A tb=$BEST_B
r=$(ratio "$ts" "$tb")
printf 'load+save: skopeo copy %.2fs, berth load+save %.2fs, ratio (skopeo/berth) %sx (target >= 1.00x)\n' "$ts" "$tb" "$r"
