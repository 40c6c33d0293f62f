#!/usr/bin/env bash
# Kitaku side by side with SUMO on the same pedestrians (issue #16, item 4).
#
#   bench/bench_vs_sumo.sh [BUILD_DIR (default: build)] [OUT_DIR (default: a temp dir)]
#
# Environment:
#   LOADS="1 4 16"        demand multiples on the Shibuya network
#   BASE_PERIOD=7.2       randomTrips.py --period at 1x (one new walker every 7.2 s for
#                         an hour: about 500 walkers); load L uses BASE_PERIOD / L
#   LARGE_LOADS="4"       demand multiples on the larger network (Ebisu-Daikanyama)
#   MODELS="nonInteracting striping"   SUMO pedestrian models
#   THREADS=2             Kitaku threads (SUMO's pedestrian models are single-threaded)
#   SEED=42
#
# What it does, all in one invocation so that the ratios are measured under the
# same machine load:
#   1. installs Debian's sumo and sumo-tools if `sumo` is missing (not setup.sh's job);
#   2. builds each SUMO network with netconvert from the OSM extract in ../shared/data
#      (--sidewalks.guess --crossings.guess, largest component kept);
#   3. draws pedestrian trips with randomTrips.py --pedestrians --validate (so that
#      every trip can be routed in SUMO's network), the same seed for every model;
#   4. converts those trips for Kitaku with `kitaku demand from-sumo` (origin and
#      destination at the middle of the from/to edges, departure = SUMO's depart);
#      Kitaku reads the same OSM extract itself through GDAL (its own network: see
#      docs/PERFORMANCE.md, "Kitaku and SUMO", for how the two networks differ);
#   5. per case runs, interleaved: SUMO with each model, then Kitaku, each timed by
#      /usr/bin/time (wall and peak resident memory) from process start to end, so
#      network loading, routing and output writing are in both.
#
# Walking is counted the same way for both: person-seconds of walking = the sum over
# persons who arrived of (arrival - departure): SUMO's tripinfo <walk duration>,
# Kitaku's agents.csv arrival_home_s - departure_s. The figure of merit is those
# person-seconds per wall second. Prints a table (and writes OUT_DIR/results.tsv,
# results.md); never fails on a timing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
out=${2:-}
kitaku="$build/kitaku"
[ -x "$kitaku" ] || { echo "bench_vs_sumo: no $kitaku (build first: scripts/build.sh $build)" >&2; exit 1; }
data=$root/../shared/data/osm
for f in shibuya_station_area_overpass_2025-07.osm ebisu_daikanyama_osm_export_2018-12.osm; do
  [ -r "$data/$f" ] || { echo "bench_vs_sumo: $data/$f is missing (the shared Tokyo data, ../shared/data)" >&2; exit 1; }
done
LOADS=${LOADS:-1 4 16}
BASE_PERIOD=${BASE_PERIOD:-7.2}
LARGE_LOADS=${LARGE_LOADS-4}
MODELS=${MODELS:-nonInteracting striping}
THREADS=${THREADS:-2}
SEED=${SEED:-42}
py=/usr/bin/python3
[ -x "$py" ] || py=python3

if ! command -v sumo > /dev/null || ! command -v netconvert > /dev/null; then
  echo "bench_vs_sumo: installing Debian's sumo and sumo-tools" >&2
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q sumo sumo-tools > /dev/null
  else
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q sumo sumo-tools > /dev/null
  fi
fi
export SUMO_HOME=${SUMO_HOME:-/usr/share/sumo}
random_trips=$SUMO_HOME/tools/randomTrips.py
[ -r "$random_trips" ] || { echo "bench_vs_sumo: $random_trips is missing (package sumo-tools)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench_vs_sumo: /usr/bin/time is missing (package time)" >&2; exit 1; }

if [ -z "$out" ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"
export OMP_WAIT_POLICY=PASSIVE

types=$SUMO_HOME/data/typemap/osmNetconvert.typ.xml,$SUMO_HOME/data/typemap/osmNetconvertPedestrians.typ.xml
make_net() {  # NAME OSM
  [ -s "$out/$1.net.xml" ] && return
  netconvert --osm-files "$2" --type-files "$types" --sidewalks.guess --crossings.guess \
      --keep-edges.components 1 --remove-edges.isolated -o "$out/$1.net.xml" > "$out/$1.netconvert.log" 2>&1 ||
    { tail -5 "$out/$1.netconvert.log"; exit 1; }
}
make_net shibuya "$data/shibuya_station_area_overpass_2025-07.osm"
make_net ebisu "$data/ebisu_daikanyama_osm_export_2018-12.osm"

# One case = network + load: the trips for SUMO, the same trips for Kitaku.
make_case() {  # NAME NET OSM LOAD
  local name=$1 net=$2 osm=$3 load=$4 dir=$out/$1
  mkdir -p "$dir"
  local period
  period=$(awk -v p="$BASE_PERIOD" -v l="$load" 'BEGIN { printf "%.6g", p / l }')
  # In the case's folder: --validate leaves duarouter's routes.rou.xml in the working folder.
  (cd "$dir" && "$py" "$random_trips" -n "$out/$net.net.xml" --pedestrians -b 0 -e 3600 -p "$period" --seed "$SEED" \
      --validate -o "$dir/peds.rou.xml" > "$dir/randomTrips.log" 2>&1) || { tail -5 "$dir/randomTrips.log"; exit 1; }
  "$kitaku" demand from-sumo "$dir/peds.rou.xml" --net "$out/$net.net.xml" "$dir/peds.csv" > "$dir/from-sumo.log"
  cat > "$dir/kitaku.toml" <<TOML
[scenario]
name = "SUMO randomTrips pedestrians, $net, ${load}x"
seed = $SEED
[city]
network = "$osm"
[quake]
day = "weekday"
time = "10:00"    # daylight: no night factor, as in SUMO
[population]
source = "trips"
trips = "peds.csv"
persons_per_agent = 1
[routing]
home_cell_m = 250  # the smallest cell: SUMO walks to the destination edge itself (see the header)
[run]
duration_h = 4
step_s = 1         # SUMO's default step; at 5 s a walker passing at most one node per step
                   # is slowed on this network's short edges (docs/PERFORMANCE.md)
TOML
}

# /usr/bin/time -f '%e %M': wall seconds and peak resident KB, on the log's last line.
timed() {  # LOG CMD...
  local log=$1; shift
  /usr/bin/time -f 'TIME %e %M' "$@" > "$log" 2>&1 || { echo "bench_vs_sumo: failed: $* (see $log)" >&2; tail -5 "$log" >&2; return 1; }
  grep '^TIME ' "$log" | tail -1 | cut -d' ' -f2-
}

results=$out/results.tsv
printf 'case\tprogram\twalkers\tarrived\twall_s\tpeak_rss_mb\tperson_s_walking\tperson_s_per_wall_s\tmean_walk_s\tjam_warnings\n' > "$results"

sumo_walks() {  # TRIPINFO -> "walkers arrived person_s mean_s"
  "$py" - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
n = arrived = 0; total = 0.0
for _, el in ET.iterparse(sys.argv[1]):
    if el.tag == "personinfo":
        n += 1
        walks = el.findall("walk")
        if walks and all(float(w.get("arrival", "-1")) >= 0 for w in walks):
            arrived += 1
            total += sum(float(w.get("duration")) for w in walks)
        el.clear()
print(n, arrived, f"{total:.0f}", f"{total / arrived:.1f}" if arrived else "nan")
PY
}
kitaku_walks() {  # AGENTS_CSV -> "walkers arrived person_s mean_s"
  "$py" - "$1" <<'PY'
import csv, sys
n = arrived = 0; total = 0.0
with open(sys.argv[1], newline="") as f:
    for row in csv.DictReader(f):
        n += 1
        if row["arrival_home_s"]:
            arrived += 1
            total += float(row["arrival_home_s"]) - float(row["departure_s"])
print(n, arrived, f"{total:.0f}", f"{total / arrived:.1f}" if arrived else "nan")
PY
}

run_case() {  # NAME
  local name=$1 dir=$out/$1
  for model in $MODELS; do
    local t
    t=$(timed "$dir/sumo-$model.log" sumo -n "$out/${name%%-*}.net.xml" -r "$dir/peds.rou.xml" \
        --pedestrian.model "$model" --tripinfo-output "$dir/tripinfo-$model.xml" --no-step-log \
        --duration-log.statistics --ignore-route-errors --seed "$SEED") || continue
    read -r wall rss <<< "$t"
    read -r n arrived ps mean <<< "$(sumo_walks "$dir/tripinfo-$model.xml")"
    local jams
    jams=$(grep -c -i 'jammed' "$dir/sumo-$model.log" || true)
    printf '%s\tSUMO %s\t%s\t%s\t%s\t%.0f\t%s\t%.0f\t%s\t%s\n' "$name" "$model" "$n" "$arrived" "$wall" \
        "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')" "$ps" "$(awk -v p="$ps" -v w="$wall" 'BEGIN { print p / w }')" "$mean" "$jams" >> "$results"
  done
  rm -rf "$dir/kitaku-out"
  local t
  t=$(cd "$dir" && timed "$dir/kitaku.log" "$kitaku" run kitaku.toml --out kitaku-out --threads "$THREADS") || return 0
  read -r wall rss <<< "$t"
  read -r n arrived ps mean <<< "$(kitaku_walks "$dir/kitaku-out/agents.csv")"
  printf '%s\tKitaku (%s threads)\t%s\t%s\t%s\t%.0f\t%s\t%.0f\t%s\t%s\n' "$name" "$THREADS" "$n" "$arrived" "$wall" \
      "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')" "$ps" "$(awk -v p="$ps" -v w="$wall" 'BEGIN { print p / w }')" "$mean" "-" >> "$results"
}

cases=()
for l in $LOADS; do make_case "shibuya-${l}x" shibuya "$data/shibuya_station_area_overpass_2025-07.osm" "$l"; cases+=("shibuya-${l}x"); done
for l in $LARGE_LOADS; do make_case "ebisu-${l}x" ebisu "$data/ebisu_daikanyama_osm_export_2018-12.osm" "$l"; cases+=("ebisu-${l}x"); done

echo "Kitaku vs SUMO $(sumo --version 2>/dev/null | grep -o "Version [0-9.]*" | head -1 | cut -d" " -f2), $("$kitaku" --version), $(nproc) cores; outputs in $out"
for c in "${cases[@]}"; do
  echo "  running $c ..." >&2
  run_case "$c"
done

# The table, with Kitaku's speed-up over each SUMO model in the same case.
"$py" - "$results" "$out/results.md" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
by = {}
for r in rows:
    by.setdefault(r["case"], {})[r["program"]] = r
lines = ["| case | program | walkers | arrived | wall (s) | peak RSS (MB) | person-s walking | person-s / wall s | Kitaku × | mean walk (s) | SUMO jam warnings |",
         "|---|---|---|---|---|---|---|---|---|---|---|"]
for r in rows:
    kit = next((v for k, v in by[r["case"]].items() if k.startswith("Kitaku")), None)
    ratio = ""
    if kit and not r["program"].startswith("Kitaku") and float(r["person_s_per_wall_s"]) > 0:
        ratio = f"{float(kit['person_s_per_wall_s']) / float(r['person_s_per_wall_s']):.0f}×"
    lines.append("| " + " | ".join([r["case"], r["program"], r["walkers"], r["arrived"], r["wall_s"], r["peak_rss_mb"],
                                      f"{int(r['person_s_walking']):,}", f"{int(float(r['person_s_per_wall_s'])):,}", ratio,
                                      r["mean_walk_s"], r["jam_warnings"]]) + " |")
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
