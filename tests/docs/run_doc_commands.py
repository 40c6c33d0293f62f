#!/usr/bin/python3
"""Runs the README's and docs' commands as written (issue 18, item 9).

    run_doc_commands.py KITAKU_BINARY SOURCE_DIR [--list]

A fenced shell block in README.md or docs/*.md is a doc test when the line before
it is an HTML comment

    <!-- doc-test -->            run every command of the block, in order
    <!-- doc-test: short -->     ... each `kitaku run` on a cut-down copy of its
                                 scenario (see SHORT below)
    <!-- doc-test: slow -->      ... skipped when KITAKU_SKIP_SLOW is set (the
                                 sanitizer pass); options combine: "short slow"

Every block runs in one fresh temporary folder (shared by all blocks, in file
order, so a later block may use an earlier one's outputs) holding symbolic links
to the repository's scenarios/, sweeps/ and data/; `build/kitaku` and `kitaku` at
the start of a command are the binary under test; `#` comments are dropped, and a
line ending in a backslash continues on the next. A command that exits non-zero
fails the test, naming the file and line of the command. KITAKU_CACHE_DIR points
into the temporary folder, so nothing touches ~/.cache.

SHORT: `kitaku run SCENARIO ...` (and `kitaku run ...` with no scenario, the
embedded default, which is scenarios/default.toml) runs a copy of the scenario
with [run] duration_h = 0.5, [population] agents = 5000 and, for the synthetic
city, synthetic_radius_km = 3, so that the docs' 12-hour runs take seconds.

Standard library only.
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MARK = re.compile(r"^<!--\s*doc-test(?::\s*([a-z ]*))?\s*-->\s*$")
FENCE = re.compile(r"^```(\w*)\s*$")
# kitaku run's options that take a value (app/cmd_run.cpp).
RUN_VALUE_OPTIONS = {"--out", "-o", "--threads", "-t", "--seed", "-s", "--replay", "--checkpoint-every"}
SHORT = {"run": ("duration_h", "0.5"), "population": ("agents", "5000"), "city": ("synthetic_radius_km", "3")}
# What the docs must keep runnable (issue 18, item 9): a command matching each.
REQUIRED = [
    ("kitaku synth", r"\bkitaku synth\b"),
    ("kitaku network export on the synthetic city", r"\bkitaku network export city\.gpkg\b"),
    ("the quick sweep", r"\bkitaku sweep sweeps/quick\.toml\b"),
    ("kitaku rerun on a run of the quick sweep", r"\bkitaku rerun out/quick/runs/"),
    ("kitaku run on the embedded default", r"\bkitaku run --out\b"),
    ("kitaku compare", r"\bkitaku compare\b"),
]


def blocks(source_dir):
    """(file, line, options, [(line, command)]) for every marked block."""
    files = [source_dir / "README.md"] + sorted((source_dir / "docs").glob("*.md"))
    for path in files:
        lines = path.read_text(encoding="utf-8").splitlines()
        i = 0
        while i < len(lines):
            m = MARK.match(lines[i].strip())
            if not m:
                i += 1
                continue
            opts = set((m.group(1) or "").split())
            unknown = opts - {"short", "slow"}
            if unknown:
                raise SystemExit(f"{path}:{i + 1}: doc-test: unknown option(s) {' '.join(sorted(unknown))}")
            if i + 1 >= len(lines) or not FENCE.match(lines[i + 1]) or FENCE.match(lines[i + 1]).group(1) not in ("sh", "bash", ""):
                raise SystemExit(f"{path}:{i + 1}: doc-test: not followed by a ```sh block")
            start, j, cmds, pending, pending_line = i + 1, i + 2, [], "", 0
            while j < len(lines) and not lines[j].startswith("```"):
                text = lines[j]
                if not pending:
                    pending_line = j + 1
                if text.rstrip().endswith("\\"):
                    pending += text.rstrip()[:-1] + " "
                else:
                    full = (pending + text).strip()
                    pending = ""
                    if full and not full.startswith("#"):
                        cmds.append((pending_line, full))
                j += 1
            if j >= len(lines):
                raise SystemExit(f"{path}:{start + 1}: doc-test block is not closed")
            yield path, start + 1, opts, cmds
            i = j + 1


def strip_comment(cmd):
    """The command without a trailing `# comment` (outside quotes)."""
    lexer = shlex.shlex(cmd, posix=True, punctuation_chars=False)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    return shlex.join(list(lexer))


def short_copy(scenario, work, made):
    """A cut-down copy of `scenario` (a path relative to work/), made once."""
    src = work / scenario
    if not src.is_file():
        raise RuntimeError(f"no scenario file {scenario}")
    dst = work / "short" / Path(scenario).parent.name / Path(scenario).name
    if dst not in made:
        text = src.read_text(encoding="utf-8")
        for table, (key, value) in SHORT.items():
            if key == "synthetic_radius_km" and not re.search(r"^\s*synthetic_radius_km\s*=", text, re.M):
                continue  # a real city: only shorter and fewer
            pattern = re.compile(r"^(\s*" + key + r"\s*=\s*)[^#\n]*", re.M)
            if pattern.search(text):
                text = pattern.sub(lambda m: m.group(1) + value, text, count=1)
            elif re.search(r"^\[" + table + r"\]\s*$", text, re.M):
                text = re.sub(r"^(\[" + table + r"\]\s*)$", lambda m: m.group(1) + f"\n{key} = {value}", text, count=1, flags=re.M)
            else:
                text += f"\n[{table}]\n{key} = {value}\n"
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_text(text, encoding="utf-8")
        made.add(dst)
    # Relative paths in a scenario resolve against its folder: short/<dir>/ sits one
    # level below work/ as scenarios/ does, so "../data/..." still points at data/.
    return str(dst.relative_to(work))


def prepare(cmd, binary, short, work, made):
    """The command as run: the binary substituted, a short scenario for kitaku run."""
    words = shlex.split(strip_comment(cmd))
    if not words:
        return None
    if words[0] in ("build/kitaku", "kitaku", "./build/kitaku"):
        words[0] = binary
    else:
        return shlex.join(words)  # a plain shell command (ls, sha256sum, ...)
    if short and len(words) > 1 and words[1] == "run":
        i, scenario_at = 2, None
        while i < len(words):
            w = words[i]
            if w in RUN_VALUE_OPTIONS:
                i += 2
                continue
            if not w.startswith("-") and scenario_at is None:
                scenario_at = i
            i += 1
        if scenario_at is None:
            words.insert(2, short_copy("scenarios/default.toml", work, made))
        else:
            words[scenario_at] = short_copy(words[scenario_at], work, made)
    return shlex.join(words)


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    binary = str(Path(sys.argv[1]).resolve())
    source = Path(sys.argv[2]).resolve()
    found = list(blocks(source))
    all_cmds = [c for _, _, _, cmds in found for _, c in cmds]
    missing = [what for what, pattern in REQUIRED if not any(re.search(pattern, c) for c in all_cmds)]
    if missing:
        print("FAILED: no doc-test block runs " + "; ".join(missing), file=sys.stderr)
        return 1
    if "--list" in sys.argv:
        for path, line, opts, cmds in found:
            print(f"{path.relative_to(source)}:{line} [{' '.join(sorted(opts))}]")
            for _, c in cmds:
                print("    " + c)
        return 0
    skip_slow = bool(os.environ.get("KITAKU_SKIP_SLOW"))
    failures, ran, t0 = 0, 0, time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kitaku-doc-test-") as tmp:
        work = Path(tmp)
        for d in ("scenarios", "sweeps", "data"):
            if (source / d).exists():
                (work / d).symlink_to(source / d)
        env = dict(os.environ, KITAKU_CACHE_DIR=str(work / "cache"), OMP_WAIT_POLICY="PASSIVE")
        env.pop("DISPLAY", None)  # `kitaku` with no arguments must not open a window here
        env.pop("WAYLAND_DISPLAY", None)
        made = set()
        for path, line, opts, cmds in found:
            where = f"{path.relative_to(source)}:{line}"
            if "slow" in opts and skip_slow:
                print(f"SKIPPED (KITAKU_SKIP_SLOW is set): {where}")
                continue
            for cmd_line, cmd in cmds:
                try:
                    run = prepare(cmd, binary, "short" in opts, work, made)
                except (RuntimeError, ValueError) as e:
                    print(f"FAILED {path.relative_to(source)}:{cmd_line}: {cmd}\n  {e}", file=sys.stderr)
                    failures += 1
                    continue
                if run is None:
                    continue
                t = time.monotonic()
                p = subprocess.run(run, shell=True, cwd=work, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, errors="replace")
                ran += 1
                took = time.monotonic() - t
                if p.returncode != 0:
                    failures += 1
                    print(f"FAILED {path.relative_to(source)}:{cmd_line} (exit {p.returncode}): {cmd}\n  as run: {run}\n"
                          + "\n".join("  | " + l for l in p.stdout.splitlines()[-25:]), file=sys.stderr)
                else:
                    print(f"ok {took:5.1f} s  {path.relative_to(source)}:{cmd_line}: {cmd}")
    print(f"{ran} commands from {len(found)} doc-test blocks in {time.monotonic() - t0:.1f} s, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
