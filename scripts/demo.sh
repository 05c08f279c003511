#!/usr/bin/env bash
# The main job, end to end: the product-photo pipeline (pipelines/product-shots.pipe) over samples/,
# against the simulated service built into imagepipe (nothing is paid; outputs are marked SIMULATED).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product imagepipe --static-swift-stdlib
bin=.build/release/imagepipe

echo "== probe: what each sample really is"
"$bin" probe samples/

echo
echo "== plan: ratios, tiers and credits, before any network or spending"
"$bin" plan pipelines/product-shots.pipe

echo
echo "== run: check → aspect (crop) → publish → generate → verify → thumbnails → report"
"$bin" run pipelines/product-shots.pipe

echo
echo "Open out/product-shots/index.html in a browser for the review sheet."
