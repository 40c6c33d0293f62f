#include "kitaku/ui/after_action.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace kitaku::ui {

std::vector<TimeseriesRow> rows_until(const std::vector<TimeseriesRow>& recorded, const TimeseriesRow& now) {
  std::vector<TimeseriesRow> out;
  out.reserve(recorded.size() + 1);
  for (const TimeseriesRow& r : recorded)
    if (r.time_s < now.time_s) out.push_back(r);
  out.push_back(now);
  return out;
}


bool write_text_atomically(const std::string& path, std::string_view text, std::string* error) {
  namespace fs = std::filesystem;
  const auto fail = [&](const std::string& why) {
    if (error) *error = path + ": " + why;
    return false;
  };
  if (path.empty()) return fail("no file name given");
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return fail("cannot create " + tmp);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) {
      out.close();
      std::error_code ignored;
      fs::remove(tmp, ignored);
      return fail("cannot write " + tmp);
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return fail("cannot rename " + tmp + ": " + ec.message());
  }
  if (error) error->clear();
  return true;
}

AfterActionFigures after_action_figures(const std::vector<TimeseriesRow>& rows, const TimeseriesRow& now,
                                        double persons_per_agent) {
  const double w = persons_per_agent;
  const auto persons = [&](const TimeseriesRow& r, AgentState s) {
    return static_cast<double>(r.state[static_cast<std::size_t>(s)]) * w;
  };
  AfterActionFigures f;
  f.time_s = now.time_s;
  const TimeseriesRow* prev = nullptr;
  const auto sample = [&](const TimeseriesRow& r) {
    if (prev) {
      const double minutes = static_cast<double>(r.time_s - prev->time_s) / 60.0;
      f.person_minutes_ge6 += r.persons_ge6 * minutes;
      f.person_minutes_ge4 += r.persons_ge4 * minutes;
    }
    f.peak_km_ge6 = std::max(f.peak_km_ge6, r.km_ge6);
    f.peak_sheltered = std::max(f.peak_sheltered, r.persons_sheltered);
    f.peak_unsheltered_stranded = std::max(
        f.peak_unsheltered_stranded, persons(r, AgentState::kUnsheltered) + persons(r, AgentState::kToFacility));
    prev = &r;
  };
  for (const TimeseriesRow& r : rows)
    if (r.time_s < now.time_s) sample(r);
  sample(now);
  f.arrived_home = persons(now, AgentState::kArrivedHome);
  f.unsheltered_now = persons(now, AgentState::kUnsheltered);
  f.sheltered_now = now.persons_sheltered;
  return f;
}

// ---------------------------------------------------------------- BaselineRun

BaselineRun::~BaselineRun() { cancel(); }

void BaselineRun::join() {
  if (thread_.joinable()) thread_.join();
}

void BaselineRun::cancel() {
  stop_.store(true);
  join();
  if (status() == Status::kRunning) status_.store(static_cast<int>(Status::kCancelled), std::memory_order_release);
}

std::string BaselineRun::error() const {
  std::lock_guard<std::mutex> lock(error_mu_);
  return error_;
}

void BaselineRun::start(const Network& net, const City& city, const Scenario& scenario, std::int64_t until_s) {
  cancel();
  stop_.store(false);
  progress_.store(0);
  until_s_ = until_s;
  {
    std::lock_guard<std::mutex> lock(error_mu_);
    error_.clear();
  }
  status_.store(static_cast<int>(Status::kRunning), std::memory_order_release);
  // The scenario as loaded: its scripted [[command]]s are the only commands.
  thread_ = std::thread([this, &net, city, scenario, until_s]() mutable {
    try {
      RunConfig cfg;
      cfg.seed = scenario.seed;
      cfg.threads = 1;
      Simulation sim(net, std::move(city), scenario, cfg);
      const double target = static_cast<double>(std::max<std::int64_t>(until_s, 1));
      while (sim.time_s() < until_s && !sim.done()) {
        if (stop_.load(std::memory_order_relaxed)) {
          status_.store(static_cast<int>(Status::kCancelled), std::memory_order_release);
          return;
        }
        sim.step();
        progress_.store(std::min(1.0, static_cast<double>(sim.time_s()) / target), std::memory_order_relaxed);
      }
      summary_ = sim.summary();
      final_row_ = sim.current_row();
      rows_ = sim.timeseries();
      progress_.store(1.0);
      status_.store(static_cast<int>(Status::kDone), std::memory_order_release);
    } catch (const std::exception& e) {
      {
        std::lock_guard<std::mutex> lock(error_mu_);
        error_ = e.what();
      }
      status_.store(static_cast<int>(Status::kFailed), std::memory_order_release);
    }
  });
}

}  // namespace kitaku::ui
