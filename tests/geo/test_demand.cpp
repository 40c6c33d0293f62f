// Explicit demand: trips files ([population] source = "trips"), their errors, a
// 20,000-walker run that is the same on 1 and 2 threads, SUMO trips converted by
// `kitaku demand from-sumo`, and CrowdWalk generation files.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>

#include "facility_test_util.hpp"
#include "kitaku/geo/city_loader.hpp"
#include "kitaku/geo/demand.hpp"
#include "kitaku/geo/gdal_util.hpp"
#include "kitaku/geo/network_import.hpp"
#include "kitaku/sim/error.hpp"
#include "kitaku/sim/population.hpp"
#include "kitaku/sim/scenario.hpp"
#include "kitaku/sim/simulation.hpp"
#include "kitaku/sim/spatial_index.hpp"
#include "test_util.hpp"

using namespace kitaku;
using kitaku::test::write_text;

namespace {

// A 25 x 25 street grid 60 m apart beside Tokyo station, in JGD2011 zone IX (EPSG:6677).
constexpr double kX0 = -6600, kY0 = -36000, kStep = 60;
constexpr int kN = 25;

Network tokyo_grid() {
  NetworkData d;
  for (int y = 0; y < kN; ++y)
    for (int x = 0; x < kN; ++x) d.node_pos.push_back({kX0 + x * kStep, kY0 + y * kStep});
  const auto add = [&](int a, int b) {
    const Point g[2] = {d.node_pos[static_cast<std::size_t>(a)], d.node_pos[static_cast<std::size_t>(b)]};
    d.add_edge(NodeId(static_cast<std::uint32_t>(a)), NodeId(static_cast<std::uint32_t>(b)), g, 4.0f,
               RoadClass::residential);
  };
  for (int y = 0; y < kN; ++y)
    for (int x = 0; x < kN; ++x) {
      if (x + 1 < kN) add(y * kN + x, y * kN + x + 1);
      if (y + 1 < kN) add(y * kN + x, (y + 1) * kN + x);
    }
  d.crs_wkt = geo::wkt2(geo::srs_from_epsg(6677));
  d.epsg = 6677;
  return Network(std::move(d));
}

// lon, lat of a point of the grid's CRS.
std::pair<double, double> lonlat(Point p) {
  double x = p.x, y = p.y;
  REQUIRE(geo::Transform(geo::srs_from_epsg(6677), geo::wgs84()).apply(x, y));
  return {x, y};
}

std::string ll(Point p) {
  const auto [lon, lat] = lonlat(p);
  char b[64];
  std::snprintf(b, sizeof b, "%.8f,%.8f", lon, lat);
  return b;
}

// Runs load_trips expecting an InputError at `place` whose problem holds `problem`.
void expect_error(const std::string& file, const Network& net, const std::string& place, const std::string& problem,
                  const geo::TripOptions& o = {}) {
  try {
    geo::load_trips(file, net, o);
    FAIL("no InputError for " << file);
  } catch (const InputError& e) {
    INFO(std::string(e.what()));
    CHECK(e.file() == file);
    CHECK(e.place() == place);
    CHECK(e.problem().find(problem) != std::string::npos);
  }
}

const std::string kHeader = "origin_lon,origin_lat,dest_lon,dest_lat,departure_s,persons,group\n";

Scenario trips_scenario(const std::string& trips_file, double hours, const std::string& extra = "") {
  return parse_scenario("[city]\nnetwork = \"grid.gpkg\"\n[population]\nsource = \"trips\"\ntrips = \"" + trips_file +
                            "\"\n" + extra + "[run]\nduration_h = " + std::to_string(hours) + "\n",
                        "trips.toml", ".");
}

}  // namespace

TEST_CASE("a trips CSV gives each row's agents its origin, destination, departure and group") {
  test::TempDir dir;
  const Network net = tokyo_grid();
  const Point a{kX0 + 120, kY0 + 60}, b{kX0 + 900, kY0 + 1200}, c{kX0 + 600, kY0 + 600};
  const std::string f = dir / "trips.csv";
  write_text(f, "origin_lon,origin_lat,dest_lon,dest_lat,home_km,departure_s,persons,group\n" + ll(a) + "," + ll(b) +
                    ",,0,2,7\n" + ll(c) + ",,,3.5,600,1,\n");
  const auto trips = geo::load_trips(f, net, {});
  REQUIRE(trips.size() == 2);
  CHECK(std::abs(trips[0].origin.x - a.x) < 0.01);
  CHECK(std::abs(trips[0].destination.y - b.y) < 0.01);
  CHECK(trips[0].agents == 2);
  CHECK(trips[0].group == 7);
  CHECK(trips[0].row == 1);
  CHECK_FALSE(trips[1].has_destination);
  CHECK(trips[1].home_km == 3.5);
  CHECK(trips[1].departure_s == 600);
  CHECK(trips[1].group == -1);

  // Through the population path: three agents, explicit departures, homes where the trips end.
  City city;
  city.trips = trips;
  const SpatialIndex index(net);
  const Scenario sc = trips_scenario(f, 1);
  const Population pop = place_population(net, index, city, sc, 1);
  REQUIRE(pop.size() == 3);
  CHECK(pop.departure_s == std::vector<std::int64_t>{0, 0, 600});
  CHECK(pop.group == std::vector<std::int32_t>{7, 7, -1});
  CHECK(std::abs(pop.home[1].x - b.x) < 0.01);
  CHECK(std::abs(pop.home_km[2] - 3.5f) < 1e-3);  // a home 3.5 km away in a drawn direction
  CHECK(pop.persons_per_agent == 1);

  // Departures as local clock times count from the quake; persons in agents of persons_per_agent.
  write_text(f, "origin_lon,origin_lat,home_km,departure,persons\n" + ll(a) + ",2,15:16,20\n");
  geo::TripOptions o;
  o.quake_clock_s = 14 * 3600 + 46 * 60;
  o.persons_per_agent = 10;
  const auto t2 = geo::load_trips(f, net, o);
  REQUIRE(t2.size() == 1);
  CHECK(t2[0].departure_s == 1800);
  CHECK(t2[0].agents == 2);
}

TEST_CASE("bad trips files name the file, the row and line, and the column") {
  test::TempDir dir;
  const Network net = tokyo_grid();
  const std::string f = dir / "bad.csv";
  const std::string a = ll({kX0 + 120, kY0 + 60}), b = ll({kX0 + 900, kY0 + 900});
  const std::string ok = a + "," + b + ",0,1,\n";

  write_text(f, kHeader + ok + "abc,35.68," + b + ",0,1,\n");
  expect_error(f, net, "row 2 (line 3), column origin_lon", "'abc' is not a number");
  write_text(f, kHeader + ok + a + ",,,0,1,\n");
  expect_error(f, net, "row 2 (line 3), column dest_lon", "empty");
  write_text(f, kHeader + "139.76,95.0," + b + ",0,1,\n");
  expect_error(f, net, "row 1 (line 2), column origin_lat", "outside [-90, 90]");
  write_text(f, kHeader + ok + ok + a + "," + b + ",-5,1,\n");
  expect_error(f, net, "row 3 (line 4), column departure_s", "before the quake");
  write_text(f, kHeader + a + "," + b + ",0,0,\n");
  expect_error(f, net, "row 1 (line 2), column persons", "positive multiple of persons_per_agent");
  write_text(f, kHeader + a + "," + b + ",0,2.5,\n");
  expect_error(f, net, "row 1 (line 2), column persons", "positive multiple");
  write_text(f, kHeader + a + "," + b + ",0,1,north\n");
  expect_error(f, net, "row 1 (line 2), column group", "'north' is not a group number");
  write_text(f, kHeader + "139.70,35.60," + b + ",0,1,\n");  // 10 km from the grid
  expect_error(f, net, "row 1 (line 2), column origin_lon", "m from the network");
  write_text(f, "origin_lon,origin_lat,dest_lon,dest_lat,departure,persons\n" + a + "," + b + ",7pm,1\n");
  expect_error(f, net, "row 1 (line 2), column departure", "'7pm' is not a clock time");
  write_text(f, "origin_lon,origin_lat,dest_lon,dest_lat,persons\n" + a + "," + b + ",1\n");
  expect_error(f, net, "header", "no departure column");
  write_text(f, "origin_lon,origin_lat,departure_s\n" + a + ",0\n");
  expect_error(f, net, "header", "no destination");
  write_text(f, "lon,lat,dest_lon,dest_lat,departure_s\n" + a + "," + b + ",0\n");
  expect_error(f, net, "header", "no origin_lon / origin_lat column");
  write_text(f, kHeader);
  expect_error(f, net, "header", "has no trips");
}

TEST_CASE("a GeoJSON point layer of trips: origins from the geometry") {
  test::TempDir dir;
  const Network net = tokyo_grid();
  const auto [lon, lat] = lonlat({kX0 + 300, kY0 + 300});
  const auto [dlon, dlat] = lonlat({kX0 + 1200, kY0 + 1200});
  const std::string f = dir / "trips.geojson";
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"type\":\"FeatureCollection\",\"features\":["
                "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[%.8f,%.8f]},"
                "\"properties\":{\"dest_lon\":%.8f,\"dest_lat\":%.8f,\"departure_s\":60,\"persons\":3}},"
                "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[%.8f,%.8f]},"
                "\"properties\":{\"dest_lon\":%.8f,\"dest_lat\":%.8f,\"departure_s\":-1,\"persons\":3}}]}",
                lon, lat, dlon, dlat, lon, lat, dlon, dlat);
  write_text(f, buf);
  try {
    geo::load_trips(f, net, {});
    FAIL("a negative departure was read");
  } catch (const InputError& e) {
    INFO(std::string(e.what()));
    CHECK(e.place().find("feature 1") != std::string::npos);  // GeoJSON FIDs count from 0
    CHECK(e.place().find("column departure_s") != std::string::npos);
  }
  std::string text(buf);
  text.replace(text.rfind("\"departure_s\":-1"), 16, "\"departure_s\":90");
  write_text(f, text);
  const auto trips = geo::load_trips(f, net, {});
  REQUIRE(trips.size() == 2);
  CHECK(std::abs(trips[0].origin.x - (kX0 + 300)) < 0.01);
  CHECK(std::abs(trips[1].destination.y - (kY0 + 1200)) < 0.01);
  CHECK(trips[1].departure_s == 90);
  CHECK(trips[0].agents == 3);
}

TEST_CASE("20,000 walkers from a trips CSV run, with the same result on 1 and 2 threads") {
  test::TempDir dir;
  const Network net = tokyo_grid();
  const std::string f = dir / "trips20k.csv";
  std::mt19937 rng(test::test_seed());
  std::uniform_real_distribution<double> u(0, (kN - 1) * kStep);
  std::uniform_int_distribution<int> dep(0, 600);
  std::string text = kHeader;
  for (int i = 0; i < 10000; ++i)  // 10,000 rows of 2 persons
    text += ll({kX0 + u(rng), kY0 + u(rng)}) + "," + ll({kX0 + u(rng), kY0 + u(rng)}) + "," +
            std::to_string(dep(rng)) + ",2," + std::to_string(i % 5) + "\n";
  write_text(f, text);
  City city;
  city.trips = geo::load_trips(f, net, {});
  const Scenario sc = trips_scenario(f, 0.25);
  std::vector<TimeseriesRow> rows[2];
  AgentRecords rec[2];
  for (int threads = 1; threads <= 2; ++threads) {
    RunConfig cfg;
    cfg.seed = 5;
    cfg.threads = threads;
    cfg.parallel_min_walkers = 0;  // threads even for few walkers
    Simulation sim(net, city, sc, cfg);
    REQUIRE(sim.agent_count() == 20000);
    sim.run();
    sim.validate();
    rows[threads - 1] = sim.timeseries();
    rec[threads - 1] = sim.agent_records();
  }
  CHECK(rows[0] == rows[1]);
  CHECK(rec[0].departure_s == rec[1].departure_s);
  CHECK(rec[0].arrival_home_s == rec[1].arrival_home_s);
  CHECK(rec[0].walked_network_m == rec[1].walked_network_m);
  // Everyone set off by 10 min, as the file says, and the nearer ones got there.
  const TimeseriesRow& last = rows[0].back();
  CHECK(last.state[static_cast<std::size_t>(AgentState::kWaiting)] == 0);
  CHECK(last.state[static_cast<std::size_t>(AgentState::kArrivedHome)] > 1000);
  std::int64_t late = 0;
  for (const auto d : rec[0].departure_s) late += d > 600 + 5 ? 1 : 0;
  CHECK(late == 0);
  // They walked to where their trips end, on the network: within a 250 m home cell
  // of it (kTripHomeCellM), the rest off the network.
  CHECK(sc.routing.home_cell_m == kTripHomeCellM);
  const Population pop = place_population(net, SpatialIndex(net), city, sc, 5);
  double on = 0, off = 0, straight = 0;
  std::int64_t arrived = 0;
  for (std::size_t i = 0; i < pop.size(); ++i) {
    if (rec[0].arrival_home_s[i] < 0) continue;
    ++arrived;
    on += rec[0].walked_network_m[i];
    off += rec[0].walked_off_network_m[i];
    straight += distance(pop.pos[i], pop.home[i]);
  }
  REQUIRE(arrived > 1000);
  CHECK(on + off >= 0.95 * straight);
  CHECK(off / static_cast<double>(arrived) < 250);
  CHECK(on > 2 * off);
}

TEST_CASE("kitaku demand from-sumo converts SUMO pedestrian trips into a trips CSV") {
  test::TempDir dir;
  const std::string data = std::string(KITAKU_SOURCE_DIR) + "/tests/data/sumo/";
  const auto trips = geo::read_sumo_trips(data + "square.rou.xml", data + "square.net.xml");
  REQUIRE(trips.size() == 3);
  CHECK(trips[0].id == "ped0");
  CHECK(trips[1].depart_s == doctest::Approx(12.4));
  // "south" runs along y = 100 from x = 200 to 600: its middle, less netOffset, is
  // UTM 54N (388400, 3949100) = 139.76675762 E, 35.67948338 N (gdaltransform).
  CHECK(trips[0].from_lon == doctest::Approx(139.766757620).epsilon(1e-9));
  CHECK(trips[0].from_lat == doctest::Approx(35.679483378).epsilon(1e-9));
  CHECK(trips[0].to_lat > trips[0].from_lat);  // "north" is 400 m north
  CHECK(trips[2].from_lon < trips[2].to_lon);   // west to east, by its edges list

  const std::string out = dir / "trips.csv";
  const auto r = test::run_kitaku("demand from-sumo " + data + "square.rou.xml --net " + data + "square.net.xml " + out);
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK(r.output.find("3 trips") != std::string::npos);
  const std::string csv = test::slurp(out);
  CHECK(csv.starts_with("origin_lon,origin_lat,dest_lon,dest_lat,departure_s,persons,group,sumo_id\n"));
  CHECK(csv.find(",12,1,,ped1\n") != std::string::npos);

  const auto bad = test::run_kitaku("demand from-sumo " + data + "bad_edge.rou.xml --net " + data + "square.net.xml " + out);
  CHECK(bad.code == 1);
  CHECK(bad.output.find("kitaku: error: " + data + "bad_edge.rou.xml: <person id='ped0'>: edge 'nowhere' is not in") !=
        std::string::npos);
  CHECK(test::slurp(out) == csv);  // the earlier file is untouched
}

TEST_CASE("a CrowdWalk generation file: starts and goals by tag, counts and times, and errors name the rule") {
  test::TempDir dir;
  const std::string map = dir / "tiny.map.xml";
  // Three links along a street tagged "Main"; the last also "Exit".
  write_text(map,
             "<?xml version='1.0' encoding='UTF-8'?>\n<Group id='0'>\n"
             "<Node id='nd_1' x='-6000' y='35400'/><Node id='nd_2' x='-5900' y='35400'/>\n"
             "<Node id='nd_3' x='-5800' y='35400'/><Node id='nd_4' x='-5700' y='35400'><tag>Gate</tag></Node>\n"
             "<Link id='lk_1' from='nd_1' to='nd_2' length='100' width='4'><tag>Main</tag></Link>\n"
             "<Link id='lk_2' from='nd_2' to='nd_3' length='100' width='4'><tag>Main</tag></Link>\n"
             "<Link id='lk_3' from='nd_3' to='nd_4' length='100' width='4'><tag>Main</tag><tag>Exit</tag></Link>\n"
             "</Group>\n");
  const std::string gen = dir / "tiny.gen.json";
  // CrowdWalk's own style: a comment line, and no comma after "agentType".
  write_text(gen,
             "#{ \"version\" : 2}\n[\n {\"rule\":\"EACH\", \"agentType\":{\"className\":\"RationalAgent\"}\n"
             "  \"total\":4, \"startPlace\":\"Main\", \"startTime\":\"18:00:00\", \"duration\":60,\n"
             "  \"goal\":\"Exit\", \"plannedRoute\":[]},\n"
             " {\"rule\":\"RANDOM\", \"total\":5, \"startPlace\":\"lk_1\", \"startTime\":\"18:10:00\",\n"
             "  \"duration\":0, \"goal\":\"Gate\"}\n]\n");
  geo::TripOptions o;
  o.quake_clock_s = 18 * 3600;
  const auto trips = geo::load_crowdwalk_generation(gen, map, o, 1);
  REQUIRE(trips.size() == 3 * 4 + 5);  // EACH: 4 on each of 3 links; RANDOM: 5 in all
  CHECK(trips[0].departure_s == 0);
  CHECK(trips[1].departure_s == 15);  // 4 over 60 s, at an even rate
  CHECK(trips[4].departure_s == 0);   // the next link's first
  for (std::size_t i = 0; i < 12; ++i) {
    CHECK(trips[i].destination.x == doctest::Approx(-5750));  // lk_3's middle
    CHECK(trips[i].destination.y == doctest::Approx(-35400));  // y points south in CrowdWalk
  }
  for (std::size_t i = 12; i < trips.size(); ++i) {
    CHECK(trips[i].departure_s == 600);
    CHECK(trips[i].origin.x >= -6000);
    CHECK(trips[i].origin.x <= -5900);
    CHECK(trips[i].destination.x == doctest::Approx(-5700));  // the node tagged Gate
    CHECK(trips[i].row == 2);
  }
  CHECK(geo::load_crowdwalk_generation(gen, map, o, 1)[13].origin.x == trips[13].origin.x);

  write_text(gen, "[{\"rule\":\"EACH\",\"total\":1,\"startPlace\":\"Main\",\"startTime\":\"18:00:00\",\"goal\":\"Tokyo\"}]");
  try {
    geo::load_crowdwalk_generation(gen, map, o, 1);
    FAIL("an unknown goal tag was read");
  } catch (const InputError& e) {
    CHECK(e.place() == "rule 1");
    CHECK(std::string(e.what()).find("goal \"Tokyo\": no link or node") != std::string::npos);
  }
  write_text(gen, "[{\"rule\":\"EVERY\",\"total\":1,\"startPlace\":\"Main\",\"goal\":\"Exit\"}]");
  try {
    geo::load_crowdwalk_generation(gen, map, o, 1);
    FAIL("an unknown rule was read");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("rule \"EVERY\" is not supported") != std::string::npos);
  }
}

TEST_CASE("the CrowdWalk Ginza generation files run on the Ginza map") {
  const auto gen = test::shared_data("osm/crowdwalk_ginza/ginza00.gen.json");
  const auto dist = test::shared_data("osm/crowdwalk_ginza/ginza00d.genDist.json");
  if (!gen || !dist) return;
  const std::string dirname = gen->substr(0, gen->rfind('/') + 1);
  test::use_shared_cache();
  Scenario sc = parse_scenario("[city]\nnetwork = \"" + dirname + "ginza00.map.xml\"\n[quake]\ntime = \"18:00\"\n"
                               "[population]\nsource = \"crowdwalk\"\ngeneration = \"" + *gen +
                                   "\"\n[run]\nduration_h = 0.1\n",
                               "ginza.toml", ".");
  const geo::LoadedCity lc = geo::load_city(sc);
  // Nine EACH rules of 123 agents on each link with the start tag.
  REQUIRE(!lc.city.trips.empty());
  CHECK(lc.city.trips.size() % 123 == 0);
  const BBox box = lc.network.network.bbox();
  for (const Trip& t : lc.city.trips) {
    REQUIRE(t.origin.x >= box.min_x - 1);
    REQUIRE(t.origin.x <= box.max_x + 1);
    REQUIRE(t.departure_s >= 0);
    REQUIRE(t.departure_s <= 5005);
  }
  RunConfig cfg;
  cfg.threads = 2;
  Simulation sim(lc.network.network, lc.city, sc, cfg);
  CHECK(sim.agent_count() == lc.city.trips.size());
  sim.run();
  sim.validate();
  CHECK(sim.summary().walkers > 0);

  // The genDist variant: ruleN rules of `total` agents drawn from the Gaussians.
  geo::TripOptions o;
  o.quake_clock_s = 18 * 3600;
  const auto drawn = geo::load_crowdwalk_generation(*dist, dirname + "ginza00c.map.xml", o, 1);
  CHECK(drawn.size() == 2000 * 20);
  const auto again = geo::load_crowdwalk_generation(*dist, dirname + "ginza00c.map.xml", o, 1);
  CHECK(again.back().origin.x == drawn.back().origin.x);
  CHECK(geo::load_crowdwalk_generation(*dist, dirname + "ginza00c.map.xml", o, 2).back().origin.x !=
        drawn.back().origin.x);
}

TEST_CASE("kitaku run on a trips file: agents.csv names the trips, and a bad row stops it with file, line and column") {
  test::TempDir dir;
  test::use_shared_cache();
  // The synthetic city of radius 2 km is centred on Tokyo station (139.7671 E, 35.6812 N).
  std::string rows = "origin_lon,origin_lat,dest_lon,dest_lat,departure_s,persons,group\n";
  for (int i = 0; i < 50; ++i) {
    char b[160];
    std::snprintf(b, sizeof b, "%.5f,%.5f,%.5f,%.5f,%d,2,%d\n", 139.760 + 0.0003 * i, 35.676 + 0.0002 * i,
                  139.772 - 0.0002 * i, 35.686 - 0.0001 * i, 10 * i, i % 3);
    rows += b;
  }
  write_text(dir / "trips.csv", rows);
  write_text(dir / "s.toml", "[city]\nsynthetic_radius_km = 2\n[population]\nsource = \"trips\"\ntrips = \"trips.csv\"\n"
                             "[run]\nduration_h = 0.5\n");
  const auto r = test::run_kitaku("run " + (dir / "s.toml") + " --out " + (dir / "out") + " --threads 2");
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK(r.output.find("agents    100,") != std::string::npos);
  const std::string agents = test::slurp(dir / "out/agents.csv");
  CHECK(agents.find("\n0,1,trip,1,0,") != std::string::npos);    // agent 0: row 1, group 0
  CHECK(agents.find("\n99,1,trip,50,1,") != std::string::npos);  // agent 99: row 50, group 1

  write_text(dir / "trips.csv", rows + "139.77,35.68,139.77,35.68,soon,1,\n");
  const auto bad = test::run_kitaku("run " + (dir / "s.toml") + " --out " + (dir / "out2"));
  CHECK(bad.code == 1);
  CHECK(bad.output.find("kitaku: error: " + (dir / "trips.csv") +
                        ": row 51 (line 52), column departure_s: 'soon' is not a number") != std::string::npos);
}
