#!/usr/bin/env bash
# scripts/tsan.sh [ctest options...]: the ThreadSanitizer pass over the code that
# shares data between threads: the dashboard's sim-thread runner (its UI thread
# reads snapshots and submits commands while the sim thread steps: tests/ui/
# test_sim_runner.cpp) and `kitaku sweep`, whose runs go side by side on worker
# threads, each with its own OpenMP team (tests/app/test_sweep.cpp, which runs
# the TSan-built kitaku). Extra arguments go to ctest (e.g. -V, or -R to narrow).
#
# Configures build-tsan ($KITAKU_TSAN_DIR overrides) with clang++ ($KITAKU_TSAN_CXX
# overrides; its LLVM's libomp and Archer must be installed) and
# -DKITAKU_SANITIZE_THREAD=ON, builds only the three targets needed, and runs
# their tests. Any TSan report fails the script and is printed, including those
# of kitaku processes whose output a test swallowed.
#
# OpenMP: clang++ links LLVM's libomp, and OMP_TOOL_LIBRARIES loads its Archer
# tool, which reports OpenMP's synchronisation (fork/join, barriers, reductions,
# locks) to TSan. The OpenMP code runs with its real thread counts (the tests
# use 1 and 2 threads per run) and is checked too; no suppressions are needed.
# Debian 12's clang++ is 14: unlike g++ 12 it does not let a lambda capture a
# structured binding (C++20; doctest's CHECK_MESSAGE is such a lambda), so the
# sources these targets build must name such values with plain variables.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${KITAKU_TSAN_DIR:-$root/build-tsan}
jobs=$(nproc 2>/dev/null || echo 2)
cxx=${KITAKU_TSAN_CXX:-clang++}
"$root/scripts/setup.sh"
t_start=$SECONDS

# MPI off: Open MPI is not instrumented and does not run under the sanitizers
# (see tests/app/test_sweep.cpp); the threads of a sweep are the same without it.
KITAKU_BUILD_TARGETS="kitaku ui_test_sim_runner app_test_sweep" "$root/scripts/build.sh" "$dir" \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKITAKU_SANITIZE_THREAD=ON \
  -DKITAKU_BUILD_TESTS=ON -DKITAKU_BUILD_UI=ON -DKITAKU_BUILD_BENCH=OFF -DKITAKU_WITH_MPI=OFF

archer=/usr/lib/llvm-$("$cxx" -dumpversion | cut -d. -f1)/lib/libarcher.so  # Debian's layout
[ -f "$archer" ] || { echo "tsan: $archer not found (scripts/setup.sh installs libomp-dev)" >&2; exit 1; }

t_built=$SECONDS
logs=$dir/tsan-logs
rm -rf "$logs" && mkdir -p "$logs"
# Prints every report written under $logs; fails when there is one.
check_reports() {
  local f reports=()
  shopt -s nullglob
  reports=("$logs"/tsan.*)
  shopt -u nullglob
  [ ${#reports[@]} -eq 0 ] && return 0
  echo "tsan: ${#reports[@]} process(es) reported (logs in $logs):" >&2
  for f in "${reports[@]}"; do echo "== $f" >&2; cat "$f" >&2; done
  return 1
}
# halt_on_error: the first race ends the process (exit 66), so the test fails.
# log_path: each process writes its reports to $logs/tsan.<pid>, so a report
# from a kitaku run whose output a test does not print is still seen.
# ignore_noninstrumented_modules: as Archer's documentation asks. The accesses
# that intercepted calls (memcpy, pthread_mutex_init, ...) make on behalf of an
# uninstrumented library (libomp's own bookkeeping, GDAL) are not checked; their
# synchronisation is still honoured, and all of Kitaku's code is instrumented.
# Without it libomp's internal mutexes give false reports even with Archer.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 history_size=7 ignore_noninstrumented_modules=1 log_path=$logs/tsan ${TSAN_OPTIONS:-}"
export OMP_TOOL_LIBRARIES=$archer
# The mpirun part is skipped: kitaku is built without MPI here (see above).
export KITAKU_SKIP_SLOW=1

# Archer must really be loaded: without it OpenMP's barriers are invisible to
# TSan. Its verbose line goes to stdout, so it is asked for in this probe only
# (one 2-thread case of the runner test), not in the kitaku runs the tests read.
probe=$(cd "$dir" && ARCHER_OPTIONS=verbose=1 OMP_WAIT_POLICY=PASSIVE \
  ./tests/ui_test_sim_runner -tc='the sim thread uses*' 2>&1) ||
  { echo "$probe" >&2; check_reports || true; echo "tsan: the Archer probe failed" >&2; exit 1; }
grep -q 'Archer detected OpenMP application with TSan' <<<"$probe" || {
  echo "$probe" >&2; echo "tsan: Archer ($archer) did not load; OpenMP would not be checked soundly" >&2; exit 1; }

status=0
(cd "$dir" && ctest --output-on-failure --no-tests=error -j "$jobs" -R '^(ui/test_sim_runner|app/test_sweep):' "$@") || status=$?

echo "tsan: configure + build $((t_built - t_start)) s, tests $((SECONDS - t_built)) s"
check_reports || exit 1
[ "$status" -eq 0 ] || exit "$status"
echo "tsan: no data races reported"
