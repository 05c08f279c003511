#!/usr/bin/env bash
# Writes imagepipe's man page, imagepipe.1 (one page, every subcommand), from the commands themselves:
# swift-argument-parser's own generate-manual tool, built from the package copy SwiftPM already holds
# (nothing is downloaded), reads the binary's --experimental-dump-help. Usage:
#   bash scripts/manpage.sh [DIR]    # default DIR: .build/man; then: man -l .build/man/imagepipe.1
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
out="${1:-.build/man}"
swift build --product imagepipe >&2
swift build --product generate-manual >&2
mkdir -p "$out"
# The date is the last commit's, so the page changes only when the commands do.
date="$(git log -1 --format=%cs 2>/dev/null || date +%F)"
.build/debug/generate-manual .build/debug/imagepipe --date "$date" --output-directory "$out"
echo "$out/imagepipe.1"
