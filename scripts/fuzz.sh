#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] [TARGET...]: builds the libFuzzer harnesses (fuzz/) with
# clang, ASan and UBSan in build-fuzz ($KITAKU_FUZZ_DIR overrides), then runs each
# TARGET (default: all four) for SECONDS (default 60) one after the other:
#
#   scenario         parse_scenario: the scenario TOML reader, then to_toml and back
#   command_log      parse_command_line: the --replay log reader, then format_command and back
#   network_geojson  load_network on a GeoJSON file (GDAL, walkable rules, topology)
#   network_osm      load_network on an OSM XML file (GDAL's OSM driver included)
#
# Each starts from its seed corpus in fuzz/corpus/TARGET and keeps what it finds in
# build-fuzz/corpus/TARGET (so a later run goes on from there); a crash, a sanitizer
# report, a leak or a timeout is saved in build-fuzz/artifacts/TARGET/ and fails the
# script (replay one with build-fuzz/fuzz/fuzz_TARGET FILE). Not part of CI, whose
# time budget it would exceed: docs/fuzzing.md says when and how to run it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${KITAKU_FUZZ_DIR:-$root/build-fuzz}
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(scenario command_log network_geojson network_osm)
cxx=${KITAKU_FUZZ_CXX:-clang++}
command -v "$cxx" >/dev/null || { echo "fuzz: $cxx not found (scripts/setup.sh installs clang)" >&2; exit 1; }

mkdir -p "$dir"
KITAKU_BUILD_TARGETS="${targets[*]/#/fuzz_}" "$root/scripts/build.sh" "$dir" \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKITAKU_FUZZ=ON \
  -DKITAKU_BUILD_TESTS=OFF -DKITAKU_BUILD_UI=OFF -DKITAKU_BUILD_BENCH=OFF -DKITAKU_WITH_MPI=OFF

# halt_on_error/abort: the first report ends the run and is saved as an artifact.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
failed=()
for t in "${targets[@]}"; do
  bin=$dir/fuzz/fuzz_$t
  corpus=$dir/corpus/$t
  artifacts=$dir/artifacts/$t
  mkdir -p "$corpus" "$artifacts"
  dict=()
  [ -f "$root/fuzz/$t.dict" ] && dict=(-dict="$root/fuzz/$t.dict")
  echo "== fuzz_$t for ${seconds} s (corpus $corpus, seeds fuzz/corpus/$t)"
  if "$bin" "${dict[@]}" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
       -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "$root/fuzz/corpus/$t" \
       >"$dir/fuzz_$t.log" 2>&1; then
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' "$dir/fuzz_$t.log" || true
    echo "   clean: $(ls "$corpus" | wc -l) inputs in the corpus"
  else
    echo "   FAILED: see $dir/fuzz_$t.log and $artifacts/" >&2
    tail -40 "$dir/fuzz_$t.log" >&2
    failed+=("$t")
  fi
done
[ ${#failed[@]} -eq 0 ] || { echo "fuzz: findings in: ${failed[*]}" >&2; exit 1; }
echo "fuzz: all clean (${targets[*]}, ${seconds} s each)"
