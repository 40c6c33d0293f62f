#include "sweep/stats.hpp"

#include <cmath>
#include <limits>

namespace kitaku::app::sweep {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Continued fraction of the regularised incomplete beta function (modified
// Lentz), as in Numerical Recipes' betacf.
double beta_cf(double a, double b, double x) {
  constexpr double kTiny = 1e-300, kEps = 1e-16;
  const double qab = a + b, qap = a + 1, qam = a - 1;
  double c = 1, d = 1 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= 1000; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < kEps) break;
  }
  return h;
}

// The regularised incomplete beta function I_x(a, b).
double incomplete_beta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double front =
      std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x));
  if (x < (a + 1) / (a + b + 2)) return front * beta_cf(a, b, x) / a;
  return 1 - front * beta_cf(b, a, 1 - x) / b;
}

}  // namespace

double student_t_cdf(double t, int df) {
  const double v = df;
  const double tail = 0.5 * incomplete_beta(v / 2, 0.5, v / (v + t * t));  // P(T > |t|)
  return t >= 0 ? 1 - tail : tail;
}

double student_t_quantile(double p, int df) {
  if (df < 1 || !(p > 0 && p < 1)) return kNaN;
  if (p < 0.5) return -student_t_quantile(1 - p, df);
  // Bisection on [0, hi]: the CDF is monotonic, and 200 halvings reach double precision.
  double lo = 0, hi = 1;
  while (student_t_cdf(hi, df) < p) hi *= 2;
  for (int i = 0; i < 200 && hi - lo > 1e-14 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (student_t_cdf(mid, df) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

MeanCi mean_ci95(const std::vector<double>& values) {
  MeanCi r;
  r.n = static_cast<int>(values.size());
  if (r.n == 0) {
    r.mean = r.sd = r.ci_lo = r.ci_hi = kNaN;
    return r;
  }
  double sum = 0;
  for (const double v : values) sum += v;
  r.mean = sum / r.n;
  if (r.n < 2) {
    r.sd = r.ci_lo = r.ci_hi = kNaN;
    return r;
  }
  double ss = 0;
  for (const double v : values) ss += (v - r.mean) * (v - r.mean);
  r.sd = std::sqrt(ss / (r.n - 1));
  const double half = student_t_quantile(0.975, r.n - 1) * r.sd / std::sqrt(static_cast<double>(r.n));
  r.ci_lo = r.mean - half;
  r.ci_hi = r.mean + half;
  return r;
}

}  // namespace kitaku::app::sweep
