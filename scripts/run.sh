#!/usr/bin/env bash
# Command 1 of the quick start: install dependencies, build, and run the main job
# on the embedded default scenario. With a display it opens the operations
# dashboard on it (playing); without one (ssh, CI) it runs the scenario headless
# and writes the outputs to ./out. Extra arguments go to `kitaku` instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
# Debian's python3 for the Python module (build/python; docs/python.md), not a
# pyenv shim or other python3 first on PATH, which lacks setup.sh's NumPy.
python=()
[ -x /usr/bin/python3 ] && python=(-DPython3_EXECUTABLE=/usr/bin/python3)
"$root/scripts/build.sh" "$root/build" -DCMAKE_BUILD_TYPE=Release -DKITAKU_BUILD_TESTS=OFF "${python[@]}"
if [ $# -gt 0 ]; then
  exec "$root/build/kitaku" "$@"
fi
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "${KITAKU_HEADLESS:-0}" != 1 ]; then
  exec "$root/build/kitaku" dashboard --play
fi
echo "run.sh: no display, so running the default scenario headless (kitaku run)." >&2
echo "run.sh: for the dashboard, run this on a desktop, or: xvfb-run -a build/kitaku dashboard --screenshot shot.png --frames 30" >&2
exec "$root/build/kitaku" run
