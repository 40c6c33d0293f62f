#!/usr/bin/env bash
# Command 2 of the quick start: install dependencies, build with warnings, and run
# every test with ctest; then the same suite under AddressSanitizer + UBSan.
# KITAKU_SKIP_SANITIZE=1 skips the sanitizer pass (it doubles the build time).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
"$root/scripts/setup.sh"

# -O2 without debug info: -g costs 35-40 % of the compile time (measured per file,
# docs/PERFORMANCE.md "CI time"), and a failing test is re-run in a debug build anyway.
# Debian's python3 (where setup.sh installed NumPy and pybind11), not whatever
# python3 comes first on PATH (a pyenv shim, say): else the Python module and its
# tests would be left out of the build without a word.
python=()
[ -x /usr/bin/python3 ] && python=(-DPython3_EXECUTABLE=/usr/bin/python3)
"$root/scripts/build.sh" "$root/build-test" -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" \
    -DKITAKU_BUILD_TESTS=ON "${python[@]}"
(cd "$root/build-test" && ctest --output-on-failure -j "$jobs")

if [ "${KITAKU_SKIP_SANITIZE:-0}" != 1 ]; then
  "$root/scripts/build.sh" "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DKITAKU_SANITIZE=ON -DKITAKU_BUILD_TESTS=ON
  # LeakSanitizer is on too: the CLI tests run the sanitized kitaku, so a leak fails them.
  # KITAKU_SKIP_SLOW: the full 12-hour default run is checked in the plain pass;
  # under ASan it would take several minutes for no extra coverage.
  (cd "$root/build-asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
      KITAKU_SKIP_SLOW=1 ctest --output-on-failure -j "$jobs")
fi
