#!/usr/bin/env bash
# Installs what is needed, then runs every test (the conformance suites are read from ../shared/testdata
# when it is there, and skipped with a note when it is not).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# A real S3-compatible server for the publishing tests (moto, from PyPI); the tests start it on loopback.
command -v moto_server >/dev/null 2>&1 || python3 -m pip install -q 'moto[server]' 2>/dev/null \
  || pip3 install -q 'moto[server]'
swift build --build-tests
swift test
# A short libFuzzer run of every fuzz target (fuzz/run.sh): about 2 minutes with its build on 2 cores,
# which instruments only the code under test and reuses the rest of .build. Any crash fails the run.
bash fuzz/run.sh all 10
