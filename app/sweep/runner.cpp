#include "sweep/runner.hpp"

#include <omp.h>
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <condition_variable>
#include <ctime>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "kitaku/geo/city_loader.hpp"
#include "kitaku/sim/error.hpp"
#include "run_job.hpp"
#include "sweep/sweep_dir.hpp"

namespace kitaku::app::sweep {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

// Message tags between rank 0 and the other ranks.
enum Tag : int {
  kRequest = 1,   // rank r -> 0: a worker of mine is free (empty)
  kAssign = 2,    // 0 -> rank r: run index, or empty: nothing left
  kResult = 3,    // rank r -> 0: a RunOutcome as JSON
  kFinished = 4,  // rank r -> 0: all my workers have stopped
};

std::string hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string outcome_json(const RunOutcome& o) {
  ojson j;
  j["index"] = o.index;
  j["ok"] = o.ok;
  j["stopped"] = o.stopped;
  j["summary_json"] = o.summary_json;
  j["error"] = o.error;
  j["wall_seconds"] = o.wall_seconds;
  j["rank"] = o.rank;
  j["host"] = o.host;
  return j.dump();
}

RunOutcome outcome_from_json(const std::string& text) {
  const ojson j = ojson::parse(text);
  RunOutcome o;
  o.index = j.at("index").get<std::size_t>();
  o.ok = j.at("ok").get<bool>();
  o.stopped = j.at("stopped").get<bool>();
  o.summary_json = j.at("summary_json").get<std::string>();
  o.error = j.at("error").get<std::string>();
  o.wall_seconds = j.at("wall_seconds").get<double>();
  o.rank = j.at("rank").get<int>();
  o.host = j.at("host").get<std::string>();
  return o;
}

// Each distinct city loaded once per process, shared by every run on it. A city
// no run holds any more is dropped when another is needed (the queue is grouped
// by city, so each city is needed in one stretch).
class CityCache {
 public:
  using CityPtr = std::shared_ptr<const geo::LoadedCity>;
  explicit CityCache(std::function<void(const std::string&)> note) : note_(std::move(note)) {}

  CityPtr get(const PlannedRun& run) {
    std::promise<CityPtr> promise;
    std::shared_future<CityPtr> future;
    bool load = false;
    {
      std::lock_guard lock(map_mutex_);
      auto it = cities_.find(run.city_key);
      if (it == cities_.end()) {
        for (auto e = cities_.begin(); e != cities_.end();) {
          const bool idle = e->second.wait_for(std::chrono::seconds(0)) == std::future_status::ready &&
                            !has_exception(e->second) && e->second.get().use_count() == 1;
          e = idle ? cities_.erase(e) : std::next(e);
        }
        future = promise.get_future().share();
        cities_.emplace(run.city_key, future);
        load = true;
      } else {
        future = it->second;
      }
    }
    if (load) {
      // One city load at a time: the loader's caches (network, synthetic city)
      // write files named by the process, not by the thread.
      std::lock_guard lock(load_mutex_);
      try {
        const auto t0 = Clock::now();
        auto city = std::make_shared<const geo::LoadedCity>(geo::load_city(run.scenario));
        char took[32];
        std::snprintf(took, sizeof took, " in %.1f s", seconds_since(t0));
        if (note_) note_("loaded the " + describe_city(run.scenario) + took);
        promise.set_value(std::move(city));
      } catch (...) {
        promise.set_exception(std::current_exception());
      }
    }
    return future.get();
  }

 private:
  static bool has_exception(const std::shared_future<CityPtr>& f) {
    try {
      f.get();
      return false;
    } catch (...) {
      return true;
    }
  }

  std::function<void(const std::string&)> note_;
  std::mutex map_mutex_, load_mutex_;
  std::map<std::string, std::shared_future<CityPtr>> cities_;
};

// Runs one planned run into DIR/runs/.<id>.partial, then renames it into place.
class Executor {
 public:
  Executor(const SweepPlan& plan, std::string dir, const ExecOptions& options, int rank,
           std::function<void(const std::string&)> note)
      : plan_(plan), dir_(std::move(dir)), options_(options), rank_(rank), host_(hostname()), cities_(std::move(note)) {}

  RunOutcome run(std::size_t index, std::atomic<double>& progress) {
    const PlannedRun& r = plan_.runs[index];
    RunOutcome out;
    out.index = index;
    out.rank = rank_;
    out.host = host_;
    const auto t0 = Clock::now();
    const std::string partial = partial_dir(dir_, r.id), final_dir = run_dir(dir_, r.id);
    std::error_code ec;
    try {
      const CityCache::CityPtr city = cities_.get(r);
      fs::remove_all(partial, ec);
      ensure_writable_dir(partial);  // the run's folder from its start: a killed run leaves it behind
      const std::string started = utc_now();
      omp_set_num_threads(options_.threads_per_run);
      JobOptions jo;
      jo.threads = options_.threads_per_run;
      jo.stop = options_.stop;
      jo.progress = [&progress](double f) { progress.store(f, std::memory_order_relaxed); };
      const JobResult res = run_job(r.scenario, *city, partial, jo);
      if (res.interrupted) {
        fs::remove_all(partial, ec);
        out.stopped = true;
        return out;
      }
      out.wall_seconds = seconds_since(t0);
      ojson j;
      j["sweep_id"] = plan_.id;
      j["sweep_name"] = plan_.name;
      j["run_id"] = r.id;
      j["point"] = r.point;
      ojson params = ojson::object();
      for (std::size_t a = 0; a < plan_.axes.size(); ++a) {
        const ParamValue& v = plan_.points[r.point][a];
        params[plan_.axes[a].key] = std::visit([](const auto& x) { return ojson(x); }, v.v);
      }
      j["params"] = params;
      j["seed"] = r.seed;
      j["seed_index"] = r.seed_index;
      j["threads"] = res.summary.threads;
      j["kitaku_version"] = kitaku_version();
      j["host"] = host_;
      j["rank"] = rank_;
      j["started_utc"] = started;
      j["finished_utc"] = utc_now();
      j["wall_seconds"] = out.wall_seconds;
      j["setup_seconds"] = res.setup_seconds;
      j["simulate_seconds"] = res.summary.wall_seconds;
      j["write_seconds"] = res.write_seconds;
      write_file_atomically((fs::path(partial) / "run.json").string(), j.dump(2) + "\n");
      fs::rename(partial, final_dir, ec);  // the run appears whole, or not at all
      if (ec) throw InputError(final_dir, "", "cannot move the finished run into place: " + ec.message());
      out.summary_json = read_file((fs::path(final_dir) / "summary.json").string());
      out.ok = true;
    } catch (const std::exception& e) {
      fs::remove_all(partial, ec);
      out.error = e.what();
      out.wall_seconds = seconds_since(t0);
      try {
        write_file_atomically(failed_file(dir_, r.id), out.error + "\n");
      } catch (const std::exception&) {
        // the outcome still carries the error to rank 0
      }
    }
    return out;
  }

 private:
  const SweepPlan& plan_;
  std::string dir_;
  ExecOptions options_;
  int rank_;
  std::string host_;
  CityCache cities_;
};

// `jobs` worker threads: each takes a run from `next` until it returns nothing.
class Workers {
 public:
  Workers(int jobs, Executor& exec, std::function<std::optional<std::size_t>()> next,
          std::function<void(RunOutcome)> done, std::function<void()> exited)
      : progress_(static_cast<std::size_t>(jobs)) {
    for (int w = 0; w < jobs; ++w)
      threads_.emplace_back([this, w, &exec, next, done, exited] {
        std::atomic<double>& slot = progress_[static_cast<std::size_t>(w)];
        while (const std::optional<std::size_t> index = next()) {
          slot.store(0);
          RunOutcome o = exec.run(*index, slot);
          slot.store(0);
          done(std::move(o));
        }
        exited();
      });
  }
  ~Workers() {
    for (auto& t : threads_) t.join();
  }
  double in_progress() const {
    double sum = 0;
    for (const auto& p : progress_) sum += p.load(std::memory_order_relaxed);
    return sum;
  }

 private:
  std::vector<std::atomic<double>> progress_;
  std::vector<std::thread> threads_;
};

}  // namespace

int available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

int default_jobs(int threads_per_run, int local_ranks) {
  const int cores = available_cores();
  const int all = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Bound to fewer cores than the machine has (mpirun binds each rank): those are
  // this rank's. Otherwise the ranks on this machine share all its cores.
  const int mine = cores < all ? cores : std::max(1, cores / std::max(1, local_ranks));
  return std::max(1, mine / std::max(1, threads_per_run));
}

void run_rank0(World& world, const SweepPlan& plan, const std::string& dir, const ExecOptions& options,
               std::deque<std::size_t> todo, const Rank0Callbacks& cb) {
  Executor exec(plan, dir, options, world.rank(), cb.on_note);
  std::mutex queue_mutex;
  const auto next = [&]() -> std::optional<std::size_t> {
    std::lock_guard lock(queue_mutex);
    if (todo.empty() || (options.stop && options.stop->load())) return std::nullopt;
    const std::size_t i = todo.front();
    todo.pop_front();
    return i;
  };
  std::mutex out_mutex;
  std::condition_variable out_cv;
  std::vector<RunOutcome> ready;
  int exited = 0;
  {
    Workers workers(
        options.jobs, exec, next,
        [&](RunOutcome o) {
          std::lock_guard lock(out_mutex);
          ready.push_back(std::move(o));
          out_cv.notify_one();
        },
        [&] {
          std::lock_guard lock(out_mutex);
          ++exited;
          out_cv.notify_one();
        });
    int finished_ranks = 0;
    // With other ranks, poll for their messages often; alone, wake for the progress bar.
    const auto wait = world.distributed() ? std::chrono::milliseconds(2) : std::chrono::milliseconds(200);
    auto last_tick = Clock::now() - std::chrono::seconds(1);
    for (;;) {
      std::vector<RunOutcome> batch;
      bool local_done = false;
      {
        std::unique_lock lock(out_mutex);
        out_cv.wait_for(lock, wait, [&] { return !ready.empty() || exited == options.jobs; });
        batch.swap(ready);
        local_done = exited == options.jobs;
      }
      for (const RunOutcome& o : batch) cb.on_outcome(o);
      int source = 0, tag = 0;
      std::string bytes;
      while (world.try_recv(source, tag, bytes)) {
        if (tag == kRequest) {
          const auto i = next();
          world.send(source, kAssign, i ? std::to_string(*i) : std::string());
        } else if (tag == kResult) {
          cb.on_outcome(outcome_from_json(bytes));
        } else if (tag == kFinished) {
          ++finished_ranks;
        }
      }
      if (Clock::now() - last_tick >= std::chrono::milliseconds(200)) {
        last_tick = Clock::now();
        if (cb.on_tick) cb.on_tick(workers.in_progress());
      }
      if (local_done && finished_ranks == world.size() - 1) break;
    }
  }
}

void run_worker_rank(World& world, const SweepPlan& plan, const std::string& dir, const ExecOptions& options,
                     const std::function<void(const std::string&)>& on_note) {
  Executor exec(plan, dir, options, world.rank(), on_note);
  std::mutex m;
  std::condition_variable main_cv, worker_cv;
  int waiting = 0, exited = 0;
  std::deque<std::optional<std::size_t>> replies;
  std::vector<RunOutcome> outbox;
  {
    Workers workers(
        options.jobs, exec,
        [&]() -> std::optional<std::size_t> {
          std::unique_lock lock(m);
          ++waiting;
          main_cv.notify_one();
          worker_cv.wait(lock, [&] { return !replies.empty(); });
          const auto r = replies.front();
          replies.pop_front();
          return r;
        },
        [&](RunOutcome o) {
          std::lock_guard lock(m);
          outbox.push_back(std::move(o));
          main_cv.notify_one();
        },
        [&] {
          std::lock_guard lock(m);
          ++exited;
          main_cv.notify_one();
        });
    // Only this (main) thread talks to rank 0.
    for (;;) {
      std::vector<RunOutcome> send;
      int requests = 0;
      bool all_exited = false;
      {
        std::unique_lock lock(m);
        main_cv.wait(lock, [&] { return waiting > 0 || !outbox.empty() || exited == options.jobs; });
        send.swap(outbox);
        requests = waiting;
        waiting = 0;
        all_exited = exited == options.jobs;
      }
      for (const RunOutcome& o : send) world.send(0, kResult, outcome_json(o));
      for (int i = 0; i < requests; ++i) {
        world.send(0, kRequest, std::string());
        const std::string reply = world.recv(0, kAssign);
        std::lock_guard lock(m);
        replies.push_back(reply.empty() ? std::nullopt : std::optional<std::size_t>(std::stoull(reply)));
        worker_cv.notify_all();
      }
      if (all_exited && send.empty() && requests == 0) break;
    }
  }
  world.send(0, kFinished, std::string());
}

}  // namespace kitaku::app::sweep
