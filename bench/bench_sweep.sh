#!/usr/bin/env bash
# Sweep throughput on the default scenario (100,000 agents, 12 h): runs per hour
#   - in one process: 2 runs at once x 1 thread, 1 run x 2 threads, 1 run x 1 thread
#   - under mpirun:   1 rank and 2 ranks, 1 thread per run
# Each figure is RUNS runs (seeds) of the default scenario, timed from the
# command's start to its end (city loading included; the synthetic city is
# generated once before). Prints a table; never fails on a timing.
# Usage: bench/bench_sweep.sh [BUILD_DIR (default: build)] [RUNS (default: 4)]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
runs=${2:-4}
kitaku="$build/kitaku"
[ -x "$kitaku" ] || { echo "bench_sweep: no $kitaku (build first: scripts/build.sh $build)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_WAIT_POLICY=PASSIVE
# mpirun refuses root without these (containers, CI).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

cat > "$work/bench.toml" <<TOML
[sweep]
name = "bench"
base = "default"
seeds = $runs
TOML
# Generate (or find) the default synthetic city in the cache first.
printf '[city]\nsynthetic_radius_km = 10\nsynthetic_seed = 1\n[population]\nagents = 500\n[run]\nduration_h = 0.05\n' \
  > "$work/warm.toml"
"$kitaku" run "$work/warm.toml" --out "$work/warm" > /dev/null

echo "kitaku sweep throughput: $runs runs of the default scenario, $(nproc) cores, $("$kitaku" --version)"
printf '%-44s %10s %10s\n' "configuration" "wall (s)" "runs/hour"
n=0
measure() {
  local label=$1
  shift
  n=$((n + 1))
  local t0 t1
  t0=$(date +%s.%N)
  if ! "$@" --out "$work/out$n" > "$work/log$n" 2>&1; then
    printf '%-44s %10s\n' "$label" "FAILED"
    tail -5 "$work/log$n"
    return
  fi
  t1=$(date +%s.%N)
  awk -v l="$label" -v a="$t0" -v b="$t1" -v r="$runs" 'BEGIN { printf "%-44s %10.1f %10.1f\n", l, b - a, r / (b - a) * 3600 }'
}
measure "local: 2 runs at once x 1 thread" "$kitaku" sweep "$work/bench.toml" --jobs 2 --threads-per-run 1
measure "local: 1 run at a time x 2 threads" "$kitaku" sweep "$work/bench.toml" --jobs 1 --threads-per-run 2
measure "local: 1 run at a time x 1 thread" "$kitaku" sweep "$work/bench.toml" --jobs 1 --threads-per-run 1
if command -v mpirun > /dev/null; then
  measure "mpirun -np 1 (1 run x 1 thread per rank)" mpirun -np 1 "$kitaku" sweep "$work/bench.toml" --threads-per-run 1
  measure "mpirun -np 2 (1 run x 1 thread per rank)" mpirun -np 2 "$kitaku" sweep "$work/bench.toml" --threads-per-run 1
else
  echo "(mpirun not installed: no MPI figures; scripts/setup.sh installs openmpi-bin)"
fi
