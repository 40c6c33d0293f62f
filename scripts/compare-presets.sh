#!/usr/bin/env bash
# Runs `kitaku run` on every preset and checks that the outputs are reproduced.
#
#   scripts/compare-presets.sh KITAKU_BINARY OUT_DIR [--baseline DIR] [--quick] [options]
#
# Runs the embedded default scenario (no scenario argument; called
# "embedded-default") and every scenarios/*.toml of this repository, each with
# --threads 1 and --threads 2 and the same seed (the scenario's own, or --seed S),
# one run at a time, into OUT_DIR/<preset>/t<threads>/ (the run's stdout and
# stderr go to OUT_DIR/<preset>/t<threads>.log, the wall time of each run to
# OUT_DIR/timings.tsv). Then it compares
#   - t1 with t2 of every preset (the results must not depend on the threads), and
#   - with --baseline DIR, every run with the same run in DIR (made by this script
#     with another binary, e.g. before a refactor),
# prints a table of "same"/"DIFFERENT" per file, the details of each difference,
# and exits 1 if anything differs (2 on bad usage or a failed run).
#
# The rules are those of `kitaku rerun` (app/sweep/compare.cpp):
#   timeseries.csv, commands.log, scenario.toml, peak_density.png  byte for byte;
#   summary.json   every key and value, except the wall-clock and build fields
#                  wall_seconds, threads, agent_updates_per_second, kitaku_version
#                  (app/sweep/compare.hpp, kWallClockKeys);
#   results.gpkg   by content, with sqlite3: every data layer's rows in fid order,
#                  every column (doubles to the last bit, geometries as hex
#                  blobs), plus the schema and the gpkg_* metadata tables without
#                  gpkg_contents.last_change (a timestamp); the derived R-tree
#                  index is left out;
#   other files    the same file names, each byte-identical.
#
# The scenarios run are those of the repository the script is in, given by their
# absolute path, with the repository as the working directory, so the real data
# resolves to <repo>/../shared/data exactly as for `kitaku run scenarios/X.toml`
# from the repository (scenario.toml records the resolved absolute paths, so the
# baseline and the new runs must use the same scenario folder: --scenarios).
#
# Options:
#   --baseline DIR     compare with the runs in DIR (same mode: full or --quick)
#   --quick            runs shortened uniformly to at most --quick-hours simulated
#                      hours (default 2): each scenario is copied to a temporary
#                      file with [run] duration_h = min(its own, H) and its data
#                      paths made absolute as `kitaku run` resolves them; the
#                      embedded default is run from scenarios/default.toml (its
#                      source), shortened the same way. `kitaku run` has no
#                      duration option, hence the copy.
#   --quick-hours H    the cap for --quick (hours, > 0)
#   --seed S           pass --seed S to every run (default: each scenario's seed)
#   --only P1,P2,...   only these presets (names as in the table)
#   --compare-only     do not run; compare the runs already in OUT_DIR
#   --scenarios DIR    the scenario folder (default: this repository's scenarios/)
#
# Examples:
#   scripts/compare-presets.sh /tmp/kitaku-base/build/kitaku /tmp/kitaku-baseline
#   scripts/compare-presets.sh build/kitaku /tmp/kitaku-new --baseline /tmp/kitaku-baseline
#   scripts/compare-presets.sh build/kitaku /tmp/q-new --quick --baseline /tmp/q-base
set -uo pipefail

usage() {
  sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}
die() { echo "compare-presets: $*" >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
bin="" out="" baseline="" quick=0 quick_hours=2 seed="" only="" compare_only=0 scen_dir="$root/scenarios"
positional=()
while [ $# -gt 0 ]; do
  case "$1" in
    --baseline) [ $# -ge 2 ] || die "--baseline needs a folder"; baseline=$2; shift 2 ;;
    --baseline=*) baseline=${1#*=}; shift ;;
    --quick) quick=1; shift ;;
    --quick-hours) [ $# -ge 2 ] || die "--quick-hours needs a number"; quick_hours=$2; quick=1; shift 2 ;;
    --seed) [ $# -ge 2 ] || die "--seed needs a number"; seed=$2; shift 2 ;;
    --only) [ $# -ge 2 ] || die "--only needs preset names"; only=$2; shift 2 ;;
    --compare-only) compare_only=1; shift ;;
    --scenarios) [ $# -ge 2 ] || die "--scenarios needs a folder"; scen_dir=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) positional+=("$1"); shift ;;
  esac
done
[ ${#positional[@]} -eq 2 ] || usage
bin=${positional[0]} out=${positional[1]}
[[ $quick_hours =~ ^[0-9]+([.][0-9]+)?$ ]] && awk -v h="$quick_hours" 'BEGIN{exit !(h>0)}' ||
  die "--quick-hours: expected a positive number of hours, got '$quick_hours'"
[ -z "$seed" ] || [[ $seed =~ ^[0-9]+$ ]] || die "--seed: expected a non-negative integer, got '$seed'"
for tool in jq sqlite3 cmp diff realpath; do command -v "$tool" >/dev/null || die "needs $tool"; done
[ -d "$scen_dir" ] || die "no scenario folder $scen_dir"
scen_dir=$(cd "$scen_dir" && pwd)
mkdir -p "$out" || die "cannot create $out"
out=$(cd "$out" && pwd)
if [ -n "$baseline" ]; then
  [ -d "$baseline" ] || die "no baseline folder $baseline"
  baseline=$(cd "$baseline" && pwd)
fi
if [ "$compare_only" = 0 ]; then
  [ -x "$bin" ] || die "$bin is not an executable"
  bin=$(realpath "$bin")
fi

threads_list=(1 2)
mode="full"
[ "$quick" = 1 ] && mode="quick ${quick_hours}h"

# The presets: name and scenario file ("" = the embedded default).
names=(embedded-default) files=("")
for f in "$scen_dir"/*.toml; do
  [ -e "$f" ] || continue
  names+=("$(basename "$f" .toml)") files+=("$f")
done
if [ -n "$only" ]; then
  sel_n=() sel_f=()
  IFS=, read -r -a wanted <<<"$only"
  for w in "${wanted[@]}"; do
    found=0
    for i in "${!names[@]}"; do
      if [ "${names[$i]}" = "$w" ]; then sel_n+=("${names[$i]}") sel_f+=("${files[$i]}"); found=1; fi
    done
    [ "$found" = 1 ] || die "--only: no preset named '$w' (presets: ${names[*]})"
  done
  names=("${sel_n[@]}") files=("${sel_f[@]}")
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/compare-presets.XXXXXX") || die "cannot make a temporary folder"
trap 'rm -rf "$tmp"' EXIT

# --quick: a copy of scenario $1 with [run] duration_h capped at $quick_hours and
# the relative data paths made absolute (relative to $1's folder, lexically, as
# kitaku's resolve() does), written to $2. Prints "shortened FROM->TO h" or "full D h".
make_quick_copy() {
  local src=$1 dst=$2 dir section="" line key val had_run=0 had_dur=0 dur=24 new
  dir=$(dirname "$src")
  # The duration as written (default 24 h, docs/scenario-format.md).
  dur=$(awk '/^[[:space:]]*\[/{s=$0; gsub(/[[:space:]]/,"",s)} s=="[run]" && /^[[:space:]]*duration_h[[:space:]]*=/{v=$0; sub(/^[^=]*=[[:space:]]*/,"",v); sub(/[[:space:]#].*/,"",v); print v; exit}' "$src")
  [ -n "$dur" ] || dur=24
  new=$(awk -v a="$dur" -v b="$quick_hours" 'BEGIN{print (a+0 < b+0) ? a : b}')
  : >"$dst"
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ $line =~ ^[[:space:]]*\[([^]]*)\]?\]?[[:space:]]*(#.*)?$ ]]; then
      if [ "$section" = run ] && [ "$had_dur" = 0 ]; then echo "duration_h = $new" >>"$dst"; had_dur=1; fi
      section=${BASH_REMATCH[1]}
      section=${section#[}; section=${section%]}
      section=$(echo "$section" | tr -d '[:space:]')
      [ "$section" = run ] && had_run=1
    elif [ "$section" = run ] && [[ $line =~ ^[[:space:]]*duration_h[[:space:]]*= ]]; then
      line="duration_h = $new"
      had_dur=1
    elif [[ $section == city || $section == seismic ]] &&
         [[ $line =~ ^([[:space:]]*(network|facilities|stations|zones|population_csv|intensity_raster)[[:space:]]*=[[:space:]]*)\"([^\"]*)\"(.*)$ ]]; then
      key=${BASH_REMATCH[1]} val=${BASH_REMATCH[3]}
      if [ -n "$val" ] && [[ $val != /* ]]; then
        line="$key\"$(realpath -m -s "$dir/$val")\"${BASH_REMATCH[4]}"
      fi
    fi
    printf '%s\n' "$line" >>"$dst"
  done <"$src"
  if [ "$section" = run ] && [ "$had_dur" = 0 ]; then echo "duration_h = $new" >>"$dst"; had_dur=1; fi
  if [ "$had_run" = 0 ]; then printf '\n[run]\nduration_h = %s\n' "$new" >>"$dst"; fi
  if awk -v a="$dur" -v b="$new" 'BEGIN{exit !(a+0 != b+0)}'; then echo "shortened ${dur}->${new} h"; else echo "full ${dur} h"; fi
}

# ---------------------------------------------------------------- the runs
failed=0
if [ "$compare_only" = 0 ]; then
  if [ -f "$out/mode" ] && [ "$(cat "$out/mode")" != "$mode" ] && [ -n "$only" ]; then
    die "$out holds $(cat "$out/mode") runs; this is $mode: use another OUT_DIR"
  fi
  echo "$mode" >"$out/mode"
  [ -n "$only" ] && [ -f "$out/timings.tsv" ] || printf 'preset\tthreads\tseconds\texit\tduration\n' >"$out/timings.tsv"
  echo "compare-presets: $bin, $mode, ${#names[@]} presets x threads ${threads_list[*]}, into $out"
  "$bin" --version 2>/dev/null | head -1 | sed 's/^/  /'
  for i in "${!names[@]}"; do
    name=${names[$i]} file=${files[$i]} args=() how="full"
    if [ "$quick" = 1 ]; then
      src=${file:-$scen_dir/default.toml}
      [ -f "$src" ] || die "--quick needs $scen_dir/default.toml for the embedded default"
      how=$(make_quick_copy "$src" "$tmp/$name.toml") || die "cannot shorten $src"
      args=("$tmp/$name.toml")
    elif [ -n "$file" ]; then
      args=("$file")
    fi
    [ -n "$seed" ] && args+=(--seed "$seed")
    for t in "${threads_list[@]}"; do
      d="$out/$name/t$t"
      rm -rf "$d" && mkdir -p "$d" || die "cannot make $d"
      t0=$(date +%s.%N)
      (cd "$root" && "$bin" run "${args[@]}" --out "$d" --threads "$t") >"$out/$name/t$t.log" 2>&1
      rc=$?
      t1=$(date +%s.%N)
      secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')
      printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$t" "$secs" "$rc" "$how" >>"$out/timings.tsv"
      printf '  %-34s t%s %8s s  %s%s\n' "$name" "$t" "$secs" "$how" "$([ $rc = 0 ] || echo "  FAILED (exit $rc, see $out/$name/t$t.log)")"
      [ $rc = 0 ] || failed=1
    done
  done
fi

# ---------------------------------------------------------------- the comparison
wall_keys='del(.wall_seconds, .threads, .agent_updates_per_second, .kitaku_version)'

# A text dump of a GeoPackage's content to stdout.
gpkg_dump() { gpkg_dump_raw "$1" | awk '/^== /{sec=substr($0,4); next} {print "[" sec "] " $0}'; }
gpkg_dump_raw() {
  local db=$1 t cols
  echo "== pragmas"
  sqlite3 -readonly "$db" "PRAGMA application_id; PRAGMA user_version;"
  echo "== schema"
  sqlite3 -readonly "$db" "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'rtree_%' ORDER BY type, name;"
  for t in gpkg_spatial_ref_sys gpkg_geometry_columns gpkg_extensions gpkg_ogr_contents gpkg_data_columns \
           gpkg_data_column_constraints gpkg_metadata gpkg_metadata_reference gpkg_tile_matrix_set gpkg_tile_matrix \
           sqlite_sequence; do
    if [ -n "$(sqlite3 -readonly "$db" "SELECT 1 FROM sqlite_master WHERE type='table' AND name='$t';")" ]; then
      echo "== $t"
      sqlite3 -readonly -cmd '.mode quote' "$db" "SELECT * FROM \"$t\";" | LC_ALL=C sort
    fi
  done
  echo "== gpkg_contents (without last_change)"
  sqlite3 -readonly -cmd '.mode quote' "$db" \
    "SELECT table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id FROM gpkg_contents ORDER BY table_name;"
  for t in $(sqlite3 -readonly "$db" "SELECT table_name FROM gpkg_contents ORDER BY table_name;"); do
    echo "== layer $t"
    # Every column, blobs (geometries) in hex; doubles in quote mode round-trip exactly.
    cols=$(sqlite3 -readonly "$db" "SELECT group_concat(CASE WHEN lower(type) IN ('blob','geometry','point','linestring','polygon','multipoint','multilinestring','multipolygon','geometrycollection') THEN 'hex(\"' || name || '\")' ELSE '\"' || name || '\"' END, ', ') FROM pragma_table_info('$t');")
    sqlite3 -readonly -cmd '.mode quote' -cmd '.headers on' "$db" "SELECT $cols FROM \"$t\" ORDER BY rowid;"
  done
}

details=()  # lines explaining each difference
# compare_file A_DIR B_DIR FILE LABEL: sets $result to same / DIFFERENT / absent
compare_file() {
  local a=$1/$3 b=$2/$3 label=$4 line
  result=DIFFERENT
  if [ ! -e "$a" ] && [ ! -e "$b" ]; then result=absent; return; fi
  if [ ! -e "$a" ] || [ ! -e "$b" ]; then
    details+=("$label $3: only in $([ -e "$a" ] && echo "$1" || echo "$2")"); return
  fi
  case "$3" in
    summary.json)
      if ! jq -S "$wall_keys" "$a" >"$tmp/a" 2>/dev/null || ! jq -S "$wall_keys" "$b" >"$tmp/b" 2>/dev/null; then
        details+=("$label $3: cannot be read as JSON"); return
      fi ;;
    results.gpkg)
      if ! gpkg_dump "$a" >"$tmp/a" 2>"$tmp/a.err" || ! gpkg_dump "$b" >"$tmp/b" 2>"$tmp/b.err" ||
         [ -s "$tmp/a.err" ] || [ -s "$tmp/b.err" ]; then
        details+=("$label $3: cannot be read: $(cat "$tmp/a.err" "$tmp/b.err" | head -1)"); return
      fi ;;
    *)
      if cmp -s "$a" "$b"; then result=same; return; fi
      if [[ $3 == *.png || $3 == *.gpkg || $3 == *.kitaku ]]; then
        details+=("$label $3: the bytes differ ($(stat -c %s "$a") vs $(stat -c %s "$b") bytes)")
      else
        line=$(diff "$a" "$b" | head -3 | tr '\n' ' ' | cut -c1-300)
        details+=("$label $3: $line")
      fi
      return ;;
  esac
  if cmp -s "$tmp/a" "$tmp/b"; then result=same; return; fi
  line=$(diff "$tmp/a" "$tmp/b" | head -3 | tr '\n' ' ' | cut -c1-300)
  if [ "$3" = results.gpkg ]; then
    details+=("$label $3: differing dump lines per section: $(diff "$tmp/a" "$tmp/b" | sed -n 's/^[<>] \[\([^]]*\)\].*/\1/p' |
              sort | uniq -c | awk '{printf "%s%s %s", (NR>1?", ":""), $2" "$3" "$4, $1}' | sed 's/  */ /g'); first: $line")
  else
    details+=("$label $3: $(diff "$tmp/a" "$tmp/b" | grep -c '^[<>]') differing lines (wall-clock fields left out); first: $line")
  fi
}

main_files=(timeseries.csv results.gpkg summary.json commands.log)
any_diff=0
rows=""
# compare_runs A_DIR B_DIR PRESET THREADS_CELL LABEL: appends a table row to $rows
compare_runs() {
  local a=$1 b=$2 label=$5 cells=("$3" "$4") f others=() bad=()
  if [ ! -f "$a/summary.json" ] || [ ! -f "$b/summary.json" ]; then
    details+=("$label: no finished run in $([ -f "$a/summary.json" ] && echo "$b" || echo "$a")")
    any_diff=1
    rows+="$3"$'\t'"$4"$'\tMISSING\tMISSING\tMISSING\tMISSING\tMISSING\n'
    return
  fi
  for f in "${main_files[@]}"; do
    compare_file "$a" "$b" "$f" "$label"
    [ "$result" = same ] || any_diff=1
    cells+=("$result")
  done
  # Every other file of either run: scenario.toml, peak_density.png, anything new.
  mapfile -t others < <( (cd "$a" && find . -type f; cd "$b" && find . -type f) | sed 's|^\./||' | sort -u |
                         grep -vxF -e timeseries.csv -e results.gpkg -e summary.json -e commands.log)
  for f in "${others[@]}"; do
    compare_file "$a" "$b" "$f" "$label"
    [ "$result" = same ] || bad+=("$f")
  done
  if [ ${#bad[@]} -gt 0 ]; then cells+=("DIFFERENT (${bad[*]})"); any_diff=1; else cells+=("same"); fi
  local IFS=$'\t'
  rows+="${cells[*]}"$'\n'
}

print_table() {  # rows on stdin: preset \t threads \t 5 cells
  awk -F'\t' 'BEGIN{h="preset\tthreads\ttimeseries.csv\tresults.gpkg\tsummary.json\tcommands.log\tother files"}
    {rows[NR]=$0} END{
      rows[0]=h; n=split(h,x,"\t")
      for (r=0;r<=NR;r++){k=split(rows[r],c,"\t"); for(i=1;i<=k;i++) if(length(c[i])>w[i]) w[i]=length(c[i])}
      for (r=0;r<=NR;r++){k=split(rows[r],c,"\t"); s="";
        for(i=1;i<=n;i++) s=s sprintf("%s%-" w[i] "s", (i>1?" | ":""), c[i]); print s
        if (r==0){s=""; for(i=1;i<=n;i++){d=""; for(j=0;j<w[i];j++) d=d "-"; s=s (i>1?"-|-":"") d}; print s}}}'
}

if [ -n "$baseline" ]; then
  bmode=$(cat "$baseline/mode" 2>/dev/null || echo "unknown")
  omode=$(cat "$out/mode" 2>/dev/null || echo "unknown")
  [ "$bmode" = "$omode" ] || die "the baseline $baseline holds '$bmode' runs, $out holds '$omode' runs"
fi

echo
echo "Threads: t1 vs t2 of the same binary ($out, $(cat "$out/mode" 2>/dev/null || echo "?"))"
rows=""
for name in "${names[@]}"; do
  compare_runs "$out/$name/t1" "$out/$name/t2" "$name" "t1 vs t2" "[$name t1 vs t2]"
done
printf '%s' "$rows" | print_table

if [ -n "$baseline" ]; then
  echo
  echo "Baseline: $out vs $baseline"
  rows=""
  for name in "${names[@]}"; do
    for t in "${threads_list[@]}"; do
      compare_runs "$baseline/$name/t$t" "$out/$name/t$t" "$name" "t$t" "[$name t$t vs baseline]"
    done
  done
  printf '%s' "$rows" | print_table
fi

if [ ${#details[@]} -gt 0 ]; then
  echo
  echo "Differences:"
  printf '  %s\n' "${details[@]}"
fi
echo
if [ "$failed" = 1 ]; then echo "compare-presets: some runs FAILED (see the logs)"; exit 2; fi
if [ "$any_diff" = 1 ]; then echo "compare-presets: DIFFERENT"; exit 1; fi
echo "compare-presets: every compared output is the same"
exit 0
