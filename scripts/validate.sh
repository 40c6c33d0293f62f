#!/usr/bin/env bash
# scripts/validate.sh [KITAKU] [RUNS_DIR]: runs the five presets docs/validation.md's
# table rests on (2 threads each, one after the other, about 15-25 min on the
# 2-core machine), then prints the table (scripts/validation_table.py).
#   KITAKU    the kitaku binary (default: build/kitaku, as the README's first command builds)
#   RUNS_DIR  where the runs go (default: val); a preset already run there is kept
# Environment:
#   AGENTS=N      run every preset with N agents (kitaku run --set population.agents=N);
#                 the presets' 100,000 stand for 116 persons each, and crowd figures
#                 want 10 or fewer (docs/validation.md, "Convergence"): AGENTS=1157650
#   SEEDS="1 2 3" run each preset once per seed, into RUNS_DIR/seed-S/, and print the
#                 mean over the seeds with their range
#   THREADS=N     threads per run (default 2)
#   CITY=metropolis  run the presets on the 30 km Tokyo-like metropolis (the real
#                 1 km mesh from ../shared/data/population, docs/synthetic-city.md)
#                 instead of their 10 km synthetic city
#   PRESETS="a b" run only these of the five presets (the table skips the rows of
#                 the others)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kitaku=${1:-$root/build/kitaku}
runs=${2:-val}
threads=${THREADS:-2}
[ -x "$kitaku" ] || { echo "validate: $kitaku: not found; build first (README, first command)" >&2; exit 2; }
case "${AGENTS:-}" in ''|*[!0-9]*) [ -z "${AGENTS:-}" ] || { echo "validate: AGENTS=$AGENTS: not a whole number" >&2; exit 2; } ;; esac
set_args=()
[ -z "${AGENTS:-}" ] || set_args=(--set "population.agents=$AGENTS")
case "${CITY:-}" in
  '') ;;
  metropolis)
    mesh=$(realpath -m "$root/../shared/data/population")
    for f in tokyo_mesh1km_polygons_epsg6668.geojson tokyo_mlit_jinryu_mesh1km_2019-10.csv; do
      [ -f "$mesh/$f" ] || { echo "validate: CITY=metropolis needs $mesh/$f (../shared/data)" >&2; exit 2; }
    done
    # Each --set is checked as it comes: the mesh files before the kind that needs them.
    set_args+=(--set "city.zones=$mesh/tokyo_mesh1km_polygons_epsg6668.geojson"
               --set "city.population_csv=$mesh/tokyo_mlit_jinryu_mesh1km_2019-10.csv"
               --set city.synthetic_kind=metropolis --set city.synthetic_radius_km=30
               --set city.synthetic_capacity_share=0.027 --set routing.home_cell_m=4000) ;;
  *) echo "validate: CITY=$CITY: only metropolis (or nothing, the presets' own city)" >&2; exit 2 ;;
esac
presets=${PRESETS:-panel_2008_everyone_walks tohoku_0311 everyone_at_once retention_3days everyone_delayed_3h}
dirs=()
for seed in ${SEEDS:-default}; do
  if [ "$seed" = default ]; then
    dir=$runs
    seed_args=()
  else
    case $seed in ''|*[!0-9]*) echo "validate: SEEDS: $seed is not a whole number" >&2; exit 2 ;; esac
    dir=$runs/seed-$seed
    seed_args=(--seed "$seed")
  fi
  mkdir -p "$dir"
  dirs+=("$dir")
  for p in $presets; do
    if [ -f "$dir/$p/summary.json" ] && [ -f "$dir/$p/agents.csv" ]; then
      # Kept only if it is the run asked for: the same agents and seed.
      python3 - "$dir/$p/summary.json" "${AGENTS:-}" "${seed_args[1]:-}" <<'PY' || exit 1
import json, sys
s = json.load(open(sys.argv[1]))
for key, want in (("agents", sys.argv[2]), ("seed", sys.argv[3])):
    if want and int(s[key]) != int(want):
        sys.exit(f"validate: {sys.argv[1]}: {key} {s[key]}, not {want}; remove the run or choose another RUNS_DIR")
PY
      echo "validate: $dir/$p: kept"
      continue
    fi
    echo "validate: $dir/$p ..."
    file=$p
    preset_args=()
    if [ "${CITY:-}" = metropolis ] && [ "$p" = tohoku_0311 ]; then
      # Its rail lines name the 10 km city's stations: the metropolis's own 3.11
      # preset (the same policies, rail through the real hubs) at the same 14:46.
      file=tokyo_metropolis_0311
      preset_args=(--set quake.time=14:46)
    fi
    (cd "$root" && "$kitaku" run "scenarios/$file.toml" ${set_args[@]+"${set_args[@]}"} ${preset_args[@]+"${preset_args[@]}"} \
        ${seed_args[@]+"${seed_args[@]}"} \
        --out "$(realpath -m "$dir/$p")" --threads "$threads") >"$dir/$p.log" 2>&1 ||
      { echo "validate: $dir/$p failed; see $dir/$p.log" >&2; tail -5 "$dir/$p.log" >&2; exit 1; }
  done
done
python3 "$root/scripts/validation_table.py" "${dirs[@]}"
