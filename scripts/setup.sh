#!/usr/bin/env bash
# Installs the Debian 12 packages Kitaku builds and tests with. Idempotent: when
# everything is already installed it changes nothing. Works as root or with sudo.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libgdal-dev gdal-bin            # GIS in/out (OSM, GPKG, Shapefile, GeoJSON, FlatGeobuf)
  libboost-graph-dev              # CSR graph, Dijkstra, strong components
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev
  librandom123-dev                # counter-based RNG (Philox): the same draws for any thread count
  doctest-dev                     # unit tests
  libimgui-dev libstb-dev libglfw3-dev libgl-dev   # dashboard
  fonts-noto-cjk                  # Japanese facility names in the dashboard
  xvfb xauth libgl1-mesa-dri      # real-window screenshots without a display
  osmium-tool                     # tests: convert OSM XML to PBF
  libopenmpi-dev openmpi-bin      # kitaku sweep across processes and machines (mpirun)
  clang libclang-rt-14-dev libomp-dev   # scripts/tsan.sh: clang's ThreadSanitizer, LLVM libomp + Archer (libarcher.so)
  pybind11-dev python3-dev python3-numpy   # the Python module kitaku (docs/python.md)
  python3-pandas                  # tests: the metropolis's agents.csv opens in pandas
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
