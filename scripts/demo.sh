#!/usr/bin/env bash
# The main job, end to end on the sample product photos: probe them, turn each upright into WebP under
# out/demo, decode the results in full to prove they are intact, and edit one with the simulated service.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product imagepipe --static-swift-stdlib
bin=.build/release/imagepipe
out=out/demo
mkdir -p "$out"

echo "== probe: what each sample really is"
"$bin" probe samples/

echo
echo "== convert: upright WebP copies in $out"
for file in samples/*.jpg samples/*.png samples/*.webp; do
  name=$(basename "${file%.*}")
  "$bin" convert "$file" "$out/$name.webp" --quality 85
done

echo
echo "== check: every output decodes in full"
"$bin" check "$out"

echo
echo "== generate: edit a product photo with the built-in simulated service (nothing is paid)"
"$bin" generate --model gpt-image-2-image-to-image --prompt "the mug on a marble counter, soft daylight" \
  --ref samples/mug-phone.jpg --out "$out/generated"
