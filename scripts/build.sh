#!/usr/bin/env bash
# scripts/build.sh DIR [cmake options...]: configure (once) and build Kitaku in DIR.
# KITAKU_BUILD_TARGETS="a b ...": build only those targets (default: all).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$1; shift
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S "$root" -B "$dir" -G Ninja "$@" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; exit 1; }
grep -E 'Kitaku build options|^--   KITAKU_' "$dir.configure.log" || true
cmake --build "$dir" -j "$jobs" ${KITAKU_BUILD_TARGETS:+--target $KITAKU_BUILD_TARGETS}
