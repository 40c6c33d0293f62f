"""Runs the worked example of docs/python.md as it is written (ctest).

The ```python blocks of the section "Worked example" are run in order, in one
namespace, from the repository root (the reference snippets above it are ```py
and are not run). The example reads ../shared/data: without it the test is
skipped (exit code 77). Without matplotlib the plotting block is skipped.
"""
import os
import re
import sys

root = sys.argv[2] if len(sys.argv) > 2 else os.getcwd()
os.chdir(root)
data = os.path.join(root, "..", "shared", "data", "osm", "shibuya_station_area_overpass_2025-07.osm")
if not os.path.exists(data):
    print(f"SKIPPED: {data} is absent (the worked example reads ../shared/data)")
    sys.exit(77)
with open(os.path.join(root, "docs", "python.md"), encoding="utf-8") as f:
    doc = f.read()
section = doc[doc.index("## Worked example"):]
blocks = re.findall(r"```python\n(.*?)```", section, re.S)
assert len(blocks) >= 2, "docs/python.md: the worked example's ```python blocks are missing"
namespace = {"__name__": "__main__"}
for i, code in enumerate(blocks):
    if "matplotlib" in code:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print(f"block {i + 1}: SKIPPED (no matplotlib)")
            continue
    exec(compile(code, f"docs/python.md: worked example block {i + 1}", "exec"), namespace)
# What the example claims must hold.
base, policy = namespace["base"], namespace["policy"]
assert namespace["closed"], "no bridge passed 6 p/m2: the example shows nothing"
assert policy.summary()["person_minutes_ge6"] < base.summary()["person_minutes_ge6"]
print("ok   docs/python.md worked example")
