#!/usr/bin/env bash
# scripts/metropolis-map.sh CITY.gpkg OUT.png [WIDTH]: a picture of a metropolis
# (kitaku synth --kind metropolis): back streets grey, main roads yellow, the
# rivers blue, their bridges red (drawn 220 m wide so they show), water black.
# GDAL's command-line tools only (gdal-bin, installed by scripts/setup.sh).
set -euo pipefail
city=$1 out=$2 width=${3:-1000}
[ -f "$city" ] || { echo "metropolis-map: $city: no such file" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
r="$tmp/map.tif"
gdal_rasterize -q -init 20 -burn 110 -burn 110 -burn 110 -tr 50 50 -ot Byte -l roads \
    -where "highway in ('residential','footway','steps','pedestrian')" "$city" "$r"
gdal_rasterize -q -b 1 -b 2 -b 3 -burn 240 -burn 200 -burn 80 -l roads \
    -where "highway in ('trunk','primary','secondary','tertiary') and bridge is null" "$city" "$r"
gdal_rasterize -q -b 1 -b 2 -b 3 -burn 40 -burn 140 -burn 255 -dialect SQLite \
    -sql "select ST_Buffer(geom, 120) from rivers" "$city" "$r"
gdal_rasterize -q -b 1 -b 2 -b 3 -burn 255 -burn 30 -burn 30 -dialect SQLite \
    -sql "select ST_Buffer(geom, 220) from roads where bridge = 'yes'" "$city" "$r"
gdal_translate -q -of PNG -outsize "$width" 0 -r average "$r" "$tmp/map.png"
mv "$tmp/map.png" "$out"
echo "metropolis-map: wrote $out"
