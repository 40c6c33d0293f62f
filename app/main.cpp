// kitaku: the command-line front end. Thin: parsing and printing only; the work
// is in kitaku::geo and kitaku::sim.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "commands.hpp"
#include "kitaku/sim/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Kitaku (帰宅): stranded-commuter simulator and operations dashboard"};
  app.set_version_flag("--version", KITAKU_VERSION);
  app.require_subcommand(0, 1);
  kitaku::app::add_run_command(app);
  kitaku::app::add_network_command(app);
  kitaku::app::add_synth_command(app);
  kitaku::app::add_facilities_command(app);
  kitaku::app::add_sweep_command(app);
  kitaku::app::add_rerun_command(app);
  kitaku::app::add_compare_command(app);
  kitaku::app::add_report_command(app);
  kitaku::app::add_calibrate_command(app);
  kitaku::app::add_demand_command(app);
#ifdef KITAKU_WITH_UI
  kitaku::app::add_dashboard_command(app);
#endif
  try {
    app.parse(argc, argv);
    if (app.get_subcommands().empty()) {
      // No subcommand: the main job on the embedded default scenario.
      app.parse(std::string("run"), false);
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const kitaku::app::ExitQuietly& e) {
    return e.code;
  } catch (const kitaku::app::Interrupted& e) {
    std::fprintf(stderr, "kitaku: %s\n", e.what());
    return 130;
  } catch (const kitaku::InputError& e) {
    std::fprintf(stderr, "kitaku: error: %s\n", kitaku::printable(e.what()).c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kitaku: error: %s\n", kitaku::printable(e.what()).c_str());
    return 2;
  }
  return 0;
}
