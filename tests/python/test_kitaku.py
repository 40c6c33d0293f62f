"""Tests of the Python module `kitaku` (docs/python.md), run by ctest.

Each test is a plain function; `python3 test_kitaku.py KITAKU_BINARY` runs them all
and exits non-zero on the first failure. The module is found on PYTHONPATH (ctest
sets it to BUILD/python).
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import numpy as np

import kitaku

KITAKU = sys.argv[1] if len(sys.argv) > 1 else "kitaku"
TMP = tempfile.mkdtemp(prefix="kitaku-pytest-")
os.environ.setdefault("KITAKU_CACHE_DIR", os.path.join(TMP, "cache"))

SCENARIO = """
[scenario]
name = "python test"
seed = 3
[city]
synthetic_radius_km = 2
synthetic_seed = 4
[population]
agents = 3000
[policy]
retention_share = 0.2
[run]
duration_h = 1
step_s = 5
output_interval_s = 300
[[command]]
at_min = 20
type = "close_edge"
edge = 5
"""


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def cli(*args):
    r = subprocess.run([KITAKU, *args], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def test_same_results_as_kitaku_run():
    scen = write("small.toml", SCENARIO)
    out = os.path.join(TMP, "out-cli")
    code, text = cli("run", scen, "--out", out, "--threads", "2")
    assert code == 0, text
    sim = kitaku.Simulation(kitaku.load_scenario(scen), threads=1)
    sim.run()
    assert sim.done and sim.time == sim.duration == 3600
    with open(os.path.join(out, "summary.json"), encoding="utf-8") as f:
        cli_summary = json.load(f)
    py_summary = sim.summary()
    for key, value in py_summary.items():
        if key in ("wall_seconds", "threads"):
            continue
        assert cli_summary[key] == value, f"summary {key}: kitaku run {cli_summary[key]!r}, Python {value!r}"
    with open(os.path.join(out, "timeseries.csv"), encoding="utf-8") as f:
        assert f.read() == sim.timeseries_csv(), "timeseries.csv differs from kitaku run's"
    # The columns, as pandas.DataFrame(sim.timeseries()) takes them.
    ts = sim.timeseries()
    with open(os.path.join(out, "timeseries.csv"), encoding="utf-8") as f:
        header = f.readline().strip().split(",")
        rows = [line.strip().split(",") for line in f]
    assert list(ts.keys()) == header
    assert all(len(col) == len(rows) for col in ts.values())
    for i, name in enumerate(header):
        for r, row in enumerate(rows):
            assert abs(float(row[i]) - float(ts[name][r])) <= 5e-4, (name, r, row[i], ts[name][r])
    # The same output files, written the same way.
    pyout = os.path.join(TMP, "out-py")
    sim.write_outputs(pyout)
    for name in ("timeseries.csv", "agents.csv", "commands.log"):
        with open(os.path.join(out, name), "rb") as a, open(os.path.join(pyout, name), "rb") as b:
            assert a.read() == b.read(), f"{name} differs from kitaku run's"


def test_bad_keys_raise_the_cli_message():
    bad = write("bad.toml", SCENARIO.replace("agents = 3000", "agnets = 3000"))
    code, text = cli("run", bad, "--out", os.path.join(TMP, "out-bad"))
    assert code == 1, text
    cli_message = text.strip().splitlines()[-1].removeprefix("kitaku: error: ")
    try:
        kitaku.load_scenario(bad)
    except kitaku.InputError as e:
        assert str(e) == cli_message, (str(e), cli_message)
        assert isinstance(e, ValueError)
    else:
        raise AssertionError("a misspelt key loaded")
    scen = write("small2.toml", SCENARIO)
    for overrides, words in (({"population.agnets": 5}, "agnets"),
                             ({"run.duration_h": -1}, "duration_h"),
                             ({"population": 5}, "population"),
                             ({"run.step_s": [1]}, "run.step_s")):
        try:
            kitaku.load_scenario(scen, overrides=overrides)
        except kitaku.InputError as e:
            assert words in str(e), (overrides, str(e))
        else:
            raise AssertionError(f"overrides {overrides} loaded")
    sc = kitaku.load_scenario(scen, overrides={"population.agents": 500, "run.duration_h": 0.25})
    assert "agents = 500" in sc.to_toml() and sc.duration_s == 900


def test_views_commands_and_determinism():
    scen = write("small3.toml", SCENARIO)
    sc = kitaku.load_scenario(scen, overrides={"run.duration_h": 0.5})
    sim = kitaku.Simulation(sc, threads=2, seed=9)
    sim2 = kitaku.Simulation(sc, threads=1, seed=9)
    sim.run_until(600)
    assert sim.time == 600
    a = sim.agents()
    n = sim.agent_count
    assert a["state"].shape == (n,) and a["state"].dtype == np.uint8
    assert a["edge"].dtype == np.int32 and a["x"].shape == (n,) and np.all(a["persons"] == a["persons"][0])
    walking = kitaku.AGENT_STATES.index("walking_home")
    on_edges = a["edge"] >= 0
    assert on_edges.any() and np.all(a["state"][on_edges] != kitaku.AGENT_STATES.index("arrived_home"))
    assert (a["state"] == walking).sum() > 0
    for arr in (a["state"], a["x"], a["persons"]):
        assert not arr.flags.writeable
        try:
            arr[0] = 1
        except ValueError:
            pass
        else:
            raise AssertionError("a view could be written to")
    e = sim.edges()
    net = sim.network()
    assert e["density"].shape == net["length_m"].shape == e["closed"].shape
    # Agents on each edge agree with the densities.
    counts = np.bincount(a["edge"][on_edges], minlength=len(e["density"]))
    assert np.array_equal(counts > 0, e["density"] > 0)
    assert np.allclose(e["flow"], e["density"] * e["speed"], rtol=1e-6)
    # Close the busiest edge: applied at the next step, and logged.
    busiest = int(np.argmax(e["density"]))
    before = e["closed"].copy()
    sim.submit({"type": "close_edge", "edge": busiest})
    sim.step()
    assert sim.edges()["closed"][busiest] == 1 and before[busiest] == 0
    assert np.array_equal(e["closed"], before), "an earlier view changed after a step"
    assert any(c["type"] == "close_edge" and c["edge"] == busiest for c in sim.command_log())
    sim.submit("type=reopen_edge edge=%d" % busiest)
    for bad in ({"type": "close_edge", "edge": 10**8}, {"type": "fly"}, {"edge": 1}, 7):
        try:
            sim.submit(bad)
        except kitaku.InputError:
            pass
        else:
            raise AssertionError(f"submit({bad!r}) was accepted")
    f = sim.facilities()
    assert np.all(f["occupancy"] <= f["capacity"] + 1e-9) and f["state"].dtype == np.uint8
    sim.validate()
    # The same commands at the same times on one thread give the same run.
    sim2.run_until(600)
    sim2.submit({"type": "close_edge", "edge": busiest})
    sim2.step()
    sim2.submit("type=reopen_edge edge=%d" % busiest)
    sim.run()
    sim2.run()
    assert sim.timeseries_csv() == sim2.timeseries_csv()
    s1, s2 = sim.summary(), sim2.summary()
    for k in s1:
        if k not in ("wall_seconds", "threads"):
            assert s1[k] == s2[k], k


def test_gil_released_while_stepping():
    scen = write("small4.toml", SCENARIO)
    sim = kitaku.Simulation(kitaku.load_scenario(scen, overrides={
        "population.agents": 40000, "behaviour.departure_mean_min": 1.0, "policy.retention_share": 0.0,
        "run.duration_h": 0.5}), threads=1)
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    started = time.perf_counter()
    sim.run()
    finished = time.perf_counter()
    stop.set()
    t.join()
    during = [x for x in ticks if started < x < finished]
    # Had stepping held the GIL, the counter would run only between run_until's
    # batches of 64 steps (6 for this half hour of 5 s steps).
    batches = sim.duration // 5 // 64 + 1
    print(f"    {len(during)} ticks of the other thread in {finished - started:.2f} s of stepping ({batches} batches)")
    assert len(during) > 3 * batches, (finished - started, len(during))


def test_one_call_at_a_time_from_threads():
    # A thread steps while another asks for views: the second waits for the first
    # (without holding the GIL, or the two would deadlock) and then sees the end.
    import faulthandler
    faulthandler.dump_traceback_later(120, exit=True)  # a deadlock fails instead of hanging
    scen = write("small5.toml", SCENARIO)
    sim = kitaku.Simulation(kitaku.load_scenario(scen, overrides={"population.agents": 20000}), threads=2)
    t = threading.Thread(target=sim.run)
    t.start()
    seen = []
    while t.is_alive() or not seen:
        seen.append((sim.edges()["density"].sum(), sim.summary()["sim_seconds"]))
    t.join()
    faulthandler.cancel_dump_traceback_later()
    assert sim.done and seen[-1][1] == sim.duration


def main():
    tests = [v for k, v in sorted(globals().items()) if k.startswith("test_") and callable(v)]
    only = os.environ.get("KITAKU_PYTEST")
    failed = 0
    for t in tests:
        if only and only not in t.__name__:
            continue
        t0 = time.perf_counter()
        try:
            t()
            print(f"ok   {t.__name__} ({time.perf_counter() - t0:.1f} s)")
        except Exception:
            failed += 1
            print(f"FAIL {t.__name__}")
            traceback.print_exc()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
