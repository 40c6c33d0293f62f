#pragma once
// Counter-based random numbers (Random123's Philox4x64): every draw is a pure
// function of (seed, agent, step, purpose), so results do not depend on the
// number of threads or the order agents are visited in.
#include <Random123/philox.h>
#include <Random123/uniform.hpp>
#include <cmath>
#include <cstdint>

namespace kitaku {

/// What a draw is for; distinct purposes give independent streams.
enum class Purpose : std::uint64_t {
  kPlaceZone = 1, kPlacePoint, kActivity, kAge, kSpeed, kHomeBand, kHomeDistance, kHomeAngle,
  kStranded, kRetained, kDeparture, kRelease, kTiredStop, kNightStop, kGuidance,
  kFacilityDelay, kTransfer, kStation, kNodeChoice, kRouteNoise, kRouteVariant, kReleaseCommand, kDay4,
  // Hazard plan (sim/src/hazards.cpp): one draw per edge, facility or fire cell.
  kBlockage, kAftershockBlockage, kFacilityFailure, kFireIgnition, kFireCatch,
  // Appended, so that the draws above keep their streams.
  kLongWalk,
  kCrowdWalkPlace, kCrowdWalkDist,  // CrowdWalk generation files (geo/src/demand.cpp)
};

/// Four independent 64-bit words per counter; Rng hands them out in turn and moves
/// to the next counter (sub-index) when they run out.
class Rng {
 public:
  Rng(std::uint64_t seed, std::uint64_t entity, std::uint64_t step, Purpose purpose) noexcept
      : key_{{seed, static_cast<std::uint64_t>(purpose)}}, ctr_{{entity, step, 0, 0}} {}

  std::uint64_t next_u64() noexcept {
    if (used_ == 4) {
      block_ = r123::Philox4x64()(ctr_, key_);
      ++ctr_[2];
      used_ = 0;
    }
    return block_[used_++];
  }
  /// Uniform in (0, 1): never exactly 0 or 1, so logs are safe.
  double uniform() noexcept { return r123::u01<double>(next_u64()); }
  double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }
  /// Integer in [0, n).
  std::uint64_t below(std::uint64_t n) noexcept {
    return static_cast<std::uint64_t>(uniform() * static_cast<double>(n)) % (n ? n : 1);
  }
  bool bernoulli(double p) noexcept { return uniform() < p; }
  double exponential(double mean) noexcept { return -mean * std::log(uniform()); }
  /// Standard normal (Box-Muller; one of the pair is discarded to stay stateless).
  double normal() noexcept {
    const double u1 = uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double normal(double mean, double sd) noexcept { return mean + sd * normal(); }

 private:
  r123::Philox4x64::key_type key_;
  r123::Philox4x64::ctr_type ctr_;
  r123::Philox4x64::ctr_type block_{};
  int used_ = 4;
};

}  // namespace kitaku
