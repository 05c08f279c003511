#!/usr/bin/env bash
# Installs what is needed, then runs every test (the conformance suites are read from ../shared/testdata
# when it is there, and skipped with a note when it is not).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# A real S3-compatible server for the publishing tests (moto, from PyPI); the tests start it on loopback.
command -v moto_server >/dev/null 2>&1 || python3 -m pip install -q 'moto[server]' 2>/dev/null \
  || pip3 install -q 'moto[server]'
# Colour and metadata tests: real ICC profiles (colord-data: Adobe RGB, ProPhoto; libgs-common: a CMYK
# profile), exiftool to read what imagepipe wrote, and Pillow's ImageCms as the reference colour engine.
# The review sheet's tests: headless Chromium (Debian's chromium, about 124 MB to download) and a font.
# The deploy/ tests lint the Kubernetes YAML with PyYAML (python3-yaml, under 1 MB). The JPEG DC-scan
# tests make 4:4:4, 4:2:2 and restart-marker files with libjpeg-turbo's cjpeg (libjpeg-turbo-progs).
need=()
for package in colord-data libgs-common libimage-exiftool-perl chromium fonts-dejavu-core python3-yaml libjpeg-turbo-progs; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || need+=("$package")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
python3 -c 'import PIL.ImageCms' 2>/dev/null || python3 -m pip install -q Pillow 2>/dev/null || pip3 install -q Pillow
swift build --build-tests
# swift-argument-parser's man page tool, from the package copy already fetched (about 20 s on 2 cores),
# for the test that the page is generated with every command (scripts/manpage.sh writes it).
swift build --product generate-manual
swift test
# A short libFuzzer run of every fuzz target (fuzz/run.sh): about 2 minutes with its build on 2 cores,
# which instruments only the code under test and reuses the rest of .build. Any crash fails the run.
bash fuzz/run.sh all 10
