#include "kitaku/ui/sim_runner.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <vector>

#include "kitaku/sim/error.hpp"

namespace kitaku::ui {
namespace {
using Clock = std::chrono::steady_clock;
double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
}  // namespace

// Snapshot buffers that nobody holds, for publish() to refill. A snapshot's last
// holder returns it here from the shared_ptr's deleter, on whatever thread drops
// it; publish() takes it out under the same mutex. That lock pair orders every
// read of the old contents before the refill. (Checking use_count() == 1 on a
// kept pointer, as before, did not: it is a relaxed load, and ThreadSanitizer
// reported the UI's reads racing with fill_snapshot's writes.) The pool outlives
// the runner while any snapshot is still held.
struct SimRunner::SnapshotPool {
  static constexpr std::size_t kKeep = 2;  // enough for steady publishing: the UI holds one, snap_ another
  std::mutex mu;
  std::vector<std::unique_ptr<Snapshot>> free;
};

std::size_t snapshot_bytes(const Snapshot& s) {
  const auto b = [](const auto& v) { return v.size() * sizeof(v[0]); };
  return sizeof(Snapshot) + b(s.edge_density) + b(s.edge_speed) + b(s.edge_closed) + b(s.edge_ge6_since_s) +
         b(s.rail_running_since_s) + b(s.facility_state) + b(s.facility_damaged) + b(s.facility_open_at_s) +
         b(s.facility_capacity) + b(s.facility_occupancy) + b(s.facility_reserved) + b(s.facility_full_since_s) +
         b(s.agent_x) + b(s.agent_y) + b(s.agent_state) + b(s.timeseries) + b(s.command_log);
}

SimRunner::SimRunner(std::unique_ptr<Simulation> sim, RunnerOptions options)
    : sim_(std::move(sim)), opt_(options), pool_(std::make_shared<SnapshotPool>()) {
  hist_interval_s_ = options.history_interval_s > 0 ? options.history_interval_s
                                                    : std::max<std::int64_t>(sim_->scenario().run.output_interval_s, 1);
  speed_.store(options.speed);
  playing_.store(options.start_playing);
  publish();
}

SimRunner::~SimRunner() {
  quit_.store(true);
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SimRunner::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { loop(); });
}

int SimRunner::advance(int n) {
  int taken = 0;
  while (taken < n && !sim_->done()) {
    sim_->step();
    ++taken;
  }
  publish();
  return taken;
}

std::string SimRunner::submit(Command c) {
  try {
    sim_->submit(std::move(c));
  } catch (const InputError& e) {
    return e.what();
  }
  return {};  // applied at the next step boundary, as in a headless run
}

void SimRunner::play() {
  playing_.store(true);
  wake_.notify_all();
}
void SimRunner::pause() { playing_.store(false); }
void SimRunner::step_once() {
  playing_.store(false);
  step_requests_.fetch_add(1);
  wake_.notify_all();
  if (!thread_.joinable()) {  // synchronous use
    step_requests_.store(0);
    advance(1);
  }
}
void SimRunner::set_speed(double x) {
  speed_.store(x < 0 ? 0 : x);
  wake_.notify_all();
}

std::shared_ptr<const Snapshot> SimRunner::latest() const {
  std::lock_guard<std::mutex> lock(snap_mu_);
  return snap_;
}

void SimRunner::publish() {
  // Reuse a buffer whose last holder has given it back, else make one.
  std::unique_ptr<Snapshot> buf;
  {
    std::lock_guard<std::mutex> lock(pool_->mu);
    if (!pool_->free.empty()) {
      buf = std::move(pool_->free.back());
      pool_->free.pop_back();
    }
  }
  if (!buf) buf = std::make_unique<Snapshot>();
  sim_->fill_snapshot(*buf, opt_.with_agents);
  buf->version = published_.load() + 1;
  published_time_ = buf->time_s;
  published_commands_ = buf->command_log.size();
  std::shared_ptr<const Snapshot> s(buf.release(), [pool = pool_](const Snapshot* p) {
    std::unique_ptr<Snapshot> back(const_cast<Snapshot*>(p));  // made non-const in publish()
    std::lock_guard<std::mutex> lock(pool->mu);
    if (pool->free.size() < SnapshotPool::kKeep) pool->free.push_back(std::move(back));
  });
  std::shared_ptr<const Snapshot> old;
  {
    std::lock_guard<std::mutex> lock(snap_mu_);
    old = std::move(snap_);
    snap_ = std::move(s);
  }
  old.reset();  // back to the pool now unless the UI still holds it (then when it drops it)
  published_.fetch_add(1);
  keep_history(latest());
}

void SimRunner::keep_history(std::shared_ptr<const Snapshot> s) {
  if (!s || s->time_s < hist_next_s_ || opt_.history_max == 0) return;
  std::lock_guard<std::mutex> lock(hist_mu_);
  if (!history_.empty() && history_.back()->time_s == s->time_s) return;
  hist_bytes_ += snapshot_bytes(*s);
  history_.push_back(std::move(s));
  // Over a bound: keep every other one (the first and the newest stay) and space
  // the next ones twice as far apart.
  while (history_.size() > 2 && (history_.size() > opt_.history_max || hist_bytes_ > opt_.history_bytes)) {
    std::vector<std::shared_ptr<const Snapshot>> kept;
    for (std::size_t i = 0; i < history_.size(); ++i)
      if (i % 2 == 0 || i + 1 == history_.size()) kept.push_back(history_[i]);
    history_.swap(kept);
    hist_interval_s_ *= 2;
    hist_bytes_ = 0;
    for (const auto& h : history_) hist_bytes_ += snapshot_bytes(*h);
  }
  hist_next_s_ = (history_.back()->time_s / hist_interval_s_ + 1) * hist_interval_s_;
}

std::vector<std::shared_ptr<const Snapshot>> SimRunner::history() const {
  std::lock_guard<std::mutex> lock(hist_mu_);
  return history_;
}

std::int64_t SimRunner::history_interval_s() const {
  std::lock_guard<std::mutex> lock(hist_mu_);
  return hist_interval_s_;
}

std::size_t SimRunner::history_bytes() const {
  std::lock_guard<std::mutex> lock(hist_mu_);
  return hist_bytes_;
}

void SimRunner::loop() {
  // The window comes first: the simulation thread (and the OpenMP workers it
  // starts, which inherit this) runs at a lower scheduling priority, so a busy
  // simulation slows itself rather than the frame rate. Linux: nice per thread.
  if (opt_.nice > 0) setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), opt_.nice);
  // Pacing: while playing at speed x, a step is taken once the wall clock since
  // play (or the last speed change) times x has caught up with simulated time; at
  // speed 0 steps run back to back. Snapshots go out at most publish_hz per second.
  auto wall0 = Clock::now();
  std::int64_t sim0 = sim_->time_s();
  auto last_publish = Clock::now();
  bool was_playing = false;
  double last_speed = speed_.load();
  while (!quit_.load()) {
    const bool play = playing_.load() && !sim_->done();
    const double speed = speed_.load();
    if ((play && !was_playing) || speed != last_speed) {
      wall0 = Clock::now();
      sim0 = sim_->time_s();
    }
    was_playing = play;
    last_speed = speed;
    if (step_requests_.load() > 0) {
      step_requests_.fetch_sub(1);
      if (!sim_->done()) sim_->step();
      publish();
      last_publish = Clock::now();
      continue;
    }
    bool stepped = false;
    if (play) {
      const double behind = speed <= 0 ? 1.0 : seconds(Clock::now() - wall0) * speed - static_cast<double>(sim_->time_s() - sim0);
      if (behind >= 0) {
        sim_->step();
        stepped = true;
      }
    }
    const auto now = Clock::now();
    if (stepped && seconds(now - last_publish) >= 1.0 / opt_.publish_hz) {
      publish();
      last_publish = now;
    }
    if (stepped) continue;
    // Nothing due: publish what the UI has not seen, then sleep until the next
    // step is due or a control changes.
    if (published_time_ != sim_->time_s() || published_commands_ != sim_->command_log().size()) {
      publish();
      last_publish = Clock::now();
    }
    double wait_s = 0.05;
    if (play && speed > 0) {
      const double due = static_cast<double>(sim_->time_s() - sim0) / speed - seconds(Clock::now() - wall0);
      wait_s = std::clamp(due, 0.0005, 0.05);
    }
    std::unique_lock<std::mutex> lock(wake_mu_);
    if (quit_.load() || step_requests_.load() > 0) continue;
    wake_.wait_for(lock, std::chrono::duration<double>(wait_s));
  }
}

}  // namespace kitaku::ui
