#!/usr/bin/env bash
# Benchmarks imagepipe against the reference tools on the same real images, in one run, and writes the
# ratios to bench/RESULTS.md. Not a test: run it by hand on a quiet machine.
#   bash bench/run.sh            # everything
#   bash bench/run.sh codecs     # probe and full decode against vipsheader, imagesize, djpeg, dwebp
#   bash bench/run.sh thumbs     # thumbnails against vipsthumbnail: speed, memory, SSIM; DC-scan decoding
#   bash bench/run.sh requests   # requests per generated image: adaptive polling against the recommended
#   bash bench/run.sh paths      # probe over thousands of explicit paths and a folder, against imagesize
#   bash bench/run.sh shards     # --shard: the partition's cost, and 2 shards as 2 processes against --jobs 2
# CORPUS=dir picks another image folder (default bench/corpus, made by ../shared/bench/make-corpus.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
if [ "${1:-all}" = requests ]; then  # needs no reference tools and no corpus
  swift build -c release --product imagepipe --static-swift-stdlib
  exec python3 bench/requests_bench.py --imagepipe .build/release/imagepipe --results bench/RESULTS.md
fi
tools=()
command -v vipsheader >/dev/null || tools+=(libvips-tools)
command -v djpeg >/dev/null || tools+=(libjpeg-turbo-progs)
command -v dwebp >/dev/null || tools+=(webp)
if [ ${#tools[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${tools[@]}" >/dev/null
fi
python3 -c "import imagesize, PIL, numpy, scipy" 2>/dev/null || python3 -m pip install -q imagesize pillow numpy scipy
corpus=${CORPUS:-bench/corpus}
[ -d "$corpus" ] || bash ../shared/bench/make-corpus.sh "$corpus"
swift build -c release --product imagepipe --static-swift-stdlib
what=${1:-all}
if [ "$what" = all ] || [ "$what" = codecs ]; then
  python3 bench/codec_bench.py --corpus "$corpus" --imagepipe .build/release/imagepipe --results bench/RESULTS.md
fi
if [ "$what" = all ] || [ "$what" = thumbs ]; then
  python3 bench/dc_scans.py --corpus "$corpus" --results bench/RESULTS.md
  python3 bench/thumb_bench.py --corpus "$corpus" --imagepipe .build/release/imagepipe --results bench/RESULTS.md
fi
if [ "$what" = all ]; then
  python3 bench/requests_bench.py --imagepipe .build/release/imagepipe --results bench/RESULTS.md
fi
if [ "$what" = all ] || [ "$what" = paths ]; then
  python3 bench/probe_paths_bench.py --imagepipe .build/release/imagepipe --results bench/RESULTS.md
fi
if [ "$what" = all ] || [ "$what" = shards ]; then
  python3 bench/shard_bench.py --imagepipe .build/release/imagepipe --corpus "$corpus" --results bench/RESULTS.md
fi
