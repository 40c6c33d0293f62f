#!/usr/bin/env python3
"""Kitaku's figures beside the published ones: the table of docs/validation.md.

    scripts/validation_table.py RUNS_DIR [RUNS_DIR ...]

RUNS_DIR holds one `kitaku run` output folder per preset, named after it
(scripts/validate.sh makes them all):

    panel_2008_everyone_walks/  tohoku_0311/  everyone_at_once/
    retention_3days/  everyone_delayed_3h/

Given several RUNS_DIRs (the same presets with different seeds: SEEDS= of
scripts/validate.sh), each row gives the mean over them and their range, and is
within 2x when the mean is; its direction is right when it is right in every one.

Each row reads summary.json, stations.csv or agents.csv of one or two of them
and prints: published figure | source | Kitaku | how measured | within 2x? |
direction right?  as a Markdown table. Python's standard library only, so it
runs wherever Kitaku builds. Every conversion from the published wording to
what Kitaku measures is stated in the row; those that are our judgement say so
(docs/validation.md).
"""
import csv
import json
import math
import os
import statistics
import sys

# Area-equivalent radius of the 3 central wards (Chiyoda 11.66, Chuo 10.21,
# Minato 20.37 km2; GSI area statistics): sqrt(42.24 / pi) = 3.67 km.
CENTRAL_WARDS_R_M = 3670.0
# Marunouchi is next to Tokyo station, the synthetic city's centre: its station
# 中央 (docs/synthetic-city.md), found among the agents' origins.
MARUNOUCHI_R_M = 1000.0
# Area-equivalent radius of the 23 wards (627.5 km2, GSI): sqrt(627.5 / pi) = 14.1 km.
WARDS_23_R_M = 14130.0
CENTRE_STATION = "中央"
# Usual commute (door to door, by train) to straight-line home distance: about
# 20 km/h door to door (judgement: Tokyo's average commute, 70 min in
# DOMAIN.md, against home distances of 15-30 km). So < 30 min: < 10 km, ...
COMMUTE_KM_PER_MIN = 20.0 / 60.0
# The synthetic city's hubs (docs/synthetic-city.md, "stations"): Shinjuku is the
# W hub at 174 degrees (counter-clockwise from east), 6.6 km from the centre, and
# Ikebukuro the NW hub at 130 degrees, 6.9 km; each is jittered by up to 8 degrees
# and 10 %, so the hub is the busiest station within HUB_SEARCH_M of that point.
HUBS = {"Shinjuku": (174.0, 6.6), "Ikebukuro": (130.0, 6.9)}
HUB_SEARCH_M = 1500.0
# The metropolis (kitaku synth --kind metropolis) has them by name, where they are.
REAL_HUBS = {"Shinjuku": "新宿", "Ikebukuro": "池袋", "Tokyo": "東京"}
# 20:00 on 3.11: 5 h 14 min after the quake at 14:46.
EVENING_S = (20 * 60 - (14 * 60 + 46)) * 60


def crowd_s(r):
    """An agent's time at >= 6 p/m2 on edges and standing at junctions (agents.csv)."""
    return float(r["seconds_ge6"]) + float(r.get("junction_seconds_ge6") or 0)


def load(runs, name):
    d = os.path.join(runs, name)
    if not os.path.isdir(d):
        return d, None  # not run (validate.sh PRESETS=...): its rows are left out
    with open(os.path.join(d, "summary.json"), encoding="utf-8") as f:
        summary = json.load(f)
    return d, summary


def agents(run_dir):
    path = os.path.join(run_dir, "agents.csv")
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            yield r


def num(v):
    return None if v == "" else float(v)


def hours(s):
    return f"{int(s // 3600)} h {int(round(s % 3600 / 60)):02d}"


def weighted_median(pairs):
    """Median of values weighted by persons: pairs of (value, weight)."""
    pairs = sorted(pairs)
    total = sum(w for _, w in pairs)
    if total <= 0:
        return None
    acc = 0.0
    for v, w in pairs:
        acc += w
        if acc >= total / 2:
            return v
    return pairs[-1][0]


class Table:
    def __init__(self):
        self.rows = []

    def add(self, published, source, kitaku, how, ratio=None, direction=None, value=None, fmt=None):
        """ratio: Kitaku / published (None: not comparable); direction: True/False/None;
        value: Kitaku's figure as a number and fmt its text, for the mean over seeds."""
        self.rows.append(dict(published=published, source=source, kitaku=kitaku, how=how, ratio=ratio,
                              direction=direction, value=value, fmt=fmt))

    @staticmethod
    def merged(tables):
        """One table from the same rows of several runs: means, ranges, and directions right in all."""
        out = Table()
        for row in tables[0].rows:
            same = [r for t in tables for r in t.rows if r["published"] == row["published"]]
            values = [r["value"] for r in same if r["value"] is not None]
            ratios = [r["ratio"] for r in same if r["ratio"] is not None]
            dirs = [r["direction"] for r in same if r["direction"] is not None]
            m = dict(row)
            if values and row["fmt"]:
                f = row["fmt"]
                mean = statistics.fmean(values)
                m["kitaku"] = f"{f(mean)} ({f(min(values))} to {f(max(values))}, {len(values)} seeds)"
            m["ratio"] = statistics.fmean(ratios) if ratios else None
            m["direction"] = None if not dirs else all(dirs)
            if dirs and 0 < sum(dirs) < len(dirs):
                m["how"] += f"; direction right in {sum(dirs)} of {len(dirs)} seeds"
            out.rows.append(m)
        return out

    def print(self):
        print("| published figure | source | Kitaku | how Kitaku measures it | within 2×? | direction right? |")
        print("|---|---|---|---|---|---|")
        n = 0
        for r in self.rows:
            ratio, direction = r["ratio"], r["direction"]
            within = "—" if ratio is None else ("**yes**" if 0.5 <= ratio <= 2.0 else f"no ({ratio:.2g}×)")
            right = "—" if direction is None else ("yes" if direction else "**no**")
            n += within == "**yes**" and right != "**no**"
            print("| " + " | ".join((r["published"], r["source"], r["kitaku"], r["how"], within, right)) + " |")
        print(f"\n{len(self.rows)} rows; {n} within 2x with the right direction (or no direction to get wrong).")


PCT1 = lambda v: f"{100 * v:.1f} %"  # noqa: E731
PCT0 = lambda v: f"{100 * v:.0f} %"  # noqa: E731
CHANGE = lambda v: f"{100 * v:+.0f} %"  # noqa: E731


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    tables = [table(runs) for runs in sys.argv[1:]]
    t = tables[0] if len(tables) == 1 else Table.merged(tables)
    t.print()
    if len(tables) > 1:
        print(f"Means over {len(tables)} seeds ({', '.join(sys.argv[1:])}); the figures inside "
              "'how Kitaku measures it' are the first seed's.")


def table(runs):
    """The table of one set of runs (RUNS_DIR)."""
    t = Table()
    panel_dir, panel = load(runs, "panel_2008_everyone_walks")
    tohoku_dir, tohoku = load(runs, "tohoku_0311")
    _, at_once = load(runs, "everyone_at_once")
    _, retention = load(runs, "retention_3days")
    _, delayed = load(runs, "everyone_delayed_3h")
    if not any((panel, tohoku, at_once, retention, delayed)):
        sys.exit(f"validation_table: {runs}: none of the five presets' runs is there (scripts/validate.sh makes them)")
    # The metropolis (docs/synthetic-city.md) has Tokyo's own hub stations.
    metro = metropolis(panel_dir if panel else tohoku_dir)
    centre_station = "東京" if metro else CENTRE_STATION

    if panel:
        # 1. 16 % of walkers 3 h or more at >= 6 p/m2: on edges and standing at junctions.
        share = panel["share_walkers_ge6_3h_with_junctions"]
        t.add("16 % of walkers spend ≥ 3 h at ≥ 6 p/m²", "2008 panel", f"{100 * share:.1f} %",
              f"`share_walkers_ge6_3h_with_junctions` (on edges and queued or standing at junctions; "
              f"on edges only, `share_walkers_ge6_3h`: {100 * panel['share_walkers_ge6_3h']:.1f} %), panel preset",
              share / 0.16, None, share, PCT1)

        # 2-3. By origin: the 3 central wards (38 %), and those leaving the city (31 %).
        cx = cy = None
        for r in agents(panel_dir):
            if r["origin"] == "station" and r["origin_name"] == centre_station:
                cx, cy = float(r["origin_x"]), float(r["origin_y"])
                break
        if cx is None:
            sys.exit(f"validation_table: {panel_dir}/agents.csv: nobody starts at the station {centre_station}, the centre")
        central = [0.0, 0.0]
        leaving = [0.0, 0.0]
        wako_trip, wako_crowd = [], []
        for r in agents(panel_dir):
            dep = num(r["departure_s"])
            if dep is None or float(r["walked_network_m"]) <= 0:
                continue  # not a walker
            w = float(r["weight"])
            exposed = crowd_s(r) >= 3 * 3600
            x, y = float(r["origin_x"]) - cx, float(r["origin_y"]) - cy
            if math.hypot(x, y) <= CENTRAL_WARDS_R_M:
                central[0] += w
                central[1] += w * exposed
            if (math.hypot(x, y) <= WARDS_23_R_M and float(r["home_km"]) * 1000 > WARDS_23_R_M if metro
                    else float(r["walked_off_network_m"]) > 1000):
                leaving[0] += w
                leaving[1] += w * exposed
            home_km = float(r["home_km"])
            arr = num(r["arrival_home_s"])
            if math.hypot(x, y) <= MARUNOUCHI_R_M and 19 <= home_km <= 23 and arr is not None:
                wako_trip.append((arr - dep, w))
                wako_crowd.append((crowd_s(r), w))
        s_central = central[1] / central[0] if central[0] else 0
        t.add("38 % of those leaving the 3 central wards", "2008 panel", f"{100 * s_central:.1f} %",
              f"walkers starting within {CENTRAL_WARDS_R_M / 1000:.2f} km of the centre (the 3 wards' area as a disc), panel preset",
              s_central / 0.38, s_central > share, s_central, PCT1)
        s_leaving = leaving[1] / leaving[0] if leaving[0] else 0
        t.add("31 % of those leaving the 23 wards", "2008 panel", f"{100 * s_leaving:.1f} %",
              (f"walkers from within {WARDS_23_R_M / 1000:.1f} km of 東京 (the 23 wards' area as a disc) whose home is "
               f"farther than that from where they start (most of them leave the wards: judgement), panel preset on the metropolis"
               if metro else
               "walkers whose home is beyond the city's network (> 1 km walked off it; the R = 10 km city is half the wards' area), panel preset"),
              s_leaving / 0.31, s_leaving > share, s_leaving, PCT1)

        # 4-5. Marunouchi -> Wako (21 km): 15 h, 9 h of it in packed crowds.
        trip = weighted_median(wako_trip)
        crowd = weighted_median(wako_crowd)
        if trip is not None:
            t.add("Marunouchi → Wako (21 km) takes 15 h instead of 5 h", "2008 panel", hours(trip),
                  f"median trip of walkers from within 1 km of the centre with home 19–23 km ({len(wako_trip)} agents), panel preset",
                  trip / (15 * 3600), trip > 5 * 3600, trip, hours)
            t.add("… 9 h of it in crowds of ≥ 6 p/m²", "2008 panel", hours(crowd),
                  "median `seconds_ge6 + junction_seconds_ge6` of the same walkers",
                  crowd / (9 * 3600) if crowd > 0 else 0.0, None, crowd, hours)
        else:
            t.add("Marunouchi → Wako (21 km) takes 15 h instead of 5 h", "2008 panel", "none home", "no such walker got home in the run")

    if at_once and retention and delayed:
        # 6-7. Policies: a third go home the next day (~ -50 %), a 3 h delay (~ -20 %).
        # People in crowds: on edges and at junctions (total_person_minutes_ge6); the
        # edges alone (person_minutes_ge6) in the text.
        base, base_e = at_once["total_person_minutes_ge6"], at_once["person_minutes_ge6"]
        cut = retention["total_person_minutes_ge6"] / base - 1
        cut_e = retention["person_minutes_ge6"] / base_e - 1
        t.add("a third go home the next day: people in crowds about −50 %", "2008 panel", f"{100 * cut:+.0f} %",
              f"`total_person_minutes_ge6` (edges and junctions; edges only: {100 * cut_e:+.0f} %), "
              "retention_3days (30 % of employers keep staff 3 days) against everyone_at_once",
              cut / -0.5, cut < 0, cut, CHANGE)
        cut = delayed["total_person_minutes_ge6"] / base - 1
        cut_e = delayed["person_minutes_ge6"] / base_e - 1
        t.add("departure delayed 3 h: about −20 %", "2008 panel", f"{100 * cut:+.0f} %",
              f"`total_person_minutes_ge6` (edges only: {100 * cut_e:+.0f} %), everyone_delayed_3h "
              "(everyone kept 3 h, then released over 30 min) against everyone_at_once",
              cut / -0.2, cut < 0, cut, CHANGE)

    if panel and tohoku:
        # 8. Hiroi: road length at >= 6 p/m2, everyone at once against 3.11: 137x.
        a, b = panel["peak_km_road_ge6"], tohoku["peak_km_road_ge6"]
        ratio = a / b if b > 0 else math.inf
        t.add("road length at ≥ 6 p/m², everyone at once vs 3.11: ≈ 137×", "Hiroi et al. 2016", f"{ratio:.1f}×",
              f"`peak_km_road_ge6`: panel preset {a:.1f} km / tohoku_0311 {b:.1f} km", ratio / 137, ratio > 1,
              ratio if math.isfinite(ratio) else None, lambda v: f"{v:.1f}×")

    if tohoku:
        # 9. 3.11: > 70 % of people outdoors set off within 1 hour.
        dep_w = [0.0, 0.0]
        bands = {0: [], 1: [], 2: []}
        speeds = []
        for r in agents(tohoku_dir):
            dep = num(r["departure_s"])
            w = float(r["weight"])
            if dep is not None:
                dep_w[0] += w
                dep_w[1] += w * (dep <= 3600)
            arr = num(r["arrival_home_s"])
            if arr is None or dep is None:
                continue
            band = int(float(r["home_km"]) / (30 * COMMUTE_KM_PER_MIN))
            if band in bands:
                bands[band].append((arr, w))
            walk_s = float(r["walking_s"])
            if 15 <= float(r["home_km"]) <= 25 and walk_s > 0:
                speeds.append((float(r["walked_network_m"]) / walk_s * 3.6, w))  # walking_s: on the network only
        s = dep_w[1] / dep_w[0]
        t.add("3.11: > 70 % of people outdoors set off within 1 h", "Osaragi group", f"{100 * s:.0f} %",
              "persons setting off within 1 h of all who set off in 24 h, tohoku_0311", s / 0.7, None, s, PCT0)

        # 10-12. Weathernews: time home on 3.11 by usual commute.
        for band, (label, published) in enumerate([("< 30 min", 3 * 60 + 58), ("30–60 min", 7 * 60 + 8), ("60–90 min", 11 * 60 + 6)]):
            lo, hi = band * 30 * COMMUTE_KM_PER_MIN, (band + 1) * 30 * COMMUTE_KM_PER_MIN
            m = weighted_median(bands[band])
            if m is None:
                t.add(f"3.11, usual commute {label}: home after {hours(published * 60)}", "Weathernews", "none home",
                      f"nobody with home {lo:.0f}–{hi:.0f} km got home in the run")
                continue
            t.add(f"3.11, usual commute {label}: home after {hours(published * 60)}", "Weathernews", hours(m),
                  f"median time from the quake to home of those home {lo:.0f}–{hi:.0f} km away who got home ({len(bands[band])} agents; 20 km/h door to door, judgement), tohoku_0311",
                  m / (published * 60), None, m, hours)

        # 13. 3.11 walking speed: about 5 km/h (20 km in 4 h).
        v = weighted_median(speeds)
        if v is not None:
            t.add("3.11: walkers made ≈ 5 km/h (20 km in 4 h)", "Osaragi group", f"{v:.1f} km/h",
                  "median distance walked on the network / time walking on it, of walkers home 15–25 km away, tohoku_0311", v / 5.0, None,
                  v, lambda x: f"{x:.1f} km/h")

    if panel:
        # 14. 35 places at >= 6 p/m2 three hours after the quake.
        places = panel.get("places_ge6_3h", -1)
        t.add("crowds of ≥ 6 p/m² at 35 places in 13 wards 3 h after the quake", "2008 panel", f"{places}",
              "`places_ge6_3h`: groups of edges and junctions at ≥ 6 p/m² joined through shared nodes, at +3 h, "
              "panel preset (the city is half the 23 wards' area)",
              places / 35 if places > 0 else 0.0, None, places if places >= 0 else None, lambda v: f"{v:.0f}")

    if tohoku:
        # 15-17. Station fronts at 20:00 on 3.11 (National Police Agency).
        fronts = station_fronts(tohoku_dir)
        t_row = min({r[0] for r in fronts.values()} or {0}, key=lambda s: abs(s - EVENING_S)) if fronts else None
        found = {}
        for name in ("Shinjuku", "Ikebukuro", "Tokyo"):
            if metro:
                sid = REAL_HUBS[name]
            else:
                sid = CENTRE_STATION if name == "Tokyo" else hub(tohoku_dir, *HUBS[name])
            found[name] = (sid, fronts.get((t_row, sid)))
        where = ({n: f"{sid}, at the real station" for n, sid in REAL_HUBS.items()} if metro else
                 {"Shinjuku": "the W hub", "Ikebukuro": "the NW hub", "Tokyo": f"the centre, {CENTRE_STATION}"})
        previous = None
        for name, published in (("Shinjuku", 9000), ("Ikebukuro", 3000), ("Tokyo", 1000)):
            sid, row = found[name]
            label = f"station fronts at 20:00 on 3.11: {name} ≈ {published:,}"
            if row is None:
                t.add(label, "National Police Agency", "no station", f"no station found for {where[name]} in stations.csv")
                continue
            persons = row[1]
            how = (f"persons outdoors within `station_front_m` (200 m) of {where[name]} ({sid}) at "
                   f"{hours(t_row)} after the quake (the row nearest 20:00), tohoku_0311; walkers passing count too")
            direction = None if previous is None else previous > persons
            if previous is not None:
                how += "; direction: fewer than at the station above, as published"
            t.add(label, "National Police Agency", f"{persons:,.0f}", how, persons / published, direction,
                  persons, lambda v: f"{v:,.0f}")
            previous = persons

    return t


def metropolis(run_dir):
    """True when the run's city is the metropolis: its stations include 東京 and 新宿."""
    path = os.path.join(run_dir, "stations.csv")
    if not os.path.exists(path):
        return False
    with open(path, newline="", encoding="utf-8") as f:
        names = {r["name"] for r in csv.DictReader(f)}
    return "東京" in names and "新宿" in names


def station_fronts(run_dir):
    """{(time_s, station name): (time_s, persons)} from stations.csv ({} if absent)."""
    path = os.path.join(run_dir, "stations.csv")
    if not os.path.exists(path):
        return {}
    out = {}
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            ts = int(r["time_s"])
            out[(ts, r["name"])] = (ts, float(r["persons"]))
    return out


def hub(run_dir, bearing_deg, km):
    """The name of the busiest station within HUB_SEARCH_M of the hub's nominal place."""
    path = os.path.join(run_dir, "stations.csv")
    if not os.path.exists(path):
        return None
    stations = {}
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            stations[r["name"]] = (float(r["x"]), float(r["y"]), float(r["daily_riders"]))
    if CENTRE_STATION not in stations:
        return None
    cx, cy, _ = stations[CENTRE_STATION]
    a = math.radians(bearing_deg)
    px, py = cx + km * 1000 * math.cos(a), cy + km * 1000 * math.sin(a)
    near = [(riders, name) for name, (x, y, riders) in stations.items() if math.hypot(x - px, y - py) <= HUB_SEARCH_M]
    return max(near)[1] if near else None


if __name__ == "__main__":
    main()
