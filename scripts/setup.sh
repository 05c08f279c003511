#!/usr/bin/env bash
# Installs what building imagepipe needs on Debian (the three codecs' and LittleCMS's -dev packages and pkg-config),
# once; sourced by demo.sh and test.sh. Swift itself is expected at /opt/swift or on PATH.
set -euo pipefail
need=()
for package in libjpeg62-turbo-dev libpng-dev libwebp-dev zlib1g-dev liblcms2-dev pkg-config; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || need+=("$package")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "imagepipe: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! command -v swift >/dev/null 2>&1; then
  export PATH="/opt/swift/usr/bin:$PATH"
fi
command -v swift >/dev/null 2>&1 || { echo "imagepipe: Swift 6 is needed (swift not found on PATH or in /opt/swift)" >&2; exit 1; }
