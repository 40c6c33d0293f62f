#!/usr/bin/env bash
# scripts/validate.sh [KITAKU] [RUNS_DIR]: runs the five presets docs/validation.md's
# table rests on (2 threads each, one after the other, about 15-25 min on the
# 2-core machine), then prints the table (scripts/validation_table.py).
#   KITAKU    the kitaku binary (default: build/kitaku, as the README's first command builds)
#   RUNS_DIR  where the runs go (default: val); a preset already run there is kept
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kitaku=${1:-$root/build/kitaku}
runs=${2:-val}
[ -x "$kitaku" ] || { echo "validate: $kitaku: not found; build first (README, first command)" >&2; exit 2; }
mkdir -p "$runs"
for p in panel_2008_everyone_walks tohoku_0311 everyone_at_once retention_3days everyone_delayed_3h; do
  if [ -f "$runs/$p/summary.json" ] && [ -f "$runs/$p/agents.csv" ]; then
    echo "validate: $p: kept ($runs/$p)"
    continue
  fi
  echo "validate: $p ..."
  (cd "$root" && "$kitaku" run "scenarios/$p.toml" --out "$(realpath -m "$runs/$p")" --threads 2) >"$runs/$p.log" 2>&1 ||
    { echo "validate: $p failed; see $runs/$p.log" >&2; tail -5 "$runs/$p.log" >&2; exit 1; }
done
python3 "$root/scripts/validation_table.py" "$runs"
