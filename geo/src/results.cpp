#include "kitaku/geo/results.hpp"
#include "kitaku/sim/agents_csv.hpp"
#include "kitaku/sim/timeseries_csv.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ogrsf_frmts.h>
#include <stdexcept>
#include <signal.h>
#include <unistd.h>

#include "kitaku/geo/gdal_util.hpp"
#include "kitaku/geo/sha256.hpp"
#include "kitaku/sim/error.hpp"

namespace kitaku::geo {
namespace {

namespace fs = std::filesystem;

// Fruin's level of service by space per person, DOMAIN.md: A > 3.25 m²/person,
// B 2.3–3.25, C 1.4–2.3, D 0.9–1.4, E 0.46–0.9, F < 0.46; i.e. densities
// 0.31, 0.43, 0.71, 1.11 and 2.17 p/m² separate the levels. (ui/fruin.hpp holds
// the same table for the dashboard; geo must not link ui.)
constexpr std::array<double, 5> kFruinSpaceM2{3.25, 2.3, 1.4, 0.9, 0.46};

int fruin_index(double rho) noexcept {
  if (!(rho > 0)) return 0;
  const double space = 1.0 / rho;
  int level = 0;
  while (level < 5 && !(space > kFruinSpaceM2[level])) ++level;
  return level;
}

void write_bytes(const std::string& final_path, const std::string& tmp, const void* data, std::size_t n) {
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw InputError(final_path, "", std::string("cannot write: ") + std::strerror(errno));
  const bool ok = std::fwrite(data, 1, n, f) == n;
  const int err = errno;
  if (std::fclose(f) != 0 || !ok)
    throw InputError(final_path, "", std::string("cannot write: ") + std::strerror(ok ? errno : err));
}

void write_file_atomically(const std::string& path, std::string_view text) {
  write_atomically(path, [&](const std::string& tmp) { write_bytes(path, tmp, text.data(), text.size()); });
}


std::string fixed2(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 2);
  return std::string(buf, r.ptr);
}

void check_sizes(const Network& net, const City* city, const EdgeStats& e, const FacilityStats& f) {
  const std::size_t ne = net.edge_count();
  auto edge_vec = [&](const char* what, std::size_t n) {
    if (n != ne)
      throw std::invalid_argument(std::string("run outputs: EdgeStats::") + what + " has " + std::to_string(n) +
                                  " entries, the network has " + std::to_string(ne) + " edges");
  };
  edge_vec("peak_density", e.peak_density.size());
  edge_vec("seconds_ge4", e.seconds_ge4.size());
  edge_vec("seconds_ge6", e.seconds_ge6.size());
  edge_vec("peak_flow", e.peak_flow.size());
  edge_vec("walkable_m", e.walkable_m.size());
  // The times are optional (statistics made by hand may leave them out): all or none.
  if (!e.first_ge6_s.empty()) edge_vec("first_ge6_s", e.first_ge6_s.size());
  if (!e.peak_density_s.empty()) edge_vec("peak_density_s", e.peak_density_s.size());
  const std::size_t nf = city ? city->facilities.size() : 0;
  auto fac_vec = [&](const char* what, std::size_t n) {
    if (n != nf)
      throw std::invalid_argument(std::string("run outputs: FacilityStats::") + what + " has " + std::to_string(n) +
                                  " entries, the city has " + std::to_string(nf) + " facilities");
  };
  fac_vec("capacity", f.capacity.size());
  fac_vec("peak_occupancy", f.peak_occupancy.size());
  fac_vec("seconds_full", f.seconds_full.size());
  fac_vec("open_time_s", f.open_time_s.size());
  fac_vec("state", f.state.size());
}

// ---- Drawing ---------------------------------------------------------------

constexpr Rgb kEmptyGrey{205, 205, 205};
constexpr std::array<Rgb, 6> kLosColours{{
    {46, 160, 67},    // A green
    {150, 200, 60},   // B yellow-green
    {250, 215, 40},   // C yellow
    {250, 140, 20},   // D orange
    {220, 40, 30},    // E red
    {110, 10, 90},    // F dark purple-red
}};
// Edges whose peak reached 6 p/m2 (the crush-risk level) are drawn over the levels in this.
constexpr Rgb kCrushColour{200, 0, 200};

std::vector<LegendRow> peak_density_legend() {
  std::vector<LegendRow> rows;
  rows.push_back({"  0", kEmptyGrey});
  std::array<std::string, 5> cut;
  for (std::size_t i = 0; i < 5; ++i) cut[i] = fixed2(1.0 / kFruinSpaceM2[i]);
  rows.push_back({"A <" + cut[0], kLosColours[0]});
  for (std::size_t i = 1; i < 5; ++i)
    rows.push_back({std::string(1, static_cast<char>('A' + i)) + " " + cut[i - 1] + "-" + cut[i], kLosColours[i]});
  rows.push_back({"F >" + cut[4], kLosColours[5]});
  rows.push_back({">=6 CRUSH", kCrushColour});
  return rows;
}

}  // namespace

char fruin_los(double persons_per_m2) noexcept { return static_cast<char>('A' + fruin_index(persons_per_m2)); }

void write_agents_csv(const std::string& path, const Population& pop, const City& city, const AgentRecords& records,
                      std::int64_t quake_clock_s) {
  write_atomically(path, [&](const std::string& tmp) {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw InputError(path, "", std::string("cannot write: ") + std::strerror(errno));
    bool ok = true;
    int err = 0;
    try {
      format_agents_csv(pop, city, records, quake_clock_s, [&](std::string_view piece) {
        if (ok && std::fwrite(piece.data(), 1, piece.size(), f) != piece.size()) {
          ok = false;
          err = errno;
        }
      });
    } catch (...) {
      std::fclose(f);
      throw;
    }
    if (std::fclose(f) != 0 || !ok)
      throw InputError(path, "", std::string("cannot write: ") + std::strerror(ok ? errno : err));
  });
}

void write_timeseries_csv(const std::string& path, const std::vector<TimeseriesRow>& rows, double persons_per_agent) {
  write_file_atomically(path, timeseries_csv(rows, persons_per_agent));
}

void write_results_gpkg(const std::string& path, const Network& net, const City* city, const EdgeStats& edges,
                        const FacilityStats& facilities) {
  check_sizes(net, city, edges, facilities);
  gdal_init();
  OGRSpatialReference srs;
  const bool has_srs = !net.crs_wkt().empty() && srs.importFromWkt(net.crs_wkt().c_str()) == OGRERR_NONE;
  if (has_srs) srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);

  write_atomically(path, [&](const std::string& tmp) {
    DatasetPtr ds = create_vector(tmp, "GPKG");
    auto layer = [&](const char* name, OGRwkbGeometryType type, bool spatial_index,
                     std::initializer_list<std::pair<const char*, OGRFieldType>> fields) {
      const char* options[] = {spatial_index ? "SPATIAL_INDEX=YES" : "SPATIAL_INDEX=NO", nullptr};
      OGRLayer* l = ds->CreateLayer(name, has_srs ? &srs : nullptr, type, const_cast<char**>(options));
      if (!l) throw InputError(path, std::string("layer ") + name, "cannot create: " + last_gdal_error());
      for (const auto& [fname, ftype] : fields) {
        OGRFieldDefn fd(fname, ftype);
        if (l->CreateField(&fd) != OGRERR_NONE)
          throw InputError(path, std::string("layer ") + name + ", field " + fname, "cannot create: " + last_gdal_error());
      }
      return l;
    };
    OGRLayer* le = layer("edges", wkbLineString, net.edge_count() <= kGpkgSpatialIndexMaxEdges,
                         {{"edge_id", OFTInteger64}, {"name", OFTString}, {"road_class", OFTString},
                          {"length_m", OFTReal}, {"width_m", OFTReal}, {"peak_density", OFTReal},
                          {"minutes_ge4", OFTReal}, {"minutes_ge6", OFTReal}, {"peak_flow", OFTReal},
                          {"peak_los", OFTString}, {"walkable_m", OFTReal}, {"first_crush_min", OFTReal},
                          {"peak_at_min", OFTReal}});
    OGRLayer* lf = layer("facilities", wkbPoint, true,
                         {{"facility_id", OFTInteger}, {"name", OFTString}, {"area", OFTString},
                          {"capacity", OFTReal}, {"peak_occupancy", OFTReal}, {"minutes_full", OFTReal},
                          {"opened_at_min", OFTReal}, {"state", OFTString}, {"kind", OFTString},
                          {"capacity_source", OFTString}});

    const bool tx = ds->StartTransaction() == OGRERR_NONE;
    {
      OGRFeature f(le->GetLayerDefn());
      OGRLineString ls;
      std::string nm;
      for (std::uint32_t e = 0; e < net.edge_count(); ++e) {
        const EdgeId id{e};
        const double rho = edges.peak_density[e];
        f.SetFID(OGRNullFID);
        f.SetField(0, static_cast<GIntBig>(e));
        const auto name_view = net.name(id);
        if (name_view.empty()) f.SetFieldNull(1);
        else { nm.assign(name_view); f.SetField(1, nm.c_str()); }
        f.SetField(2, std::string(name(net.road_class(id))).c_str());
        f.SetField(3, static_cast<double>(net.length(id)));
        f.SetField(4, static_cast<double>(net.width(id)));
        f.SetField(5, rho);
        f.SetField(6, edges.seconds_ge4[e] / 60.0);
        f.SetField(7, edges.seconds_ge6[e] / 60.0);
        f.SetField(8, static_cast<double>(edges.peak_flow[e]));
        const char letter[2] = {fruin_los(rho), 0};
        f.SetField(9, letter);
        f.SetField(10, static_cast<double>(edges.walkable_m[e]));
        // Minutes after the quake; null when it never reached 6 p/m2 / nobody was ever on it.
        const auto minutes = [&](int field, const std::vector<std::int64_t>& t) {
          if (t.empty() || t[e] < 0) f.SetFieldNull(field);
          else f.SetField(field, static_cast<double>(t[e]) / 60.0);
        };
        minutes(11, edges.first_ge6_s);
        minutes(12, edges.peak_density_s);
        const auto g = net.geometry(id);
        ls.setNumPoints(static_cast<int>(g.size()), false);
        for (std::size_t i = 0; i < g.size(); ++i) ls.setPoint(static_cast<int>(i), g[i].x, g[i].y);
        f.SetGeometry(&ls);
        if (le->CreateFeature(&f) != OGRERR_NONE)
          throw InputError(path, "edges, edge " + std::to_string(e), "cannot write: " + last_gdal_error());
      }
    }
    if (city) {
      OGRFeature f(lf->GetLayerDefn());
      for (std::size_t i = 0; i < city->facilities.size(); ++i) {
        const Facility& fac = city->facilities[i];
        f.SetFID(OGRNullFID);
        f.SetField(0, static_cast<int>(i));
        f.SetField(1, fac.name.c_str());
        if (fac.area.empty()) f.SetFieldNull(2); else f.SetField(2, fac.area.c_str());
        f.SetField(3, facilities.capacity[i]);
        f.SetField(4, facilities.peak_occupancy[i]);
        f.SetField(5, facilities.seconds_full[i] / 60.0);
        f.SetField(6, facilities.open_time_s[i] < 0 ? -1.0 : facilities.open_time_s[i] / 60.0);
        f.SetField(7, std::string(facility_state_name(facilities.state[i])).c_str());
        f.SetField(8, facility_kind_name(fac.kind));
        f.SetField(9, capacity_source_name(fac.capacity_source));
        OGRPoint p(fac.pos.x, fac.pos.y);
        f.SetGeometry(&p);
        if (lf->CreateFeature(&f) != OGRERR_NONE)
          throw InputError(path, "facilities, facility " + std::to_string(i), "cannot write: " + last_gdal_error());
      }
    }
    if (tx && ds->CommitTransaction() != OGRERR_NONE) throw InputError(path, "", "cannot commit: " + last_gdal_error());
    ds.reset();
  });
}

void write_summary_json(const std::string& path, const Summary& s, const std::string& scenario_name,
                        const std::string& kitaku_version, const std::vector<std::string>& outputs) {
  nlohmann::ordered_json j;
  j["kitaku_version"] = kitaku_version;
  j["scenario"] = scenario_name;
  j["agents"] = s.agents;
  j["persons_per_agent"] = s.persons_per_agent;
  j["persons"] = static_cast<double>(s.agents) * s.persons_per_agent;
  j["seed"] = s.seed;
  j["threads"] = s.threads;
  j["sim_seconds"] = s.sim_seconds;
  j["wall_seconds"] = s.wall_seconds;
  j["partial"] = s.partial;
  j["person_minutes_ge6"] = s.person_minutes_ge6;
  j["person_minutes_ge4"] = s.person_minutes_ge4;
  j["peak_km_road_ge6"] = s.peak_km_road_ge6;
  j["peak_sheltered"] = s.peak_sheltered;
  j["peak_unsheltered_stranded"] = s.peak_unsheltered_stranded;
  j["arrived_home"] = s.arrived_home;
  j["by_rail"] = s.by_rail;
  j["walkers"] = s.walkers;
  j["persons_ge6_3h"] = s.persons_ge6_3h;
  j["share_walkers_ge6_3h"] = s.share_walkers_ge6_3h;
  j["persons_ge6_1h"] = s.persons_ge6_1h;
  j["persons_ge4_3h"] = s.persons_ge4_3h;
  j["junction_person_minutes_ge6"] = s.junction_person_minutes_ge6;
  j["junction_person_minutes_ge4"] = s.junction_person_minutes_ge4;
  j["total_person_minutes_ge6"] = s.total_person_minutes_ge6;
  j["total_person_minutes_ge4"] = s.total_person_minutes_ge4;
  j["peak_junction_density"] = s.peak_junction_density;
  j["peak_junction_density_s"] = s.peak_junction_density_s;
  j["peak_junctions_ge6"] = s.peak_junctions_ge6;
  j["peak_persons_at_junctions"] = s.peak_persons_at_junctions;
  j["persons_ge6_3h_with_junctions"] = s.persons_ge6_3h_with_junctions;
  j["walkers_ge6_3h_with_junctions"] = s.walkers_ge6_3h_with_junctions;
  j["share_walkers_ge6_3h_with_junctions"] = s.share_walkers_ge6_3h_with_junctions;
  j["persons_ge6_1h_with_junctions"] = s.persons_ge6_1h_with_junctions;
  j["persons_ge4_3h_with_junctions"] = s.persons_ge4_3h_with_junctions;
  j["places_ge6_3h"] = s.places_ge6_3h;
  j["peak_places_ge6"] = s.peak_places_ge6;
  j["peak_places_ge6_s"] = s.peak_places_ge6_s;
  auto& st = j["stations"] = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < s.stations.size(); ++i) {
    const StationPeak& p = s.stations[i];
    st.push_back({{"station", i}, {"name", p.name}, {"peak_persons", p.peak_persons}, {"peak_s", p.peak_s},
                  {"peak_density", p.peak_density}});
  }
  j["agent_steps"] = s.agent_steps;
  j["agent_updates_per_second"] = s.wall_seconds > 0 ? static_cast<double>(s.agent_steps) / s.wall_seconds : 0.0;
  j["commands_applied"] = s.commands_applied;
  j["outputs"] = outputs;
  write_file_atomically(path, j.dump(2) + "\n");
}

void write_command_log(const std::string& path, const std::vector<Command>& commands) {
  std::string s = "# kitaku commands.log: one command per line; kitaku run SCENARIO --replay commands.log\n";
  for (const Command& c : commands) s += format_command(c) + "\n";
  write_file_atomically(path, s);
}

void write_text_file(const std::string& path, std::string_view text) { write_file_atomically(path, text); }

RgbImage render_peak_density(const Network& net, const City* city, const EdgeStats& edges, int long_side_px,
                             const MapCaption& caption) {
  if (edges.peak_density.size() != net.edge_count())
    throw std::invalid_argument("render_peak_density: " + std::to_string(edges.peak_density.size()) +
                                " peak densities for " + std::to_string(net.edge_count()) + " edges");
  BBox box = net.bbox();
  if (city)
    for (const Facility& f : city->facilities) box.extend(f.pos);
  MapFrame map(box, long_side_px, caption);

  // Empty edges first, then by level, so the worst crowding is drawn on top; last
  // those whose peak reached 6 p/m2, in the crush colour.
  std::array<std::vector<std::uint32_t>, 8> by_level;
  for (std::uint32_t e = 0; e < net.edge_count(); ++e) {
    const double rho = edges.peak_density[e];
    by_level[rho >= 6.0 ? 7 : rho > 0 ? 1 + static_cast<std::size_t>(fruin_index(rho)) : 0].push_back(e);
  }
  for (std::size_t level = 0; level < by_level.size(); ++level) {
    const Rgb colour = level == 0 ? kEmptyGrey : level == 7 ? kCrushColour : kLosColours[level - 1];
    for (const std::uint32_t e : by_level[level]) map.road(net.geometry(EdgeId{e}), net.width(EdgeId{e}), colour);
  }
  if (city)
    for (const Facility& f : city->facilities) map.mark(f.pos, 5, kBlack);
  map.legend("PEAK p/m2", peak_density_legend());
  return std::move(map.image());
}

MapCaption peak_density_caption(const RunOutputs& out) {
  const auto clock = [&](std::int64_t t) {
    const std::int64_t c = out.quake_clock_s + t;
    char b[48];
    std::snprintf(b, sizeof b, "DAY %lld %02lld:%02lld", static_cast<long long>(c / 86400 + 1),
                  static_cast<long long>(c / 3600 % 24), static_cast<long long>(c / 60 % 60));
    return std::string(b);
  };
  const std::int64_t end = out.summary.sim_seconds;
  char span[96];
  std::snprintf(span, sizeof span, "PEAK OVER +0:00 TO +%lld:%02lld AFTER THE QUAKE (", static_cast<long long>(end / 3600),
                static_cast<long long>(end / 60 % 60));
  MapCaption c;
  c.title = "PEAK PEDESTRIAN DENSITY, PERSONS PER M2";
  c.lines.push_back("SCENARIO: " + (out.scenario_name.empty() ? std::string("-") : out.scenario_name));
  c.lines.push_back(std::string(span) + clock(0) + " - " + clock(end) + ")" + (out.summary.partial ? ", STOPPED EARLY" : ""));
  c.lines.push_back("MAGENTA: REACHED 6 P/M2 (CRUSH RISK); FACILITIES AS BLACK SQUARES");
  return c;
}

void write_peak_density_png(const std::string& path, const Network& net, const City* city, const EdgeStats& edges,
                            int long_side_px, const MapCaption& caption) {
  write_png(path, render_peak_density(net, city, edges, long_side_px, caption));
}

std::size_t remove_stale_temp_files(const std::string& dir) {
  std::size_t removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(".tmp-", 0) != 0) continue;
    // .tmp-PID-NAME: kept while process PID lives (it may be writing it now).
    const char* digits = name.c_str() + 5;
    char* stop = nullptr;
    const long pid = std::strtol(digits, &stop, 10);
    if (stop == digits || *stop != '-' || pid <= 0) continue;
    if (pid != ::getpid() && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH)) continue;
    std::error_code rm;
    if (fs::remove_all(it->path(), rm) > 0 && !rm) ++removed;
  }
  return removed;
}

void write_run_outputs(const std::string& dir, const RunOutputs& out) {
  if (!out.network) throw std::invalid_argument("write_run_outputs: no network");
  check_sizes(*out.network, out.city, out.edges, out.facilities);
  if (out.population && out.agents.size() != out.population->size())
    throw std::invalid_argument("run outputs: " + std::to_string(out.agents.size()) + " agent records for " +
                                std::to_string(out.population->size()) + " agents");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw InputError(dir, "", "cannot create the output folder: " + (ec ? ec.message() : "a file of that name exists"));
  remove_stale_temp_files(dir);
  const fs::path d(dir);
  auto at = [&](std::string_view name) { return (d / name).string(); };

  // 1. Stage: every file is written into DIR/.tmp-PID-staging/ first; the previous
  // run's set stays whole (with its manifest) while that takes time.
  const fs::path staging = d / (".tmp-" + std::to_string(::getpid()) + "-staging");
  fs::remove_all(staging, ec);
  fs::create_directory(staging, ec);
  if (ec) throw InputError(staging.string(), "", "cannot create the staging folder: " + ec.message());
  struct RemoveStaging {
    fs::path p;
    ~RemoveStaging() { std::error_code e; fs::remove_all(p, e); }
  } cleanup{staging};
  auto staged = [&](std::string_view name) { return (staging / name).string(); };
  std::vector<std::string> names;
  if (out.population) names.emplace_back(kAgentsFile);
  for (const std::string_view n : kRunOutputFiles) names.emplace_back(n);
  write_timeseries_csv(staged(kTimeseriesFile), out.timeseries, out.summary.persons_per_agent);
  static const City kNoCity;
  write_file_atomically(staged(kStationsFile), stations_csv(out.station_fronts, (out.city ? *out.city : kNoCity).stations));
  if (out.population) {
    write_agents_csv(staged(kAgentsFile), *out.population, out.city ? *out.city : kNoCity, out.agents,
                     out.quake_clock_s);
  }
  write_results_gpkg(staged(kResultsGpkgFile), *out.network, out.city, out.edges, out.facilities);
  write_command_log(staged(kCommandLogFile), out.commands);
  write_text_file(staged(kScenarioFile), out.scenario_toml);
  write_peak_density_png(staged(kPeakDensityPngFile), *out.network, out.city, out.edges, 1600,
                         peak_density_caption(out));
  write_summary_json(staged(kSummaryFile), out.summary, out.scenario_name, out.kitaku_version, names);
  std::string manifest;
  for (const std::string& n : names) manifest += sha256_file(staged(n)) + "  " + n + "\n";

  // 2. Swap: until the new manifest lands the folder must not look finished, so the
  // old manifest and summary.json go first and the new summary.json is moved last.
  for (const std::string_view n : {kManifestFile, kSummaryFile}) {
    fs::remove(at(n), ec);
    if (ec) throw InputError(at(n), "", "cannot remove the previous run's " + std::string(n) + ": " + ec.message());
  }
  for (const std::string& n : names) {
    fs::rename(staged(n), at(n), ec);
    if (ec) throw InputError(at(n), "", "cannot move the new file into place: " + ec.message());
  }
  // 3. The manifest, last: its presence with matching hashes marks a whole run.
  write_file_atomically(at(kManifestFile), manifest);
}

}  // namespace kitaku::geo
