#!/usr/bin/env bash
# Installs what is needed, then runs every test (the conformance suites are read from ../shared/testdata
# when it is there, and skipped with a note when it is not).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build --build-tests
swift test
