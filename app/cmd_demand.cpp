// kitaku demand from-sumo ROUTES.xml --net NET.xml OUT.csv: SUMO pedestrian trips
// (randomTrips.py --pedestrians) as a trips CSV for [population] source = "trips"
// (docs/cli.md, "kitaku demand").
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "commands.hpp"
#include "kitaku/geo/demand.hpp"
#include "kitaku/geo/results.hpp"
#include "kitaku/sim/error.hpp"

namespace kitaku::app {
namespace {

struct FromSumoArgs {
  std::string routes, net, out;
};

void run_from_sumo(const FromSumoArgs& a) {
  if (!a.out.ends_with(".csv")) throw InputError(a.out, "", "the output must be a CSV file (.csv)");
  const auto trips = geo::read_sumo_trips(a.routes, a.net);
  geo::write_text_file(a.out, geo::trips_csv(trips));
  double last = 0;
  for (const auto& t : trips) last = std::max(last, t.depart_s);
  std::printf("wrote %s: %zu trips departing from 0 to %.0f s (SUMO's time 0 is the quake)\n", a.out.c_str(),
              trips.size(), last);
}

}  // namespace

void add_demand_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("demand", "Convert demand from other simulators into a Kitaku trips file");
  cmd->require_subcommand(1);
  auto args = std::make_shared<FromSumoArgs>();
  CLI::App* sumo = cmd->add_subcommand(
      "from-sumo", "SUMO pedestrian trips (randomTrips.py --pedestrians: <person> with <walk>/<personTrip>, or <trip>) "
                   "to a trips CSV");
  sumo->add_option("ROUTES", args->routes, "SUMO routes or trips file (.rou.xml / .trips.xml)")
      ->required()->check(CLI::ExistingFile);
  sumo->add_option("--net", args->net, "the SUMO network the trips run on (.net.xml, geo-referenced)")
      ->required()->check(CLI::ExistingFile);
  sumo->add_option("OUT", args->out, "output trips CSV, written atomically")->required();
  sumo->callback([args] { run_from_sumo(*args); });
}

}  // namespace kitaku::app
