#!/usr/bin/env bash
# Fuzzes imagepipe's parsers of untrusted bytes with libFuzzer, SECONDS per target:
#
#   bash fuzz/run.sh Probe|JPEG|PNG|WebP|ServiceJSON|DSL|all SECONDS
#
# Probe: the pure-Swift header parsers; JPEG, PNG, WebP: the decoders (full decode, check, thumbnail, under
# every --fail-on level); ServiceJSON: the reading of the service's answers and the API key check; DSL: the
# pipeline language (diagnostics, never a crash; a parsed spec printed as text parses back to itself).
# The targets are built first with IMAGEPIPE_FUZZ=1 (see Package.swift: only the code under test is
# instrumented, the rest of .build is reused). Seeds come from ../shared/testdata (or $IMAGEPIPE_TESTDATA),
# samples/ and fuzz/seeds/; the corpus grows in .build/fuzz/corpus/TARGET, and a crash is kept in
# .build/fuzz/artifacts/TARGET/ (replay: .build/debug/FuzzTARGET FILE). One line per target at the end:
# executions, corpus size, crashes (crashes, out-of-memory, hangs, leaks). Exit 1 when any target had one.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 2 ]; then
  echo "usage: bash fuzz/run.sh Probe|JPEG|PNG|WebP|ServiceJSON|DSL|all SECONDS" >&2
  exit 2
fi
targets=$1
seconds=$2
[ "$targets" = all ] && targets="Probe JPEG PNG WebP ServiceJSON DSL"
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"
testdata=${IMAGEPIPE_TESTDATA:-../shared/testdata}
[ -d "$testdata" ] || echo "fuzz: $testdata is absent: seeding from samples/ and fuzz/seeds/ only" >&2

# Seed files for a target: small files of its kind (decoding a large one is slow under AddressSanitizer),
# from fuzz/seeds/ and ../shared/testdata; the header parser takes every size. Absent folders are passed by.
seeds() {
  local folders extensions size=-64k
  case $1 in
    Probe) folders="samples fuzz/seeds/jpeg fuzz/seeds/png fuzz/seeds/webp $testdata/exif-orientation $testdata/pngsuite $testdata/libwebp"
           extensions="jpg png webp"; size=-1G ;;
    JPEG) folders="fuzz/seeds/jpeg $testdata/exif-orientation"; extensions=jpg ;;
    PNG) folders="fuzz/seeds/png $testdata/pngsuite"; extensions=png ;;
    WebP) folders="fuzz/seeds/webp $testdata/libwebp"; extensions=webp ;;
    ServiceJSON) folders=fuzz/seeds/service-json; extensions=json ;;
    DSL) folders="pipelines fuzz/seeds/dsl"; extensions=pipe ;;
  esac
  for folder in $folders; do
    [ -d "$folder" ] || continue
    for extension in $extensions; do
      find "$folder" -maxdepth 1 -name "*.$extension" -size "$size"
    done
  done
}

for target in $targets; do
  case $target in Probe | JPEG | PNG | WebP | ServiceJSON | DSL) ;; *)
    echo "fuzz: unknown target '$target'; expected Probe, JPEG, PNG, WebP, ServiceJSON, DSL or all" >&2
    exit 2 ;;
  esac
  IMAGEPIPE_FUZZ=1 swift build --product "Fuzz$target" 2>&1 | grep -v "Cannot export local symbol" | grep -E "error|warning: |Compiling|Linking" || true
  [ -x ".build/debug/Fuzz$target" ] || { echo "fuzz: Fuzz$target did not build" >&2; exit 1; }
done

status=0
summary=()
for target in $targets; do
  corpus=.build/fuzz/corpus/$target
  seed=.build/fuzz/seeds/$target
  artifacts=.build/fuzz/artifacts/$target
  log=.build/fuzz/$target.log
  rm -rf "$seed"
  mkdir -p "$corpus" "$seed" "$artifacts"
  seeds "$target" | while read -r file; do ln -sf "$(realpath "$file")" "$seed/$(echo "$file" | tr / _)"; done
  # A unit taking over a minute is a hang (a timeout- artifact, a failure); over 30 s, only noted (slow-unit-).
  options=(-max_total_time="$seconds" -timeout=60 -report_slow_units=30 -rss_limit_mb=2048 -print_final_stats=1
           -artifact_prefix="$artifacts/")
  case $target in
    ServiceJSON) options+=(-max_len=4096 -dict=fuzz/service-json.dict) ;;
    DSL) options+=(-max_len=4096 -dict=fuzz/dsl.dict) ;;
    *) options+=(-max_len=65536) ;;
  esac
  failures() { find "$artifacts" -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) | wc -l; }
  crashes_before=$(failures)
  # The Swift runtime's backtracer would print its own report over libFuzzer's: libFuzzer keeps the input.
  SWIFT_BACKTRACE=enable=no ".build/debug/Fuzz$target" "${options[@]}" "$corpus" "$seed" > "$log" 2>&1 || true
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  crashes=$(( $(failures) - crashes_before ))
  if [ "$crashes" -gt 0 ] || ! grep -q "^stat::number_of_executed_units" "$log"; then
    status=1
    echo "fuzz: Fuzz$target failed; see $log and $artifacts/" >&2
    grep -E "ERROR|Fatal error|SUMMARY|Test unit written" "$log" | head -5 >&2 || true
  fi
  summary+=("$(printf '%-12s %10s executions, corpus %5s files, %s crash(es), %s s' "$target" "${executions:-?}" \
    "$(find "$corpus" -type f | wc -l)" "$crashes" "$seconds")")
done
printf '%s\n' "${summary[@]}"
exit $status
