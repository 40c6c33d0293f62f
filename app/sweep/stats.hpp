#pragma once
// Summary statistics across the seeds of one parameter point: mean, sample
// standard deviation and the Student-t 95 % confidence interval of the mean.
#include <vector>

namespace kitaku::app::sweep {

struct MeanCi {
  int n = 0;
  double mean = 0;
  double sd = 0;        // sample standard deviation (n - 1); NaN when n < 2
  double ci_lo = 0, ci_hi = 0;  // mean -/+ t(0.975, n - 1) * sd / sqrt(n); NaN when n < 2
};

/// Mean, sd and 95 % CI of `values` (summed in the order given, so the result
/// does not depend on the order the runs finished in). n = 0: all NaN.
MeanCi mean_ci95(const std::vector<double>& values);

/// The Student-t quantile t(p, df): P(T <= t) = p, for df >= 1 and p in (0, 1).
double student_t_quantile(double p, int df);

/// The Student-t cumulative distribution P(T <= t) with df degrees of freedom.
double student_t_cdf(double t, int df);

}  // namespace kitaku::app::sweep
