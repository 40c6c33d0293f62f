#!/usr/bin/env bash
# Regenerates the dashboard screenshots in docs/images/ (docs/dashboard.md and the
# README show them) from a real window under Xvfb. Needs a built kitaku
# (default build/kitaku; pass another path as $1).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kitaku=${1:-$root/build/kitaku}
out=$root/docs/images
mkdir -p "$out"
shot() {  # [FRAMES=N] shot NAME [kitaku dashboard options...]; a saved view (UI scale) is not read
  local name=$1; shift
  KITAKU_VIEW_FILE=/dev/null/none xvfb-run -a -s '-screen 0 1920x1080x24' "$kitaku" dashboard --width 1600 --height 900 \
      --frames "${FRAMES:-30}" --screenshot "$out/$name.png" "$@" >/dev/null
  echo "docs/images/$name.png"
}
shot dashboard --advance-min 100 --kpi-tab charts
shot map-zoomed --advance-min 100 --map-zoom 24
shot facilities --advance-min 150 --select-facility 1500
shot allocation --advance-min 150 --tab allocation
shot kpi-alerts --advance-min 150 --kpi-tab alerts
shot drill "$root/scenarios/drill_example.toml" --advance-min 130 --drill-tab log --kpi-tab charts
shot drill-injects "$root/scenarios/drill_example.toml" --advance-min 60 --drill-tab injects --map-zoom 6
shot japanese --advance-min 150 --lang ja --kpi-tab charts
# Grouped alerts (played for a while, so that repeats arrive in many snapshots),
# "no room for an agent" facilities and the allocation panel on an area.
FRAMES=400 shot default-alerts --advance-min 120 --play --speed 600 --kpi-tab alerts --tab allocation --select-area J10
FRAMES=600 shot ginza-alerts "$root/scenarios/tokyo_ginza_m73_weekday_1200.toml" --advance-min 5 --play --speed 600 \
    --kpi-tab alerts --tab allocation
FRAMES=300 shot japanese-alerts "$root/scenarios/tokyo_ginza_m73_weekday_1200.toml" --advance-min 5 --play --speed 600 \
    --kpi-tab alerts --lang ja --ui-scale 1.25
# The map as a place: ward boundaries and names, station and street names, the
# allocation panel by ward, with grouped alerts; on real Ginza data (centred on
# 千代田区's streets, Tokyo station to Ginza) and on the synthetic city's south M7.3.
FRAMES=400 shot ginza-wards "$root/scenarios/tokyo_ginza_m73_weekday_1200.toml" --advance-min 5 --play --speed 600 \
    --kpi-tab alerts --tab allocation --area-mode ward --select-area 千代田区
FRAMES=400 shot south-wards "$root/scenarios/tokyo_south_m73_weekday_1200.toml" --advance-min 120 --play --speed 600 \
    --kpi-tab alerts --tab allocation --area-mode ward --map-zoom 4
