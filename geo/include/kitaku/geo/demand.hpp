#pragma once
// Explicit demand ([population] source = "trips" or "crowdwalk"): trips files (CSV,
// GeoPackage, GeoJSON point layers), CrowdWalk generation files, and SUMO pedestrian
// trips converted to a trips CSV (docs/scenario-format.md, "Trips"; docs/crowdwalk.md).
#include <cstdint>
#include <string>
#include <vector>

#include "kitaku/sim/city.hpp"
#include "kitaku/sim/network.hpp"

namespace kitaku::geo {

/// How trips are read.
struct TripOptions {
  double persons_per_agent = 1;     // a row's persons must be a whole number of agents
  std::int64_t quake_clock_s = 0;   // local time of the quake: clock departures count from it
  double origin_snap_max_m = 500;   // an origin farther than this from the network is an error
};

/// Reads a trips file into trips in `net`'s CRS. Columns (case-insensitive):
/// origin_lon, origin_lat (or a point geometry), dest_lon, dest_lat or home_km,
/// departure_s (seconds after the quake) or departure (local clock "HH:MM[:SS]"),
/// persons (default 1) and group (optional integer). Throws InputError naming the
/// file, the row and line, the column and the problem.
std::vector<Trip> load_trips(const std::string& path, const Network& net, const TripOptions& options);

/// Reads a CrowdWalk generation file (`*.gen.json`, version 2, or a `*.genDist.json`
/// distribution) for the CrowdWalk map `map_path` (in its coordinates, as
/// read_crowdwalk_map gives them), one trip per CrowdWalk agent: agents
/// start on the links or at the nodes with the start tag, from the start time over
/// the duration, and walk to the links or nodes with the goal tag (docs/crowdwalk.md).
/// `seed` places agents on links and draws the genDist variant's Gaussians.
std::vector<Trip> load_crowdwalk_generation(const std::string& path, const std::string& map_path,
                                            const TripOptions& options, std::uint64_t seed);

/// One SUMO pedestrian trip: a <person> with a <walk> or <personTrip> from edge to
/// edge (or a <trip>), resolved to lon/lat at the middle of the edges (docs/cli.md,
/// "kitaku demand from-sumo").
struct SumoTrip {
  std::string id;
  double depart_s = 0;
  double from_lon = 0, from_lat = 0, to_lon = 0, to_lat = 0;
};

/// Reads SUMO routes (randomTrips.py --pedestrians output) against its net.xml.
/// Throws InputError naming the file, the element and the problem.
std::vector<SumoTrip> read_sumo_trips(const std::string& routes_path, const std::string& net_path);

/// trips CSV text (origin_lon,origin_lat,dest_lon,dest_lat,departure_s,persons,group).
std::string trips_csv(const std::vector<SumoTrip>& trips);

}  // namespace kitaku::geo
