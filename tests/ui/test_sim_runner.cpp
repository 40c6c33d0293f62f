#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "kitaku/ui/areas.hpp"
#include "kitaku/ui/i18n.hpp"
#include "ui_harness.hpp"

using namespace kitaku;

TEST_CASE("SimRunner steps on demand and publishes consistent snapshots") {
  test::UiHarness h;
  auto s0 = h.runner.latest();
  REQUIRE(s0);
  CHECK(s0->time_s == 0);
  CHECK(s0->has_agents);
  CHECK(s0->agent_x.size() == s0->agent_state.size());
  CHECK(s0->edge_density.size() == h.net.edge_count());
  CHECK(s0->facility_state.size() == 2);
  CHECK(h.advance(12) == 12);
  auto s1 = h.runner.latest();
  CHECK(s1->time_s == 60);
  CHECK(s0->time_s == 0);  // an old snapshot the UI holds is never changed under it
  std::int64_t sum = 0;
  for (auto v : s1->row.state) sum += v;
  CHECK(sum == s1->row.agents);
}

TEST_CASE("SimRunner's thread plays at the chosen speed, pauses and single-steps") {
  auto sc = test::ui_grid_scenario();
  sc.run.duration_h = 100;  // long enough that playing flat out cannot reach the end
  test::UiHarness h(sc);
  h.runner.set_speed(0);  // as fast as possible
  h.runner.start();
  h.runner.play();
  const auto t0 = std::chrono::steady_clock::now();
  while (h.runner.latest()->time_s < 600 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  h.runner.pause();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto paused_at = h.runner.latest()->time_s;
  CHECK(paused_at >= 600);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(h.runner.latest()->time_s == paused_at);  // paused: time stands still
  h.runner.step_once();
  const auto t1 = std::chrono::steady_clock::now();
  while (h.runner.latest()->time_s == paused_at && std::chrono::steady_clock::now() - t1 < std::chrono::seconds(10))
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  CHECK(h.runner.latest()->time_s == paused_at + h.scenario.run.step_s);
  // x60: about 60 simulated seconds per wall second.
  h.runner.set_speed(60);
  const auto before = h.runner.latest()->time_s;
  h.runner.play();
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  h.runner.pause();
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  const auto advanced = h.runner.latest()->time_s - before;
  CHECK(advanced >= 30);
  CHECK(advanced <= 120);
}

TEST_CASE("a command sent from the UI takes effect at the next step and is logged") {
  test::UiHarness h;
  h.advance(1);
  CHECK(h.ctx.send(test::make_command(CommandType::kDamageFacility, 1)));
  h.advance(1);
  auto s = h.runner.latest();
  REQUIRE(s->command_log.size() == 1);
  CHECK(s->command_log[0].source == "operator");
  CHECK(s->facility_damaged[1] == 1);
  CHECK(s->facility_state[1] == FacilityState::kClosed);
  // A damaged facility cannot be reopened.
  CHECK(h.ctx.send(test::make_command(CommandType::kOpenFacility, 1)));
  h.advance(1);
  CHECK(h.runner.latest()->facility_state[1] == FacilityState::kClosed);
  // A bad command is refused with a reason, and nothing is queued.
  CHECK_FALSE(h.ctx.send(test::make_command(CommandType::kCloseFacility, 7)));
  CHECK(h.ctx.status.find("facility 7 does not exist") != std::string::npos);
}

TEST_CASE("closing an area closes the edges within it and reopening restores them") {
  test::UiHarness h;
  CHECK(h.ctx.send(test::area_command(CommandType::kCloseArea, 400, 400, 60)));
  h.advance(1);
  auto s = h.runner.latest();
  int closed = 0;
  for (auto c : s->edge_closed) closed += c;
  CHECK(closed == 4);  // the four streets meeting at the centre node
  CHECK(h.ctx.send(test::area_command(CommandType::kReopenArea, 400, 400, 60)));
  h.advance(1);
  closed = 0;
  for (auto c : h.runner.latest()->edge_closed) closed += c;
  CHECK(closed == 0);
}

TEST_CASE("the harness clicks a marked button as a user would") {
  test::UiHarness h;
  int pressed = 0;
  auto draw = [&] {
    if (ImGui::Button("Press me")) ++pressed;
    h.ctx.mark("button");
  };
  h.click("button", draw);
  CHECK(pressed == 1);
}

TEST_CASE("clock and areas") {
  test::UiHarness h;
  h.scenario.quake.clock_s = 14 * 3600 + 46 * 60;
  CHECK(h.ctx.clock_text(0) == "day 1 14:46");
  CHECK(h.ctx.clock_text(10 * 3600) == "day 2 00:46");
  CHECK(ui::DashboardContext::since_quake_text(2 * 3600 + 5 * 60) == "+2:05");
  const auto g = ui::AreaGrid::for_network(h.net);
  CHECK(g.cell_m == 250);
  CHECK(g.nx == 4);
  CHECK(g.label(g.cell_of(0, 800)) == "A1");
  CHECK(g.label(g.cell_of(800, 0)) == "D4");
  ui::set_language(ui::Lang::kJapanese);
  CHECK(std::string(ui::L("Open", "開設")) == "開設");
  ui::set_language(ui::Lang::kEnglish);
}

TEST_CASE("the sim thread uses the run's thread count and gives the same result as stepping inline") {
  // OpenMP's thread count is per calling thread: a Simulation built on one thread
  // and stepped on the runner's must still use its own count (this crashed once).
  const auto sc = test::ui_grid_scenario();
  const Network net(test::grid_network(9, 100.0, 4.0f));
  const City city = test::ui_grid_city();
  for (const int threads : {1, 2}) {
    RunConfig rc;
    rc.threads = threads;
    rc.parallel_min_walkers = 0;  // threads even for a few walkers
    ui::RunnerOptions ro;
    ro.speed = 0;
    ui::SimRunner runner(std::make_unique<Simulation>(net, city, sc, rc), ro);
    runner.start();
    runner.play();
    const auto t0 = std::chrono::steady_clock::now();
    while (!runner.latest()->done && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(120))
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto threaded = runner.latest();
    REQUIRE(threaded->done);

    Simulation inline_sim(net, city, sc, RunConfig{});
    inline_sim.run();
    const auto& rows = inline_sim.timeseries();
    REQUIRE(rows.size() == threaded->timeseries.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      CAPTURE(i);
      CHECK(rows[i].state == threaded->timeseries[i].state);
      CHECK(rows[i].persons_ge4 == threaded->timeseries[i].persons_ge4);
    }
  }
}

TEST_CASE("the UI thread reads snapshots and submits commands while the sim thread plays") {
  // What the dashboard does every frame, from its own thread: read the newest
  // snapshot through and through, and now and then send a command or touch the
  // time controls, while the sim thread steps and publishes. Under scripts/tsan.sh
  // this is the UI-thread/sim-thread interaction ThreadSanitizer checks.
  auto sc = test::ui_grid_scenario();
  sc.run.duration_h = 100;
  const Network net(test::grid_network(9, 100.0, 4.0f));
  const City city = test::ui_grid_city();
  RunConfig rc;
  rc.threads = 2;
  rc.parallel_min_walkers = 0;
  ui::RunnerOptions ro;
  ro.speed = 0;
  ro.publish_hz = 1000;  // publish (and recycle buffers) as often as it can
  ui::SimRunner runner(std::make_unique<Simulation>(net, city, sc, rc), ro);
  runner.start();
  runner.play();
  int sent = 0, frame = 0;
  std::int64_t last_time = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (; std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(1500); ++frame) {
    const auto s = runner.latest();
    // Read it all, as the panels do; a snapshot never changes while it is held.
    const std::int64_t time_s = s->time_s;
    CHECK(time_s >= last_time);
    last_time = time_s;
    double sum = 0;
    for (float x : s->agent_x) sum += x;
    for (float d : s->edge_density) sum += d;
    for (auto c : s->edge_closed) sum += c;
    for (const auto& c : s->command_log) sum += static_cast<double>(c.time_s);
    std::int64_t agents = 0;
    for (auto v : s->row.state) agents += v;
    CHECK(agents == s->row.agents);
    CHECK(s->time_s == time_s);
    CHECK(sum >= 0);
    if (frame % 10 == 0) {
      const auto type = (sent % 2 == 0) ? CommandType::kCloseArea : CommandType::kReopenArea;
      CHECK(runner.submit(test::area_command(type, 400, 400, 60)).empty());
      ++sent;
    }
    if (frame % 25 == 0) runner.set_speed(frame % 50 == 0 ? 0 : 3600);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  runner.pause();
  // Every command sent is applied within a step or two of being sent.
  const auto t1 = std::chrono::steady_clock::now();
  runner.step_once();
  runner.step_once();
  while (runner.latest()->command_log.size() < static_cast<std::size_t>(sent) &&
         std::chrono::steady_clock::now() - t1 < std::chrono::seconds(30))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(runner.latest()->command_log.size() == static_cast<std::size_t>(sent));
  CHECK(frame > 10);
  CHECK(runner.latest()->time_s > 0);
}
