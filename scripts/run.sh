#!/usr/bin/env bash
# Command 1 of the quick start: install dependencies, build, and run the main job
# on the embedded default scenario. Extra arguments go to `kitaku`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh" "$root/build" -DCMAKE_BUILD_TYPE=Release -DKITAKU_BUILD_TESTS=OFF
exec "$root/build/kitaku" "$@"
