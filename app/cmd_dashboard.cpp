// kitaku dashboard [SCENARIO]: the operations dashboard (docs/dashboard.md). Loads
// the scenario like `kitaku run`, starts the simulation on its own thread, and
// opens a GLFW window with the Dear ImGui panels. Headless helpers:
//   --screenshot OUT.png --frames N   render N frames, save the last, exit
//   --bench-frames N                  render N frames flat out, print mean/p95
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "commands.hpp"
#include "seed_option.hpp"
#include "format.hpp"
#include "kitaku/geo/city_loader.hpp"
#include "kitaku/geo/run_folder.hpp"
#include "kitaku/sim/error.hpp"
#include "kitaku/sim/progress.hpp"
#include "kitaku/sim/scenario.hpp"
#include "kitaku/sim/simulation.hpp"
#include "kitaku/ui/areas.hpp"
#include "kitaku/ui/backend.hpp"
#include "kitaku/ui/context.hpp"
#include "kitaku/ui/dashboard.hpp"
#include "kitaku/ui/fonts.hpp"
#include "kitaku/ui/i18n.hpp"
#include "kitaku/ui/screenshot.hpp"
#include "kitaku/ui/sim_runner.hpp"

namespace kitaku::app {
namespace {

struct DashOptions {
  std::string scenario;
  int threads = 0;
  std::int64_t seed = -1;
  std::string replay;
  std::vector<std::string> sets;  // --set KEY=VALUE
  int width = 1600, height = 900;
  std::string screenshot;
  int frames = 0;
  int bench_frames = 0;
  double speed = 60;
  bool play = false;
  double advance_min = 0;
  std::string select_area;  // an allocation area's label ("J10", "中央区", "銀座")
  std::string area_mode = "grid";  // grid, ward or station
  std::string lang;  // empty: the saved view's, else en
  float ui_scale = 0;  // 0: the saved view's
  std::string tab = "facilities";
  bool no_vsync = false;
  double refresh_hz = 0;  // 0: by size
  std::string kpi_tab, drill_tab;
  double map_zoom = 1;
  std::int64_t select_facility = -1;
  std::string compare_a, compare_b;  // run folders for the after-action comparison
};

void dashboard(const DashOptions& o) {
  const Scenario sc = load_run_scenario(o.scenario, o.seed, o.replay, o.sets);
  if (!o.screenshot.empty() && o.frames <= 0)
    throw InputError("--screenshot", "", "needs --frames N (how many frames to render first)");
  const auto unset = [](const char* v) { return !std::getenv(v) || !*std::getenv(v); };
  if (unset("DISPLAY") && unset("WAYLAND_DISPLAY"))  // fail before the long load
    throw InputError("dashboard", "", "cannot open a window: no display (DISPLAY is not set); on a server run it "
                                      "under xvfb-run, or use `kitaku run` for a headless run");
  std::printf("Kitaku %s | dashboard | scenario: %s (%s)\n", KITAKU_VERSION, sc.name.c_str(), sc.origin.c_str());
  std::fflush(stdout);

  geo::LoadedCity lc;
  {
    ProgressBar bar("loading city");
    lc = geo::load_city(sc, bar.fn());
  }
  for (const std::string& w : lc.report.warnings) std::printf("  WARNING: %s\n", w.c_str());
  const Network& net = lc.network.network;
  RunConfig cfg;
  cfg.seed = sc.seed;
  cfg.threads = o.threads;
  auto sim = std::make_unique<Simulation>(net, lc.city, sc, cfg);
  std::printf("  %s edges, %zu facilities, %s agents (%.2f people each)\n",
              thousands(static_cast<double>(net.edge_count())).c_str(), lc.city.facilities.size(),
              thousands(static_cast<double>(sim->agent_count())).c_str(), sim->population().persons_per_agent);
  std::fflush(stdout);
  ui::RunnerOptions ro;
  ro.speed = o.speed;
  // Each snapshot repaints the map's road and crowd layers (tens of ms for a
  // million-edge city, on a worker thread); a big city refreshes less often so
  // the frame rate holds while the simulation plays (docs/PERFORMANCE.md).
  const bool big = net.edge_count() > 300000 || sim->agent_count() > 300000;
  ro.publish_hz = o.refresh_hz > 0 ? o.refresh_hz : big ? 4 : 15;
  ui::SimRunner runner(std::move(sim), ro);
  std::printf("  map refresh %g Hz while playing\n", ro.publish_hz);
  std::fflush(stdout);
  if (o.advance_min > 0) {
    const int steps = static_cast<int>(std::ceil(o.advance_min * 60 / sc.run.step_s));
    ProgressBar bar("advancing " + fmt("%g", o.advance_min) + " min");
    for (int done = 0; done < steps;) {
      const int n = runner.advance(std::min(50, steps - done));
      if (n == 0) break;
      done += n;
      bar.update(static_cast<double>(done) / steps);
    }
  }
  const City& city = runner.simulation().city();

  ui::WindowOptions wo;
  wo.width = o.width;
  wo.height = o.height;
  wo.title = "Kitaku — " + sc.name;
  wo.vsync = !(o.no_vsync || o.bench_frames > 0 || !o.screenshot.empty());
  wo.ignore_mouse = o.bench_frames > 0 || !o.screenshot.empty();
  std::unique_ptr<ui::Backend> backend;
  try {
    backend = ui::make_glfw_backend(wo);
  } catch (const std::exception& e) {
    throw InputError("dashboard", "", e.what());
  }
  std::vector<std::string> names;
  for (const auto& f : city.facilities) names.push_back(f.name + f.area);
  for (const auto& s : city.stations) names.push_back(s.name);
  const ui::FontReport font = ui::load_fonts(names);
  if (!font.cjk) std::fprintf(stderr, "kitaku: warning: %s\n", font.message.c_str());
  // The saved view (UI scale, language); the command line overrides it.
  ui::DashboardOptions dopt;
  dopt.view_path = ui::view_settings_path();
  if (!dopt.view_path.empty()) {
    std::string error;
    if (!ui::load_view_settings(dopt.view_path, dopt.view, &error))
      throw InputError(dopt.view_path, "", error + " (fix or delete the file)");
  }
  if (o.ui_scale > 0) dopt.view.ui_scale = o.ui_scale;
  const std::string lang = !o.lang.empty() ? o.lang : !dopt.view.lang.empty() ? dopt.view.lang : "en";
  ui::set_language(lang == "ja" ? ui::Lang::kJapanese : ui::Lang::kEnglish);

  ui::DashboardContext ctx(runner.simulation().scenario(), net, city, runner, *backend);
  dopt.tab = o.tab;
  dopt.run_loader = [](const std::string& dir) { return geo::read_run_folder(dir); };
  dopt.compare_a = o.compare_a;
  dopt.compare_b = o.compare_b;
  ui::Dashboard dash(ctx, dopt);
  dash.set_font_report(font);
  dash.panels_kpi_tab(o.kpi_tab);
  if (!o.drill_tab.empty()) dash.panels_drill_tab(o.drill_tab);  // else --compare's After action, if given
  if (o.select_facility >= 0) {
    if (static_cast<std::size_t>(o.select_facility) >= city.facilities.size())
      throw InputError("--select-facility", "", "facility " + std::to_string(o.select_facility) + " does not exist (" +
                                                   std::to_string(city.facilities.size()) + " facilities)");
    ctx.selected_facility = make_id<ShelterId>(static_cast<std::uint64_t>(o.select_facility));
    ctx.centre_request = true;
    ctx.centre_on = city.facilities[static_cast<std::size_t>(o.select_facility)].pos;
  }
  if (o.area_mode == "ward") ctx.set_area_mode(ui::AreaMode::kWard);
  else if (o.area_mode == "station") ctx.set_area_mode(ui::AreaMode::kStation);
  if (!ctx.areas().available())
    throw InputError("--area-mode", "", o.area_mode + ": this city has no " +
                                            (o.area_mode == "ward" ? "facility with a ward" : "stations"));
  if (!o.select_area.empty()) {
    const ui::Areas& areas = ctx.areas();
    const int found = areas.find(o.select_area);
    if (found < 0)
      throw InputError("--select-area", "", "no " + o.area_mode + " area " + o.select_area + " (areas run from " +
                                               areas.label(0) + " to " + areas.label(areas.count() - 1) + ")");
    ctx.selected_area = found;
    ctx.centre_request = true;
    ctx.centre_on = areas.centre(found);
  }
  runner.start();
  if (o.play) runner.play();

  using Clock = std::chrono::steady_clock;
  const std::int64_t sim_start = runner.latest()->time_s;
  const auto wall_start = Clock::now();
  std::vector<double> frame_ms;
  auto last = Clock::now();
  int frame = 0;
  const int limit = o.bench_frames > 0 ? o.bench_frames : o.frames;
  bool capture = false;
  std::string capture_path;
  while (backend->begin_frame()) {
    if (frame == 2 && o.map_zoom != 1) dash.zoom_map(o.map_zoom);  // after the first frames fitted it
    dash.Draw();
    backend->end_frame();
    const auto now = Clock::now();
    if (frame > 0) frame_ms.push_back(std::chrono::duration<double, std::milli>(now - last).count());
    last = now;
    ++frame;
    std::string shot;
    if (dash.take_screenshot_request(shot)) {
      capture = true;
      capture_path = shot;
    }
    if (!o.screenshot.empty() && frame == limit) {
      capture = true;
      capture_path = o.screenshot;
    }
    if (capture) {
      std::vector<std::uint8_t> px;
      int w = 0, h = 0;
      if (backend->read_pixels(px, w, h)) {  // the frame after the request
        std::string err;
        if (!ui::save_png(capture_path, px, w, h, &err)) throw InputError(capture_path, "", err);
        ctx.status = "saved " + capture_path;
        std::printf("  screenshot %s (%dx%d)\n", capture_path.c_str(), w, h);
        capture = false;
        if (!o.screenshot.empty() && capture_path == o.screenshot) break;
      }
    }
    if (o.bench_frames > 0 && frame >= limit) break;
  }
  runner.pause();
  if (o.bench_frames > 0 && !frame_ms.empty()) {
    // The first frames build the font texture and the first map raster: skip a tenth.
    std::vector<double> v(frame_ms.begin() + static_cast<std::ptrdiff_t>(frame_ms.size() / 10), frame_ms.end());
    std::sort(v.begin(), v.end());
    const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    const double p95 = v[std::min(v.size() - 1, static_cast<std::size_t>(0.95 * static_cast<double>(v.size())))];
    const double wall = std::chrono::duration<double>(Clock::now() - wall_start).count();
    const auto simulated = runner.latest()->time_s - sim_start;
    std::printf("frames %zu at %dx%d: mean %.2f ms (%.1f fps), p95 %.2f ms; meanwhile the simulation ran %lld s "
                "in %.1f s (x%.0f, asked x%g), now %s\n",
                v.size(), backend->width(), backend->height(), mean, 1000.0 / mean, p95,
                static_cast<long long>(simulated), wall, static_cast<double>(simulated) / wall,
                o.play ? o.speed : 0.0, ctx.clock_text(runner.latest()->time_s).c_str());
  }
}

}  // namespace

void add_dashboard_command(CLI::App& app) {
  auto o = std::make_shared<DashOptions>();
  auto* cmd = app.add_subcommand("dashboard", "Open the operations dashboard on a scenario (default: the embedded one)");
  cmd->add_option("scenario", o->scenario, "Scenario TOML file (docs/scenario-format.md)")->check(CLI::ExistingFile);
  cmd->add_option("--threads,-t", o->threads, "OpenMP threads for the simulation (default: all cores)")
      ->check(CLI::Range(0, 1024));
  add_seed_option(*cmd, "--seed,-s", o->seed, "Random seed, 0 to 2^63 - 1 (default: the scenario's)");
  cmd->add_option("--replay", o->replay, "Replay a saved drill log / commands.log")->check(CLI::ExistingFile);
  add_set_option(*cmd, o->sets);
  cmd->add_option("--width", o->width, "Window width in pixels")->capture_default_str()->check(CLI::Range(320, 8192));
  cmd->add_option("--height", o->height, "Window height in pixels")->capture_default_str()->check(CLI::Range(240, 8192));
  cmd->add_option("--screenshot", o->screenshot, "Render --frames N frames, save the last as this PNG, and exit");
  cmd->add_option("--frames", o->frames, "Frames to render before --screenshot")->check(CLI::Range(1, 1000000));
  cmd->add_option("--bench-frames", o->bench_frames, "Render N frames flat out, print mean and p95 frame time, exit")
      ->check(CLI::Range(2, 1000000));
  cmd->add_option("--speed", o->speed, "Simulated seconds per wall second (0: as fast as possible)")
      ->capture_default_str()->check(CLI::Range(0.0, 1e6));
  cmd->add_flag("--play", o->play, "Start playing at once");
  cmd->add_option("--advance-min", o->advance_min, "Simulate this many minutes before the window opens")
      ->check(CLI::Range(0.0, 336.0 * 60));
  cmd->add_option("--lang", o->lang, "Language: en or ja (default: the saved view's, else en)")
      ->check(CLI::IsMember({"en", "ja"}));
  cmd->add_option("--ui-scale", o->ui_scale, "UI scale, 0.75 to 3 (default: the saved view's, else 1; A-/A+ in the window)")
      ->check(CLI::Range(0.75, 3.0));
  cmd->add_option("--tab", o->tab, "Operations tab shown first")
      ->check(CLI::IsMember({"facilities", "allocation", "drill", "network"}))->capture_default_str();
  cmd->add_option("--refresh-hz", o->refresh_hz,
                  "Snapshots per second while playing (default: 15, or 4 for cities over 300k edges or agents)")
      ->check(CLI::Range(0.2, 120.0));
  cmd->add_option("--kpi-tab", o->kpi_tab, "Situation tab shown first")
      ->check(CLI::IsMember({"now", "charts", "alerts", "export"}));
  cmd->add_option("--drill-tab", o->drill_tab, "Drill tab shown first")
      ->check(CLI::IsMember({"injects", "script", "log", "after"}));
  cmd->add_option("--map-zoom", o->map_zoom, "Zoom the map in by this factor about its centre (1: whole city)")
      ->check(CLI::Range(1.0, 10000.0));
  cmd->add_option("--select-facility", o->select_facility, "Select this facility (index) and centre the map on it")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--select-area", o->select_area,
                  "Select this allocation area (its label: J10, a ward such as 中央区, a station) and centre the map on it");
  cmd->add_option("--area-mode", o->area_mode, "How the allocation panel divides the city (default grid)")
      ->check(CLI::IsMember({"grid", "ward", "station"}));
  cmd->add_option("--compare", o->compare_a,
                  "A run folder (kitaku run --out) to compare in the After action view, as the baseline A")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--compare-with", o->compare_b, "The run folder B compared with --compare's A (B - A)")
      ->check(CLI::ExistingDirectory);
  cmd->add_flag("--no-vsync", o->no_vsync, "Do not wait for the display between frames");
  cmd->callback([o] { dashboard(*o); });
}

}  // namespace kitaku::app
