// A run's output folder: timeseries.csv, results.gpkg, summary.json, commands.log,
// scenario.toml and peak_density.png, read back; atomic replacement and failures.
#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ogrsf_frmts.h>
#include <sstream>

#include "kitaku/geo/gdal_util.hpp"
#include "kitaku/geo/results.hpp"
#include "kitaku/sim/agents_csv.hpp"
#include "kitaku/geo/sha256.hpp"
#include "kitaku/sim/error.hpp"
#include "test_util.hpp"

using namespace kitaku;
namespace fs = std::filesystem;
using kitaku::test::slurp;
using kitaku::test::TempDir;

namespace {

// Origin of the test map in EPSG:6677 (Japan Plane Rectangular IX, central Tokyo).
constexpr double kX0 = -8000, kY0 = -36000;

// A 4x3 grid with 200 m spacing; edge 0 (0-1) bends through a third vertex.
//
//   8---9--10--11
//   |   |   |   |
//   4---5---6---7
//   |   |   |   |
//   0~~~1---2---3
Network test_network() {
  NetworkData d;
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 4; ++x) d.node_pos.push_back({kX0 + x * 200.0, kY0 + y * 200.0});
  auto add = [&](std::uint32_t a, std::uint32_t b, float width, RoadClass cls, std::string_view name) {
    std::vector<Point> g{d.node_pos[a]};
    if (a == 0 && b == 1) g.push_back({kX0 + 100, kY0 + 30});
    g.push_back(d.node_pos[b]);
    d.add_edge(NodeId{a}, NodeId{b}, g, width, cls, 0, name);
  };
  for (std::uint32_t y = 0; y < 3; ++y)
    for (std::uint32_t x = 0; x < 4; ++x) {
      const std::uint32_t n = y * 4 + x;
      if (x < 3) add(n, n + 1, y == 1 ? 12.0f : 3.0f, y == 1 ? RoadClass::primary : RoadClass::residential,
                     y == 1 ? "靖国通り" : "");
      if (y < 2) add(n, n + 4, 4.0f, RoadClass::footway, "");
    }
  d.crs_wkt = geo::wkt2(geo::srs_from_epsg(6677));
  d.epsg = 6677;
  return Network(std::move(d));
}

City test_city() {
  City c;
  Facility a;
  a.name = "新宿中央公園";
  a.area = "新宿区";
  a.pos = {kX0 + 300, kY0 + 100};
  a.capacity = 1200;
  Facility b;
  b.name = "Hall B";
  b.pos = {kX0 + 500, kY0 + 350};
  b.capacity = 300;
  c.facilities = {a, b};
  return c;
}

// Peak densities covering every level of service, and zeros.
constexpr std::array<float, 8> kPeaks{0.0f, 0.2f, 0.35f, 0.5f, 1.0f, 1.5f, 3.0f, 6.0f};

geo::RunOutputs test_outputs(const Network& net, const City& city) {
  geo::RunOutputs o;
  o.network = &net;
  o.city = &city;
  const std::size_t ne = net.edge_count();
  for (std::size_t e = 0; e < ne; ++e) {
    o.edges.peak_density.push_back(kPeaks[e % kPeaks.size()]);
    o.edges.seconds_ge4.push_back(static_cast<float>(e) * 60.0f);
    o.edges.walkable_m.push_back(1.5f + static_cast<float>(e % 3));
    o.edges.seconds_ge6.push_back(static_cast<float>(e) * 30.0f);
    o.edges.peak_flow.push_back(0.25f + static_cast<float>(e));
    // Every third edge never reached 6 p/m2 (-1); the others at e minutes.
    o.edges.first_ge6_s.push_back(e % 3 == 0 ? -1 : static_cast<std::int64_t>(e) * 60);
    o.edges.peak_density_s.push_back(static_cast<std::int64_t>(e) * 30);
  }
  o.facilities.capacity = {1200, 250};
  o.facilities.peak_occupancy = {1200, 17.5};
  o.facilities.seconds_full = {5400, 0};
  o.facilities.open_time_s = {3 * 3600, -1};
  o.facilities.state = {FacilityState::kFull, FacilityState::kClosed};

  TimeseriesRow r0;
  r0.time_s = 0;
  r0.agents = 1000;
  r0.state[0] = 1000;
  TimeseriesRow r1;
  r1.time_s = 600;
  r1.agents = 1000;
  for (int s = 0; s < kAgentStates; ++s) r1.state[static_cast<std::size_t>(s)] = 100 + s;
  r1.persons_sheltered = 1234567.891;  // %g would print 1.23457e+06
  r1.persons_walking = 2.5;
  r1.persons_ge4 = 0.125;
  r1.persons_ge6 = 1e7;
  r1.km_ge6 = 3.2;
  r1.facilities_open = 1;
  r1.facilities_full = 1;
  o.timeseries = {r0, r1};

  o.summary.agents = 1000;
  o.summary.persons_per_agent = 2.5;
  o.summary.seed = 42;
  o.summary.threads = 2;
  o.summary.sim_seconds = 600;
  o.summary.wall_seconds = 2;
  o.summary.person_minutes_ge6 = 12.5;
  o.summary.person_minutes_ge4 = 40;
  o.summary.peak_km_road_ge6 = 3.2;
  o.summary.peak_sheltered = 1217.5;
  o.summary.peak_unsheltered_stranded = 80;
  o.summary.arrived_home = 700;
  o.summary.agent_steps = 500000;
  o.summary.commands_applied = 2;

  Command c1;
  c1.time_s = 3600;
  c1.seq = 0;
  c1.type = CommandType::kCloseEdge;
  c1.edge = make_id<EdgeId>(4);
  c1.source = "operator";
  Command c2;
  c2.time_s = 7200;
  c2.seq = 1;
  c2.type = CommandType::kGuidance;
  c2.facility = make_id<ShelterId>(1);
  c2.value = 0.75;
  c2.x = kX0 + 100.125;
  c2.y = kY0 + 50;
  c2.radius_m = 300;
  c2.source = "scenario";
  o.commands = {c1, c2};

  o.scenario_toml = "name = \"test\"\n[population]\nagents = 1000\n";
  o.kitaku_version = "0.1.0-test";
  o.scenario_name = "test";
  return o;
}

std::vector<std::uint8_t> read_bytes(const std::string& path) {
  const std::string s = slurp(path);
  return {s.begin(), s.end()};
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

std::size_t temp_files(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().starts_with(".tmp-")) ++n;
  return n;
}

std::uint32_t be32(const std::vector<std::uint8_t>& b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) | (std::uint32_t{b[at + 2]} << 8) | b[at + 3];
}

std::uint32_t crc32_ref(const std::uint8_t* p, std::size_t n) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

struct PngChunk { std::string type; std::size_t data_at, size; };

// Walks the chunks, checking each CRC; stops after IEND.
std::vector<PngChunk> png_chunks(const std::vector<std::uint8_t>& b) {
  std::vector<PngChunk> out;
  std::size_t at = 8;
  while (at + 12 <= b.size()) {
    const std::size_t n = be32(b, at);
    REQUIRE(at + 12 + n <= b.size());
    const std::string type(reinterpret_cast<const char*>(b.data() + at + 4), 4);
    CHECK_MESSAGE(be32(b, at + 8 + n) == crc32_ref(b.data() + at + 4, n + 4), "CRC of chunk " << type);
    out.push_back({type, at + 8, n});
    at += 12 + n;
    if (type == "IEND") break;
  }
  CHECK(at == b.size());
  return out;
}

// Inflates a zlib stream made of stored blocks only (what encode_png writes), checking Adler-32.
std::vector<std::uint8_t> inflate_stored(const std::vector<std::uint8_t>& z) {
  REQUIRE(z.size() >= 6);
  CHECK(((z[0] << 8) | z[1]) % 31 == 0);
  CHECK((z[0] & 0x0F) == 8);  // deflate
  std::vector<std::uint8_t> out;
  std::size_t at = 2;
  bool last = false;
  while (!last) {
    REQUIRE(at + 5 <= z.size());
    last = z[at] & 1;
    REQUIRE(((z[at] >> 1) & 3) == 0);  // stored
    const std::size_t len = z[at + 1] | (z[at + 2] << 8);
    const std::size_t nlen = z[at + 3] | (z[at + 4] << 8);
    REQUIRE((len ^ 0xFFFF) == nlen);
    at += 5;
    REQUIRE(at + len <= z.size());
    out.insert(out.end(), z.begin() + static_cast<std::ptrdiff_t>(at), z.begin() + static_cast<std::ptrdiff_t>(at + len));
    at += len;
  }
  REQUIRE(at + 4 == z.size());
  std::uint32_t a = 1, b = 0;
  for (const std::uint8_t v : out) {
    a = (a + v) % 65521;
    b = (b + a) % 65521;
  }
  CHECK(be32(z, at) == ((b << 16) | a));
  return out;
}

const OGRFeature* find_feature(std::vector<std::unique_ptr<OGRFeature>>& fs, const char* field, GIntBig v) {
  for (const auto& f : fs)
    if (f->GetFieldAsInteger64(field) == v) return f.get();
  return nullptr;
}

std::vector<std::unique_ptr<OGRFeature>> features(OGRLayer* l) {
  std::vector<std::unique_ptr<OGRFeature>> out;
  l->ResetReading();
  while (OGRFeature* f = l->GetNextFeature()) out.emplace_back(f);
  return out;
}

}  // namespace

TEST_CASE("Fruin level of service letters follow DOMAIN.md's space-per-person bands") {
  CHECK(geo::fruin_los(0) == 'A');
  CHECK(geo::fruin_los(-1) == 'A');
  CHECK(geo::fruin_los(0.30) == 'A');   // 3.33 m²/person
  CHECK(geo::fruin_los(0.31) == 'B');   // 3.23
  CHECK(geo::fruin_los(0.43) == 'B');   // 2.33
  CHECK(geo::fruin_los(0.44) == 'C');   // 2.27
  CHECK(geo::fruin_los(0.71) == 'C');   // 1.41
  CHECK(geo::fruin_los(0.72) == 'D');   // 1.39
  CHECK(geo::fruin_los(1.11) == 'D');   // 0.901
  CHECK(geo::fruin_los(1.12) == 'E');   // 0.893
  CHECK(geo::fruin_los(2.17) == 'E');   // 0.4608
  CHECK(geo::fruin_los(2.18) == 'F');   // 0.4587
  CHECK(geo::fruin_los(6) == 'F');
}

TEST_CASE("sha256 matches the FIPS 180-4 examples") {
  CHECK(geo::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(geo::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(geo::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  geo::Sha256 h;  // a million 'a's, fed unevenly
  const std::string chunk(997, 'a');
  std::size_t left = 1'000'000;
  while (left > 0) {
    const std::size_t n = std::min(left, chunk.size());
    h.update(chunk.data(), n);
    left -= n;
  }
  CHECK(h.hex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("write_run_outputs writes the whole set, each file readable") {
  const Network net = test_network();
  const City city = test_city();
  const geo::RunOutputs out = test_outputs(net, city);
  TempDir tmp;
  const std::string dir = tmp / "run/out";  // parents are created
  geo::write_run_outputs(dir, out);
  const fs::path d(dir);
  for (const char* f : {"timeseries.csv", "stations.csv", "results.gpkg", "summary.json", "commands.log",
                        "scenario.toml", "peak_density.png", "manifest.sha256"})
    CHECK_MESSAGE(fs::is_regular_file(d / f), f);
  CHECK(temp_files(d) == 0);
  CHECK(std::distance(fs::directory_iterator(d), fs::directory_iterator()) == 8);

  SUBCASE("manifest.sha256: every file of the set with its SHA-256, as sha256sum -c reads it") {
    const auto lines = split(slurp((d / "manifest.sha256").string()), '\n');
    REQUIRE(lines.size() >= 6);
    std::size_t listed = 0;
    for (const std::string& line : lines) {
      if (line.empty()) continue;
      REQUIRE(line.size() > 66);
      const std::string name = line.substr(66);
      CHECK(line.substr(64, 2) == "  ");
      CHECK(line.substr(0, 64) == geo::sha256_file((d / name).string()));
      ++listed;
    }
    CHECK(listed == 7);
    const auto r = kitaku::test::run_shell("cd '" + dir + "' && sha256sum --quiet -c manifest.sha256");
    CHECK_MESSAGE(r.code == 0, r.output);
  }

  SUBCASE("timeseries.csv") {
    const auto lines = split(slurp((d / "timeseries.csv").string()), '\n');
    REQUIRE(lines.size() == 3);
    // Every column says its unit: the states in agents, then in persons (x 2.5).
    CHECK(lines[0] ==
          "time_s,agents,persons_per_agent,"
          "state_waiting_agents,state_retained_agents,state_staying_agents,state_walking_home_agents,"
          "state_to_facility_agents,state_sheltered_agents,state_unsheltered_agents,state_by_rail_agents,"
          "state_arrived_home_agents,"
          "state_waiting_persons,state_retained_persons,state_staying_persons,state_walking_home_persons,"
          "state_to_facility_persons,state_sheltered_persons,state_unsheltered_persons,state_by_rail_persons,"
          "state_arrived_home_persons,"
          "persons_sheltered,persons_walking,persons_ge4,persons_ge6,km_road_ge6,facilities_open,facilities_full,"
          "persons_at_junctions,persons_junction_ge4,persons_junction_ge6,junctions_ge6,persons_station_fronts,"
          "places_ge6");
    CHECK(lines[1] == "0,1000,2.5,1000,0,0,0,0,0,0,0,0,2500,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0");
    CHECK(lines[2] ==
          "600,1000,2.5,100,101,102,103,104,105,106,107,108,250,252.5,255,257.5,260,262.5,265,267.5,270,"
          "1234567.891,2.5,0.125,10000000,3.2,1,1,0,0,0,0,0,0");
    CHECK(geo::timeseries_columns().size() == split(lines[0], ',').size());
  }

  SUBCASE("stations.csv: the header, and no rows without station samples") {
    CHECK(slurp((d / "stations.csv").string()) == "time_s,station,name,x,y,daily_riders,persons,peak_density\n");
  }

  SUBCASE("results.gpkg") {
    geo::DatasetPtr ds = geo::open_vector((d / "results.gpkg").string());
    OGRLayer* le = ds->GetLayerByName("edges");
    OGRLayer* lf = ds->GetLayerByName("facilities");
    REQUIRE(le);
    REQUIRE(lf);
    CHECK(le->GetGeomType() == wkbLineString);
    CHECK(lf->GetGeomType() == wkbPoint);
    for (OGRLayer* l : {le, lf}) {
      const OGRSpatialReference* srs = l->GetSpatialRef();
      REQUIRE(srs);
      CHECK(std::string(srs->GetAuthorityCode(nullptr) ? srs->GetAuthorityCode(nullptr) : "") == "6677");
    }
    auto edges = features(le);
    REQUIRE(edges.size() == net.edge_count());
    for (std::uint32_t e = 0; e < net.edge_count(); ++e) {
      const OGRFeature* f = find_feature(edges, "edge_id", e);
      REQUIRE_MESSAGE(f, "edge " << e);
      const EdgeId id{e};
      CHECK(std::string(f->GetFieldAsString("road_class")) == std::string(name(net.road_class(id))));
      CHECK(std::string(f->GetFieldAsString("name")) == std::string(net.name(id)));
      CHECK(f->GetFieldAsDouble("length_m") == doctest::Approx(net.length(id)));
      CHECK(f->GetFieldAsDouble("width_m") == doctest::Approx(net.width(id)));
      CHECK(f->GetFieldAsDouble("peak_density") == doctest::Approx(out.edges.peak_density[e]));
      CHECK(f->GetFieldAsDouble("minutes_ge4") == doctest::Approx(e));
      CHECK(f->GetFieldAsDouble("minutes_ge6") == doctest::Approx(e * 0.5));
      CHECK(f->GetFieldAsDouble("peak_flow") == doctest::Approx(0.25 + e));
      CHECK(f->GetFieldAsDouble("walkable_m") == doctest::Approx(1.5 + e % 3));
      const int crush = f->GetFieldIndex("first_crush_min");
      REQUIRE(crush >= 0);
      if (e % 3 == 0) CHECK(f->IsFieldNull(crush));
      else CHECK(f->GetFieldAsDouble(crush) == doctest::Approx(e));
      CHECK(f->GetFieldAsDouble("peak_at_min") == doctest::Approx(e * 0.5));
      CHECK(std::string(f->GetFieldAsString("peak_los")) ==
            std::string(1, geo::fruin_los(out.edges.peak_density[e])));
      const auto* ls = dynamic_cast<const OGRLineString*>(f->GetGeometryRef());
      REQUIRE(ls);
      const auto g = net.geometry(id);
      REQUIRE(ls->getNumPoints() == static_cast<int>(g.size()));
      CHECK(ls->getX(0) == doctest::Approx(g.front().x));
      CHECK(ls->getY(ls->getNumPoints() - 1) == doctest::Approx(g.back().y));
    }
    // Every level of service appears, so the letters are not all one.
    std::string letters;
    for (const auto& f : edges) letters += f->GetFieldAsString("peak_los");
    for (const char c : std::string("ABCDEF")) CHECK_MESSAGE(letters.find(c) != std::string::npos, c);
    CHECK(find_feature(edges, "edge_id", 0)->GetGeometryRef()->toLineString()->getNumPoints() == 3);

    auto facs = features(lf);
    REQUIRE(facs.size() == 2);
    const OGRFeature* f0 = find_feature(facs, "facility_id", 0);
    const OGRFeature* f1 = find_feature(facs, "facility_id", 1);
    REQUIRE(f0);
    REQUIRE(f1);
    CHECK(std::string(f0->GetFieldAsString("name")) == "新宿中央公園");
    CHECK(std::string(f0->GetFieldAsString("area")) == "新宿区");
    CHECK_FALSE(f1->IsFieldSetAndNotNull(f1->GetFieldIndex("area")));
    CHECK(f0->GetFieldAsDouble("capacity") == 1200);
    CHECK(f1->GetFieldAsDouble("capacity") == 250);
    CHECK(f1->GetFieldAsDouble("peak_occupancy") == 17.5);
    CHECK(f0->GetFieldAsDouble("minutes_full") == 90);
    CHECK(f0->GetFieldAsDouble("opened_at_min") == 180);
    CHECK(f1->GetFieldAsDouble("opened_at_min") == -1);
    CHECK(std::string(f0->GetFieldAsString("state")) == std::string(facility_state_name(FacilityState::kFull)));
    CHECK(std::string(f1->GetFieldAsString("state")) == std::string(facility_state_name(FacilityState::kClosed)));
    const auto* p = dynamic_cast<const OGRPoint*>(f1->GetGeometryRef());
    REQUIRE(p);
    CHECK(p->getX() == doctest::Approx(city.facilities[1].pos.x));
    CHECK(p->getY() == doctest::Approx(city.facilities[1].pos.y));
  }

  SUBCASE("summary.json") {
    const auto j = nlohmann::json::parse(slurp((d / "summary.json").string()));
    const std::vector<std::string> keys{
        "kitaku_version", "scenario", "agents", "persons_per_agent", "persons", "seed", "threads",
        "sim_seconds", "wall_seconds", "partial", "person_minutes_ge6", "person_minutes_ge4",
        "peak_km_road_ge6", "peak_sheltered", "peak_unsheltered_stranded", "arrived_home", "by_rail", "walkers",
        "persons_ge6_3h", "share_walkers_ge6_3h", "persons_ge6_1h", "persons_ge4_3h",
        "junction_person_minutes_ge6", "junction_person_minutes_ge4", "total_person_minutes_ge6",
        "total_person_minutes_ge4", "peak_junction_density", "peak_junction_density_s", "peak_junctions_ge6",
        "peak_persons_at_junctions", "persons_ge6_3h_with_junctions", "walkers_ge6_3h_with_junctions",
        "share_walkers_ge6_3h_with_junctions", "persons_ge6_1h_with_junctions", "persons_ge4_3h_with_junctions",
        "places_ge6_3h", "peak_places_ge6", "peak_places_ge6_s", "stations", "agent_steps",
        "agent_updates_per_second", "commands_applied", "outputs"};
    for (const auto& k : keys) CHECK_MESSAGE(j.contains(k), k);
    CHECK(j.size() == keys.size());
    // Keys in the documented order (the text, not just the parsed object).
    const std::string text = slurp((d / "summary.json").string());
    std::size_t last = 0;
    for (const auto& k : keys) {
      const std::size_t at = text.find("\"" + k + "\"");
      CHECK_MESSAGE(at > last, k);
      last = at;
    }
    CHECK(j["kitaku_version"] == "0.1.0-test");
    CHECK(j["scenario"] == "test");
    CHECK(j["agents"] == 1000);
    CHECK(j["persons"].get<double>() == 2500);
    CHECK(j["seed"] == 42);
    CHECK(j["partial"] == false);
    CHECK(j["agent_updates_per_second"].get<double>() == 250000);
    CHECK(j["peak_sheltered"].get<double>() == 1217.5);
    CHECK(j["commands_applied"] == 2);
    const auto outputs = j["outputs"].get<std::vector<std::string>>();
    CHECK(outputs.size() == 7);
    for (const auto& o : outputs) CHECK_MESSAGE(fs::is_regular_file(d / o), o);
  }

  SUBCASE("commands.log replays") {
    const std::string path = (d / "commands.log").string();
    const auto lines = split(slurp(path), '\n');
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "# kitaku commands.log: one command per line; kitaku run SCENARIO --replay commands.log");
    const Command back = parse_command_line(lines[2], path, 3);
    CHECK(back.type == CommandType::kGuidance);
    CHECK(back.time_s == 7200);
    CHECK(back.facility == make_id<ShelterId>(1));
    CHECK(back.value == 0.75);
    CHECK(back.x == out.commands[1].x);
    const auto all = load_command_log(path);
    REQUIRE(all.size() == 2);
    CHECK(all[0].type == CommandType::kCloseEdge);
    CHECK(all[0].edge == make_id<EdgeId>(4));
    CHECK(all[0].time_s == 3600);
  }

  SUBCASE("scenario.toml is the text as given") {
    CHECK(slurp((d / "scenario.toml").string()) == out.scenario_toml);
  }

  SUBCASE("peak_density.png") {
    const auto b = read_bytes((d / "peak_density.png").string());
    REQUIRE(b.size() > 8);
    const std::uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    CHECK(std::memcmp(b.data(), sig, 8) == 0);
    const auto chunks = png_chunks(b);
    REQUIRE(chunks.size() >= 3);
    CHECK(chunks.front().type == "IHDR");
    CHECK(chunks.back().type == "IEND");
    CHECK(chunks.back().size == 0);
    REQUIRE(chunks.front().size == 13);
    const std::uint32_t w = be32(b, chunks.front().data_at), h = be32(b, chunks.front().data_at + 4);
    // The map is 600 x 400 m: the long side is 1600 px (1551 px of map, 24 px margins and
    // one), and the short side follows the aspect: 400 * 1551 / 600 + 49, under a
    // caption band of 4 lines (8 + 4 x 20 px at 2x).
    CHECK(w == 1600);
    CHECK(h == 1083 + 88);
    CHECK(b[chunks.front().data_at + 8] == 8);  // bit depth
    CHECK(b[chunks.front().data_at + 9] == 2);  // truecolour
    std::vector<std::uint8_t> z;
    for (const auto& c : chunks)
      if (c.type == "IDAT") z.insert(z.end(), b.begin() + static_cast<std::ptrdiff_t>(c.data_at),
                                     b.begin() + static_cast<std::ptrdiff_t>(c.data_at + c.size));
    const auto raw = inflate_stored(z);
    REQUIRE(raw.size() == static_cast<std::size_t>(h) * (1 + 3 * w));
    // Same pixels as the in-memory render with the run's caption: title and unit,
    // scenario, the time span, and the 6 p/m2 key.
    const geo::MapCaption cap = geo::peak_density_caption(out);
    CHECK(cap.title.find("PERSONS PER M2") != std::string::npos);
    REQUIRE(cap.lines.size() == 3);
    CHECK(cap.lines[0] == "SCENARIO: " + out.scenario_name);
    CHECK(cap.lines[1].find("+0:10 AFTER THE QUAKE") != std::string::npos);  // sim_seconds 600
    CHECK(cap.lines[2].find("6 P/M2") != std::string::npos);
    const geo::RgbImage img = geo::render_peak_density(net, &city, out.edges, 1600, cap);
    REQUIRE(img.width == static_cast<int>(w));
    REQUIRE(img.height == static_cast<int>(h));
    bool same = true;
    for (std::uint32_t y = 0; y < h && same; ++y) {
      same = raw[y * (1 + 3 * w)] == 0 &&
             std::memcmp(raw.data() + y * (1 + 3 * w) + 1, img.rgb.data() + y * 3 * w, 3 * w) == 0;
    }
    CHECK(same);
  }
}

TEST_CASE("peak density map: colours by level, grey when empty, white background, facilities black") {
  const Network net = test_network();
  const City city = test_city();
  geo::RunOutputs out = test_outputs(net, city);
  // Where a point of the map lands (same transform as the renderer: 24 px margins).
  const BBox box = net.bbox();
  const double scale = (800 - 48 - 1) / std::max(box.max_x - box.min_x, box.max_y - box.min_y);
  auto pixel = [&](const geo::RgbImage& img, Point p) {
    const int x = static_cast<int>(std::lround(24 + (p.x - box.min_x) * scale));
    const int y = static_cast<int>(std::lround(24 + (box.max_y - p.y) * scale));
    const std::size_t i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(img.width) + static_cast<std::size_t>(x)) * 3;
    return std::array<int, 3>{img.rgb[i], img.rgb[i + 1], img.rgb[i + 2]};
  };
  auto mid = [&](std::uint32_t e) {
    const auto g = net.geometry(EdgeId{e});
    return Point{(g.front().x + g.back().x) / 2, (g.front().y + g.back().y) / 2};
  };
  // Middle-of-the-map edges, clear of the legend in any corner: 9 (5-6) empty, 7 (4-5)
  // at 6 p/m² (F), 10 (5-9) at 0.2 p/m² (A).
  out.edges.peak_density[9] = 0.0f;
  out.edges.peak_density[10] = 0.2f;
  REQUIRE(out.edges.peak_density[7] == 6.0f);
  const geo::RgbImage img = geo::render_peak_density(net, &city, out.edges, 800);
  CHECK(std::max(img.width, img.height) == 800);
  const auto grey = pixel(img, mid(9)), worst = pixel(img, mid(7)), good = pixel(img, mid(10));
  CHECK(grey[0] == grey[1]);
  CHECK(grey[1] == grey[2]);
  CHECK(grey[0] < 255);
  CHECK(grey[0] > 150);
  CHECK(worst == std::array<int, 3>{200, 0, 200});  // reached 6 p/m2: the crush colour
  CHECK(good[1] > good[0] + 50);    // green
  CHECK(pixel(img, {kX0 + 300, kY0 + 300}) == std::array<int, 3>{255, 255, 255});  // inside a block
  CHECK(pixel(img, city.facilities[0].pos) == std::array<int, 3>{0, 0, 0});

  // More crowding turns the same edge from green to red; just under 6 it is F, not crush.
  out.edges.peak_density[10] = 3.0f;
  out.edges.peak_density[7] = 5.9f;
  const geo::RgbImage img2 = geo::render_peak_density(net, &city, out.edges, 800);
  const auto red = pixel(img2, mid(10));
  CHECK(red[0] > red[1] + 50);
  const auto f = pixel(img2, mid(7));
  CHECK(f[0] > f[1] + 50);  // dark red / purple
  CHECK(f[0] < 200);

  // A caption adds a band above the map, with its text in it; the map moves down.
  geo::MapCaption cap;
  cap.title = "PEAK PEDESTRIAN DENSITY";
  cap.lines = {"SCENARIO: Ginza"};
  const geo::RgbImage img3 = geo::render_peak_density(net, &city, out.edges, 800, cap);
  CHECK(img3.height == img2.height + 8 + 2 * 10 * 2);  // 2x text from 800 px
  std::size_t ink = 0;
  for (int y = 0; y < 8 + 40; ++y)
    for (int x = 0; x < img3.width; ++x) ink += img3.rgb[(static_cast<std::size_t>(y) * static_cast<std::size_t>(img3.width) + static_cast<std::size_t>(x)) * 3] == 0;
  CHECK(ink > 100);
}

TEST_CASE("rewriting a run folder replaces every file atomically") {
  const Network net = test_network();
  const City city = test_city();
  geo::RunOutputs out = test_outputs(net, city);
  TempDir tmp;
  const std::string dir = tmp / "out";
  geo::write_run_outputs(dir, out);
  for (float& v : out.edges.peak_density) v = 9.0f;
  out.scenario_toml = "name = \"second\"\n";
  geo::write_run_outputs(dir, out);
  CHECK(temp_files(dir) == 0);
  CHECK(slurp(tmp / "out/scenario.toml") == out.scenario_toml);
  geo::DatasetPtr ds = geo::open_vector(tmp / "out/results.gpkg");
  OGRLayer* le = ds->GetLayerByName("edges");
  REQUIRE(le);
  CHECK(le->GetFeatureCount() == static_cast<GIntBig>(net.edge_count()));
  for (const auto& f : features(le)) CHECK(std::string(f->GetFieldAsString("peak_los")) == "F");
}

TEST_CASE("failed writes throw and leave no partial or finished-looking set") {
  const Network net = test_network();
  const City city = test_city();
  geo::RunOutputs out = test_outputs(net, city);
  TempDir tmp;

  SUBCASE("the folder is a file") {
    const std::string file = tmp / "taken";
    std::ofstream(file) << "x";
    CHECK_THROWS_AS(geo::write_run_outputs(file, out), InputError);
    CHECK(slurp(file) == "x");
    CHECK(std::distance(fs::directory_iterator(tmp.path), fs::directory_iterator()) == 1);
  }
  SUBCASE("statistics that do not match the network are refused before anything is written") {
    out.edges.peak_flow.pop_back();
    CHECK_THROWS_AS(geo::write_run_outputs(tmp / "out", out), std::invalid_argument);
    CHECK_FALSE(fs::exists(tmp / "out"));
    out = test_outputs(net, city);
    out.facilities.state.push_back(FacilityState::kOpen);
    CHECK_THROWS_AS(geo::write_run_outputs(tmp / "out", out), std::invalid_argument);
    out = test_outputs(net, city);
    out.network = nullptr;
    CHECK_THROWS_AS(geo::write_run_outputs(tmp / "out", out), std::invalid_argument);
    CHECK_FALSE(fs::exists(tmp / "out"));
  }
  SUBCASE("a file that cannot be replaced midway leaves no summary.json") {
    const std::string dir = tmp / "out";
    geo::write_run_outputs(dir, out);
    REQUIRE(fs::exists(tmp / "out/summary.json"));
    fs::remove(tmp / "out/peak_density.png");
    fs::create_directories(tmp / "out/peak_density.png/blocker");  // a non-empty folder cannot be renamed over
    CHECK_THROWS(geo::write_run_outputs(dir, out));
    CHECK_FALSE(fs::exists(tmp / "out/summary.json"));  // the old one is gone, no new one
    CHECK_FALSE(fs::exists(tmp / "out/manifest.sha256"));
    CHECK(temp_files(dir) == 0);
  }
  SUBCASE("a file in a missing folder") {
    CHECK_THROWS_AS(geo::write_timeseries_csv(tmp / "missing/timeseries.csv", out.timeseries, 2.5), InputError);
    CHECK_THROWS_AS(geo::write_results_gpkg(tmp / "missing/results.gpkg", net, &city, out.edges, out.facilities),
                    InputError);
    CHECK_FALSE(fs::exists(tmp / "missing"));
    CHECK(temp_files(tmp.path) == 0);
  }
}

TEST_CASE("agents.csv: exact rows, quoted names, empty for none, the clock past midnight; sizes are checked") {
  const Network net = test_network();
  City city = test_city();
  city.facilities[1].name = "Hall B, \"annex\"";  // a comma and quotes: quoted as RFC 4180
  Zone z;
  z.id = "53394611";
  city.zones = {z};
  Station st;
  st.name = "新宿";
  city.stations = {st};
  Population pop;
  pop.persons_per_agent = 2.5;
  pop.persons_total = 5;
  pop.origin = {NodeId{0}, NodeId{5}};
  pop.pos = {{kX0 + 10.04, kY0 + 20.06}, {kX0 + 300, kY0 + 200}};
  pop.home = pop.pos;
  pop.home_km = {3.25f, 24.5f};
  pop.activity = {Activity::kWork, Activity::kTransit};
  pop.age = {AgeGroup::kAdult, AgeGroup::kElderly};
  pop.vulnerable = {0, 1};
  pop.v_free = {1.3f, 1.0f};
  pop.zone = {0, -1};  // zone 0; station 0
  AgentRecords r;
  r.stranded = {0, 1};
  r.departure_s = {600, 30};
  r.arrival_home_s = {33400, -1};  // 14:46 + 9 h 16 min 40 s = 24:02:40
  r.arrival_facility_s = {-1, 5000};
  r.facility = {-1, 1};
  r.state = {AgentState::kArrivedHome, AgentState::kSheltered};
  r.walked_network_m = {1234.56f, 80.0f};
  r.walked_off_network_m = {410.0f, 0.0f};
  r.walking_s = {7200, 300};
  r.seconds_ge4 = {120, 0};
  r.seconds_ge6 = {60, 0};
  r.junction_seconds_ge4 = {30, 0};
  r.junction_seconds_ge6 = {15, 0};
  const std::string text = agents_csv(pop, city, r, 14 * 3600 + 46 * 60);
  const auto lines = split(text, '\n');
  REQUIRE(lines.size() == 3);
  CHECK(lines[1] == "0,2.5,zone,0,53394611,-7990.0,-35979.9,3.25,work,adult,0,600,14:56:00,33400,24:02:40,,,,"
                    "arrived_home,1234.6,410.0,7200,120,60,30,15");
  CHECK(lines[2] == "1,2.5,station,0,新宿,-7700.0,-35800.0,24.5,transit,elderly,1,30,14:46:30,,,5000,1,"
                    "\"Hall B, \"\"annex\"\"\",sheltered,80.0,0.0,300,0,0,0,0");

  // Through write_run_outputs: atomically, listed in summary.json's outputs.
  geo::RunOutputs out = test_outputs(net, city);
  out.population = &pop;
  out.agents = r;
  out.quake_clock_s = 14 * 3600 + 46 * 60;
  TempDir tmp;
  geo::write_run_outputs(tmp / "out", out);
  CHECK(slurp(tmp / "out/agents.csv") == text);
  CHECK(temp_files(tmp.path / "out") == 0);
  CHECK(slurp(tmp / "out/summary.json").find("\"agents.csv\"") != std::string::npos);
  out.agents.state.pop_back();  // one record short: refused before anything is written
  CHECK_THROWS_AS(geo::write_run_outputs(tmp / "bad", out), std::invalid_argument);
  CHECK(!fs::exists(tmp.path / "bad/summary.json"));
}
