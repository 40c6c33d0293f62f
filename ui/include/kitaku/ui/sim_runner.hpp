#pragma once
// Runs a Simulation on its own thread and publishes Snapshots. The UI never
// blocks the simulation (it only swaps a shared pointer under a mutex held for a
// pointer copy) and the simulation never waits for the UI: it publishes at most
// `publish_hz` times per wall-clock second and otherwise keeps stepping.
// Snapshot buffers are recycled: the last holder of a snapshot (UI, a panel's
// worker or the runner) hands it back to a pool under a mutex held for a push,
// so the refill on the sim thread happens after every read of the old contents.
//
// Time controls: play / pause / single step, and a speed from x1 to x3600
// simulated seconds per wall second, or as fast as possible (speed 0).
//
// Commands go straight to Simulation::submit, which is thread-safe and applies
// them at the next step boundary; a refused command returns its reason.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kitaku/sim/simulation.hpp"
#include "kitaku/sim/snapshot.hpp"

namespace kitaku::ui {

/// What panels may ask of the simulation. SimRunner implements it; tests may fake it.
class Controller {
 public:
  virtual ~Controller() = default;
  /// Queues an operator command; returns "" or why it was refused.
  virtual std::string submit(Command c) = 0;
  virtual void play() = 0;
  virtual void pause() = 0;
  virtual bool playing() const = 0;
  /// Asks for exactly one step (pauses first).
  virtual void step_once() = 0;
  /// Simulated seconds per wall second; 0 = as fast as possible.
  virtual void set_speed(double x) = 0;
  virtual double speed() const = 0;
  /// The newest published snapshot (never null after construction).
  virtual std::shared_ptr<const Snapshot> latest() const = 0;
  /// Past snapshots kept for review, oldest first (the time slider); none by default.
  virtual std::vector<std::shared_ptr<const Snapshot>> history() const { return {}; }
};

struct RunnerOptions {
  double publish_hz = 15;    // snapshots per wall second while playing
  bool with_agents = true;   // include agent positions in snapshots
  double speed = 60;         // initial speed (0 = as fast as possible)
  bool start_playing = false;
  int nice = 10;             // scheduling niceness of the sim thread (0: as the UI)
  /// The review history (docs/dashboard.md, "Reviewing the past"): one snapshot per
  /// this much simulated time (0: the scenario's output interval), at most
  /// history_max of them and about history_bytes of memory. When either bound is
  /// reached, every other kept snapshot is dropped and the interval doubles, so the
  /// history always spans the whole run, more coarsely as it grows.
  std::int64_t history_interval_s = 0;
  std::size_t history_max = 288;
  std::size_t history_bytes = std::size_t{512} << 20;
};

/// About how many bytes a snapshot holds (its arrays).
std::size_t snapshot_bytes(const Snapshot& s);

class SimRunner final : public Controller {
 public:
  /// Takes the simulation; publishes a first snapshot at once.
  SimRunner(std::unique_ptr<Simulation> sim, RunnerOptions options = {});
  ~SimRunner() override;  // stops and joins the thread
  SimRunner(const SimRunner&) = delete;
  SimRunner& operator=(const SimRunner&) = delete;

  /// Starts the sim thread. Without it (tests), call advance() to step synchronously.
  void start();
  /// Synchronous stepping for tests and headless use (only when not started):
  /// runs up to n steps, then publishes. Returns the steps taken.
  int advance(int n);

  std::string submit(Command c) override;
  void play() override;
  void pause() override;
  bool playing() const override { return playing_.load(); }
  void step_once() override;
  void set_speed(double x) override;
  double speed() const override { return speed_.load(); }
  std::shared_ptr<const Snapshot> latest() const override;

  std::uint64_t snapshots_published() const { return published_.load(); }
  std::vector<std::shared_ptr<const Snapshot>> history() const override;
  /// The history's current spacing (simulated seconds) and size in bytes.
  std::int64_t history_interval_s() const;
  std::size_t history_bytes() const;
  const Simulation& simulation() const { return *sim_; }  // immutable parts only (network, city, scenario)

 private:
  void loop();
  void publish();
  void keep_history(std::shared_ptr<const Snapshot> s);

  std::unique_ptr<Simulation> sim_;
  RunnerOptions opt_;
  std::atomic<bool> playing_{false}, quit_{false};
  std::atomic<int> step_requests_{0};
  std::atomic<double> speed_{60};
  std::atomic<std::uint64_t> published_{0};
  mutable std::mutex snap_mu_;
  std::shared_ptr<const Snapshot> snap_;
  struct SnapshotPool;                  // buffers no one holds any more (sim_runner.cpp)
  std::shared_ptr<SnapshotPool> pool_;  // shared with the deleters of the snapshots handed out
  std::int64_t published_time_ = -1;
  std::size_t published_commands_ = 0;
  mutable std::mutex hist_mu_;
  std::vector<std::shared_ptr<const Snapshot>> history_;
  std::int64_t hist_interval_s_ = 300, hist_next_s_ = 0;
  std::size_t hist_bytes_ = 0;
  std::mutex wake_mu_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace kitaku::ui
