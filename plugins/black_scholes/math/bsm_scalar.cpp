// Scalar Black-Scholes-Merton: price + greeks, implied volatility, flat-vol calibration.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <exception>
#include <limits>
#include <string>

#include "bsm.hpp"

namespace keel::bsm {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kSqrt2Pi = 2.50662827463100050242;
constexpr double kSqrt3 = 1.73205080756887729353;
constexpr double kPi = 3.14159265358979323846;

// N(z) through erfc of |z|: the tail 0.5 erfc(|z|/sqrt 2) keeps full relative precision (1 + erf
// would round to 0 below z ~ -8), and for z > 0 the single rounding of 1 - tail gives N(z) to
// half an ulp, which also keeps the AVX2 batch kernel (bsm_batch.cpp, same formula) in step.
double norm_cdf(double z) {
  const double tail = 0.5 * std::erfc(std::fabs(z) * kInvSqrt2);
  return z > 0.0 ? 1.0 - tail : tail;
}
double norm_pdf(double z) { return kInvSqrt2Pi * std::exp(-0.5 * z * z); }

bool finite(double v) { return std::isfinite(v); }

}  // namespace

const char* validate(const Inputs& in) noexcept {
  if (!(in.spot > 0.0) || !finite(in.spot)) return "spot must be finite and > 0";
  if (!(in.strike > 0.0) || !finite(in.strike)) return "strike must be finite and > 0";
  if (!(in.expiry >= 0.0) || !finite(in.expiry)) return "expiry must be finite and >= 0 (years)";
  if (!(in.vol >= 0.0) || !finite(in.vol)) return "vol must be finite and >= 0";
  if (!finite(in.rate)) return "rate must be finite";
  if (!finite(in.dividend)) return "dividend must be finite";
  if (in.right != Right::call && in.right != Right::put) return "right must be call (0) or put (1)";
  return nullptr;
}

// With w = +1 (call) / -1 (put), Fd = S e^{-qT}, Kd = K e^{-rT}, s = vol sqrt(T),
// d1 = ln(F/K)/s + s/2, d2 = d1 - s:
//   V = w (Fd N(w d1) - Kd N(w d2)),   delta = w e^{-qT} N(w d1),   gamma = e^{-qT} n(d1) / (S s),
//   vega = Fd n(d1) sqrt(T),   rho = w T Kd N(w d2),
//   theta = -Fd n(d1) vol / (2 sqrt(T)) + w (q Fd N(w d1) - r Kd N(w d2)).
// The batch AVX2 kernel (bsm_batch.cpp) evaluates the same expressions in the same order.
Greeks price(const Inputs& in) noexcept {
  const double w = in.right == Right::call ? 1.0 : -1.0;
  const double sqrt_t = std::sqrt(in.expiry);
  const double df_q = std::exp(-in.dividend * in.expiry);
  const double spot_df = in.spot * df_q;
  const double strike_df = in.strike * std::exp(-in.rate * in.expiry);
  const double x = std::log(in.spot / in.strike) + (in.rate - in.dividend) * in.expiry;
  const double s = in.vol * sqrt_t;
  const bool degenerate = !(s > 0.0);

  // s == 0: the terminal distribution is a point mass at the forward, N(w d) becomes a step in
  // w x with N(0) = 1/2 (the vol -> 0+ limit), and the d's are +-inf or 0 accordingly.
  const double step_d = x > 0.0 ? kInf : (x < 0.0 ? -kInf : 0.0);
  const double d1 = degenerate ? step_d : x / s + 0.5 * s;
  const double d2 = degenerate ? step_d : d1 - s;
  const double n1 = norm_cdf(w * d1);
  const double n2 = norm_cdf(w * d2);
  const double pdf = norm_pdf(d1);
  const double spot_pdf = spot_df * pdf;

  Greeks g;
  g.price = std::max(w * (spot_df * n1 - strike_df * n2), 0.0);  // rounding can dip below 0
  g.delta = w * df_q * n1;
  g.gamma = degenerate ? 0.0 : df_q * pdf / (in.spot * s);
  g.vega = spot_pdf * sqrt_t;
  const double decay = degenerate ? 0.0 : -0.5 * spot_pdf * in.vol / sqrt_t;
  g.theta = decay + w * (in.dividend * spot_df * n1 - in.rate * strike_df * n2);
  g.rho = w * in.expiry * strike_df * n2;
  return g;
}

// ================================ Implied volatility ===========================================
//
// Normalised Black (Jaeckel, "Let's be rational", 2015): with the forward F, x = ln(F/K),
// s = vol sqrt(T), h = x/s, t = s/2 and w = +-1,
//   b(x, s, w) = V / sqrt(Fd Kd) = w (e^{x/2} N(w(h+t)) - e^{-x/2} N(w(h-t))).
// Parity b(x,s,+1) - b(x,s,-1) = e^{x/2} - e^{-x/2} and symmetry b(x,s,w) = b(-x,s,-w) reduce
// every problem to an out-of-the-money call: x <= 0, w = +1, 0 < beta < b_max = e^{x/2}.
// For that call
//   b'(s)  = e^{-(h^2+t^2)/2} / sqrt(2 pi)                     (normalised vega)
//   b''/b' = x^2/s^3 - s/4,     b'''/b' = (b''/b')^2 - 3 x^2/s^4 - 1/4,
// and b is convex below the inflection point s_c = sqrt(2|x|) and concave above it.
// The solver takes an initial guess from rational-cubic interpolations of s(beta) (or of the
// transformed maps f_lower / f_upper below) anchored at s_c and at the two points where the
// inflection tangent hits 0 and b_max, then runs order-3 Householder steps on an objective
// that is nearly linear in that region, inside a bracket with bisection fallback.
namespace {

constexpr int kMaxIterations = 60;
// The Householder steps converge with order four, and measured over the whole domain the error
// after a step of relative size d is below ~0.1 d^4; so a step below this tolerance leaves an error
// < 1e-14 relative and no confirming evaluation is needed.
constexpr double kStepTolerance = 5e-4;

// Acklam's rational approximation of the inverse normal CDF (relative error < 1.15e-9): used
// only for initial guesses, which the Householder steps then polish.
double inverse_norm_cdf(double p) {
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double p_low = 0.02425;
  const auto tail = [&](double q) {
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  };
  if (p < p_low) return tail(std::sqrt(-2.0 * std::log(p)));
  if (p > 1.0 - p_low) return -tail(std::sqrt(-2.0 * std::log1p(-p)));
  const double q = p - 0.5;
  const double r = q * q;
  return q * (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
}

// Rational cubic interpolation (Delbourgo & Gregory 1985) of y(x) on [x_l, x_r] with end values
// y_l, y_r and end slopes d_l, d_r. r = 3 is the cubic Hermite; larger r pulls towards the chord,
// which is how shape (monotonicity, convexity) is preserved.
double rational_cubic(double x, double x_l, double x_r, double y_l, double y_r, double d_l,
                      double d_r, double r) {
  const double h = x_r - x_l;
  const double t = (x - x_l) / h;
  const double u = 1.0 - t;
  if (!(r < 1e300)) return y_r * t + y_l * u;  // r -> inf: the chord
  const double num = y_r * t * t * t + (r * y_r - h * d_r) * t * t * u +
                     (r * y_l + h * d_l) * t * u * u + y_l * u * u * u;
  return num / (1.0 + (r - 3.0) * t * u);
}

// Smallest control parameter r that keeps the interpolant monotone and convex/concave when the
// data are (Delbourgo & Gregory's sufficient conditions); r > -1 keeps the denominator positive.
double minimum_rational_cubic_control(double d_l, double d_r, double slope, bool prefer_shape) {
  const bool monotonic = d_l * slope >= 0.0 && d_r * slope >= 0.0;
  const bool convex = d_l <= slope && slope <= d_r;
  const bool concave = d_l >= slope && slope >= d_r;
  constexpr double kFloor = -(1.0 - 1.4901161193847656e-08);
  if (!monotonic && !convex && !concave) return kFloor;
  double r1 = -DBL_MAX;
  double r2 = -DBL_MAX;
  if (monotonic) {
    if (slope != 0.0) {
      r1 = (d_r + d_l) / slope;
    } else if (prefer_shape) {
      r1 = DBL_MAX;
    }
  }
  if (convex || concave) {
    const double dr_ds = d_r - slope;
    const double ds_dl = slope - d_l;
    if (dr_ds != 0.0 && ds_dl != 0.0) {
      r2 = std::max(std::fabs((d_r - d_l) / dr_ds), std::fabs((d_r - d_l) / ds_dl));
    } else if (prefer_shape) {
      r2 = DBL_MAX;
    }
  } else if (monotonic && prefer_shape) {
    r2 = DBL_MAX;
  }
  return std::max(kFloor, std::max(r1, r2));
}

// Control parameter matching a given second derivative at the left (or right) end, raised to
// the shape-preserving minimum. Derived from R''(0) = 2 (r (slope - d_l) - (d_r - d_l)) / h.
double control_for_left_curvature(double x_l, double x_r, double y_l, double y_r, double d_l,
                                  double d_r, double y2_l, bool prefer_shape) {
  const double h = x_r - x_l;
  const double slope = (y_r - y_l) / h;
  const double num = 0.5 * h * y2_l + (d_r - d_l);
  const double den = slope - d_l;
  const double r = num == 0.0 ? 0.0 : (den == 0.0 ? (num > 0 ? DBL_MAX : -DBL_MAX) : num / den);
  return std::max(r, minimum_rational_cubic_control(d_l, d_r, slope, prefer_shape));
}

double control_for_right_curvature(double x_l, double x_r, double y_l, double y_r, double d_l,
                                   double d_r, double y2_r, bool prefer_shape) {
  const double h = x_r - x_l;
  const double slope = (y_r - y_l) / h;
  const double num = 0.5 * h * y2_r + (d_r - d_l);
  const double den = d_r - slope;
  const double r = num == 0.0 ? 0.0 : (den == 0.0 ? (num > 0 ? DBL_MAX : -DBL_MAX) : num / den);
  return std::max(r, minimum_rational_cubic_control(d_l, d_r, slope, prefer_shape));
}

// The out-of-the-money normalised call for a fixed x <= 0 (e_half = e^{x/2}, from the caller).
class OtmCall {
 public:
  OtmCall(double x, double e_half) : x_(x), e_half_(e_half), e_mhalf_(1.0 / e_half) {}

  double x() const { return x_; }
  double b_max() const { return e_half_; }
  double e_mhalf() const { return e_mhalf_; }

  // b(s), b_max - b(s), b'(s) and the derivative ratios b''/b', b'''/b': all one Householder step
  // needs, with a single division. With want_gap the gap comes from the complementary tails
  // (accurate when b is close to b_max) and b from it; otherwise the other way round.
  struct Point {
    double b, gap, vega, h2, h3;
  };
  Point at(double s, bool want_gap) const {
    const double inv_s = 1.0 / s;
    const double h = x_ * inv_s;
    const double t = 0.5 * s;
    Point p;
    if (want_gap) {
      p.gap = 0.5 * (e_half_ * std::erfc((h + t) * kInvSqrt2) +
                     e_mhalf_ * std::erfc((t - h) * kInvSqrt2));
      p.b = e_half_ - p.gap;
    } else {
      p.b = 0.5 *
            (e_half_ * std::erfc(-(h + t) * kInvSqrt2) - e_mhalf_ * std::erfc((t - h) * kInvSqrt2));
      p.gap = e_half_ - p.b;
    }
    p.vega = kInvSqrt2Pi * std::exp(-0.5 * (h * h + t * t));
    const double x2_s3 = h * h * inv_s;
    p.h2 = x2_s3 - 0.25 * s;
    p.h3 = p.h2 * p.h2 - 3.0 * x2_s3 * inv_s - 0.25;
    return p;
  }

 private:
  double x_, e_half_, e_mhalf_;
};

// f_lower(s) = 2 pi |x| / sqrt(27) * N(-|x| / (sqrt(3) s))^3 has the same s -> 0 asymptotics as
// b(s), so beta -> f_lower(s(beta)) is close to the identity in the lowest region and inverts in
// closed form. Returns f, df/dbeta and d2f/dbeta2 at s.
struct MapPoint {
  double f, fp, fpp;
};

MapPoint lower_map(double x, double s) {
  const double ax = std::fabs(x);
  const double z = ax / (kSqrt3 * s);
  const double y = z * z;
  const double s2 = s * s;
  const double big_phi = norm_cdf(-z);
  const double small_phi = norm_pdf(z);
  MapPoint m;
  m.f = 2.0 * kPi / (3.0 * kSqrt3) * ax * big_phi * big_phi * big_phi;
  m.fp = 2.0 * kPi * y * big_phi * big_phi * std::exp(y + 0.125 * s2);
  m.fpp = kPi / 6.0 * y / (s2 * s) * big_phi *
          (8.0 * kSqrt3 * s * ax + (3.0 * s2 * (s2 - 8.0) - 8.0 * x * x) * big_phi / small_phi) *
          std::exp(2.0 * y + 0.25 * s2);
  return m;
}

double inverse_lower_map(double x, double f) {
  const double p = std::cbrt(f / (2.0 * kPi / (3.0 * kSqrt3) * std::fabs(x)));
  return std::fabs(x / (kSqrt3 * inverse_norm_cdf(p)));
}

// f_upper(s) = N(-s/2) tends to (b_max - b)/2 as s -> inf: the upper-region counterpart.
MapPoint upper_map(double x, double s) {
  const double w = (x / s) * (x / s);
  MapPoint m;
  m.f = norm_cdf(-0.5 * s);
  m.fp = -0.5 * std::exp(0.5 * w);
  m.fpp = std::sqrt(0.5 * kPi) * std::exp(w + 0.125 * s * s) * w / s;
  return m;
}

double inverse_upper_map(double f) { return -2.0 * inverse_norm_cdf(f); }

// Householder step of order 3 (quartic convergence) from the Newton step nu and the ratios
// h2 = g''/g', h3 = g'''/g'.
double householder_step(double nu, double h2, double h3) {
  return nu * (1.0 + 0.5 * h2 * nu) / (1.0 + nu * (h2 + h3 * nu * (1.0 / 6.0)));
}

enum class Objective {
  price,      // g = b(s) - beta
  log_price,  // g = 1/ln b(s) - 1/ln beta: nearly linear where b is tiny
  log_gap,    // g = ln(b_max - beta) - ln(b_max - b(s)): nearly linear close to b_max
};

struct Guess {
  double s, left, right;
  Objective objective;
};

Guess initial_guess(const OtmCall& c, double beta) {
  const double x = c.x();
  const double b_max = c.b_max();
  const double s_c = std::sqrt(-2.0 * x);
  // At s_c, h + t = 0, so b_c needs a single tail, and 1/b'(s_c) = sqrt(2 pi) e^{-x/2}.
  const double b_c = 0.5 * b_max - 0.5 * c.e_mhalf() * std::erfc(s_c * kInvSqrt2);
  const double inv_v_c = kSqrt2Pi * c.e_mhalf();
  if (beta < b_c) {
    const double s_l = s_c - b_c * inv_v_c;  // where the inflection tangent hits b = 0
    const OtmCall::Point l = c.at(s_l, false);
    if (beta < l.b) {
      const MapPoint m = lower_map(x, s_l);
      const double r = control_for_right_curvature(0.0, l.b, 0.0, m.f, 1.0, m.fp, m.fpp, true);
      double f = rational_cubic(beta, 0.0, l.b, 0.0, m.f, 1.0, m.fp, r);
      if (!(f > 0.0)) {  // round-off for extreme |x|: fall back to a quadratic
        const double t = beta / l.b;
        f = (m.f * t + l.b * (1.0 - t)) * t;
      }
      return {inverse_lower_map(x, f), 0.0, s_l, Objective::log_price};
    }
    const double r =
        control_for_right_curvature(l.b, b_c, s_l, s_c, 1.0 / l.vega, inv_v_c, 0.0, false);
    return {rational_cubic(beta, l.b, b_c, s_l, s_c, 1.0 / l.vega, inv_v_c, r), s_l, s_c,
            Objective::price};
  }
  const double s_h = s_c + (b_max - b_c) * inv_v_c;  // where the inflection tangent hits b_max
  const OtmCall::Point h = c.at(s_h, false);
  if (beta <= h.b) {
    const double r =
        control_for_left_curvature(b_c, h.b, s_c, s_h, inv_v_c, 1.0 / h.vega, 0.0, false);
    return {rational_cubic(beta, b_c, h.b, s_c, s_h, inv_v_c, 1.0 / h.vega, r), s_c, s_h,
            Objective::price};
  }
  const MapPoint m = upper_map(x, s_h);
  double f = kNaN;
  if (std::fabs(m.fpp) < 1e150) {
    const double r = control_for_left_curvature(h.b, b_max, m.f, 0.0, m.fp, -0.5, m.fpp, true);
    f = rational_cubic(beta, h.b, b_max, m.f, 0.0, m.fp, -0.5, r);
  }
  if (!(f > 0.0)) {
    const double w = b_max - h.b;
    const double t = (beta - h.b) / w;
    f = (m.f * (1.0 - t) + 0.5 * w * t) * (1.0 - t);
  }
  return {inverse_upper_map(f), s_h, kInf,
          beta > 0.5 * b_max ? Objective::log_gap : Objective::price};
}

double bisect(double left, double right) {
  return right < kInf ? 0.5 * (left + right) : 2.0 * std::max(left, 1.0);
}

// Third-order Householder step (fourth-order convergence) for the chosen objective g at p, where
// nu = -g/g' is the Newton step and g''/g', g'''/g' follow from b''/b' and b'''/b'.
double step(Objective objective, const OtmCall::Point& p, double beta, double ln_target) {
  switch (objective) {
    case Objective::price:
      return householder_step((beta - p.b) / p.vega, p.h2, p.h3);
    case Objective::log_price: {
      // g = 1/ln b; with r = b'/b and lambda = 1/ln b:
      //   g''/g' = h2 - r (1 + 2 lambda),
      //   g'''/g' = h3 + r^2 (2 + 6 lambda (1 + lambda)) - 3 h2 r (1 + 2 lambda).
      if (!(p.b > 0.0)) return kNaN;  // underflow: let the caller bisect
      const double ln_b = std::log(p.b);
      const double r = p.vega / p.b;
      const double lambda = 1.0 / ln_b;
      const double o = 1.0 + 2.0 * lambda;
      const double nu = (ln_target - ln_b) * ln_b / ln_target * (p.b / p.vega);
      return householder_step(
          nu, p.h2 - r * o,
          p.h3 + r * r * (2.0 + 6.0 * lambda * (1.0 + lambda)) - 3.0 * p.h2 * r * o);
    }
    case Objective::log_gap: {
      // g = -ln(b_max - b); with q = b'/(b_max - b): g''/g' = h2 + q, g'''/g' = h3 + q(3 h2 + 2q).
      if (!(p.gap > 0.0)) return kNaN;
      const double q = p.vega / p.gap;
      return householder_step((std::log(p.gap) - ln_target) * (p.gap / p.vega), p.h2 + q,
                              p.h3 + q * (3.0 * p.h2 + 2.0 * q));
    }
  }
  return kNaN;
}

struct Root {
  double s;
  int iterations;
  bool converged;
};

// Solves b(s) = beta for the OTM call; gap = b_max - beta, supplied separately because the
// caller can compute it without cancellation.
Root solve_normalised(const OtmCall& c, double beta, double gap) {
  const Guess g = initial_guess(c, beta);
  const bool use_gap = g.objective == Objective::log_gap;
  const double ln_target = g.objective == Objective::log_price ? std::log(beta)
                           : use_gap                           ? std::log(gap)
                                                               : 0.0;
  double left = g.left;
  double right = g.right;
  double s = (g.s >= left && g.s <= right) ? g.s : bisect(left, right);
  for (int i = 1; i <= kMaxIterations; ++i) {
    const OtmCall::Point p = c.at(s, use_gap);
    // Near b_max compare distances to it, which are accurate there; elsewhere compare b.
    const double excess = use_gap ? gap - p.gap : p.b - beta;  // sign of b(s) - beta
    if (excess == 0.0) return {s, i, true};
    if (excess > 0.0) {
      right = std::min(right, s);
    } else {
      left = std::max(left, s);
    }
    const double ds = step(g.objective, p, beta, ln_target);
    if (std::fabs(ds) <= kStepTolerance * s) return {s + ds, i, true};
    const double next = s + ds;
    if (next > left && next < right) {
      s = next;
    } else {  // the step left the bracket (or is NaN): bisect instead
      s = bisect(left, right);
      if (right - left <= 2.0 * DBL_EPSILON * s) return {s, i, true};
    }
  }
  return {s, kMaxIterations, false};
}

IvResult fail(IvStatus status, const char* message) { return {status, kNaN, 0, message}; }

}  // namespace

// The no-arbitrage bounds in price units: lower = max(w (Fd - Kd), 0), upper = Fd (call) or
// Kd (put). A premium within a few ulps of a bound is indistinguishable from it.
IvResult implied_vol(const Inputs& in, double premium) noexcept {
  Inputs probe = in;
  probe.vol = 0.0;
  if (const char* why = validate(probe)) return fail(IvStatus::invalid_input, why);
  if (!(premium >= 0.0) || !finite(premium)) {
    return fail(IvStatus::invalid_input, "premium must be finite and >= 0");
  }
  const bool call = in.right == Right::call;
  const double spot_df = in.spot * std::exp(-in.dividend * in.expiry);
  const double strike_df = in.strike * std::exp(-in.rate * in.expiry);
  const double intrinsic = call ? spot_df - strike_df : strike_df - spot_df;
  const double upper = call ? spot_df : strike_df;
  const double resolution = 4.0 * DBL_EPSILON * std::max(spot_df, strike_df);

  const double lower_tol = intrinsic > 0.0 ? resolution : 0.0;
  const double lower = std::max(intrinsic, 0.0);
  if (premium < lower - lower_tol) {
    return fail(IvStatus::below_intrinsic,
                call ? "premium below discounted intrinsic max(S e^{-qT} - K e^{-rT}, 0)"
                     : "premium below discounted intrinsic max(K e^{-rT} - S e^{-qT}, 0)");
  }
  if (premium > upper + resolution) {
    return fail(IvStatus::above_upper_bound, call ? "premium above the call upper bound S e^{-qT}"
                                                  : "premium above the put upper bound K e^{-rT}");
  }
  if (premium <= lower + lower_tol) {
    return fail(IvStatus::no_information, "premium equals the discounted intrinsic lower bound");
  }
  if (premium >= upper - resolution) {
    return fail(IvStatus::no_information, "premium equals the upper bound (vol -> infinity)");
  }
  if (in.expiry == 0.0) {
    return fail(IvStatus::no_information, "expiry is 0: the premium does not depend on vol");
  }

  // Out-of-the-money premium (parity), its normalisation, and the distance to the upper bound,
  // which parity leaves unchanged: (Kd - P_put) = Fd - P_call.
  const double otm_premium = intrinsic > 0.0 ? premium - intrinsic : premium;
  const double scale = std::sqrt(spot_df * strike_df);
  const double x = std::log(in.spot / in.strike) + (in.rate - in.dividend) * in.expiry;
  const double beta = otm_premium / scale;
  if (beta < DBL_MIN) {
    return fail(IvStatus::no_information,
                "premium too small to resolve: normalised price below the smallest normal double");
  }
  // The OTM call has x' = -|x| and b_max = e^{x'/2} = sqrt(min(Fd, Kd) / max(Fd, Kd)).
  const OtmCall otm(-std::fabs(x),
                    std::sqrt(std::min(spot_df, strike_df) / std::max(spot_df, strike_df)));
  const Root root = solve_normalised(otm, beta, (upper - premium) / scale);
  const double vol = root.s / std::sqrt(in.expiry);
  if (!root.converged || !finite(vol)) {
    return {IvStatus::not_converged, kNaN, root.iterations,
            "implied vol iteration did not converge"};
  }
  return {IvStatus::ok, vol, root.iterations, nullptr};
}

void implied_vol_batch(const BatchIn& in, const double* premium, double* vol_out,
                       IvStatus* status_out) noexcept {
  for (size_t i = 0; i < in.n; ++i) {
    const Inputs row{in.spot[i],
                     in.strike[i],
                     in.expiry[i],
                     0.0,
                     in.rate[i],
                     in.dividend[i],
                     static_cast<Right>(in.right[i])};
    const IvResult r = implied_vol(row, premium[i]);
    vol_out[i] = r.vol;
    if (status_out != nullptr) status_out[i] = r.status;
  }
}

// ================================ Flat-vol calibration =========================================
//
// Minimises F(vol) = 1/2 sum_i w_i r_i(vol)^2, r_i = model_i(vol) - premium_i, by Newton steps on
// F'(vol) = sum w_i r_i vega_i with F'' = sum w_i (vega_i^2 + r_i vomma_i) when that is positive
// (quadratic convergence even with large residuals), else the Gauss-Newton curvature
// sum w_i vega_i^2; Levenberg-Marquardt damping rejects steps that increase F, and vol is clamped
// to [kMinVol, kMaxVol].
namespace {

constexpr double kMinVol = 1e-4;
constexpr double kMaxVol = 10.0;
constexpr int kMaxCalibrationIterations = 200;

struct FitPoint {
  double objective, gradient, gn_curvature, curvature;
};

// vomma = d vega / d vol = vega d1 d2 / vol.
double vomma(const Inputs& in, double vega) {
  if (vega == 0.0) return 0.0;
  const double s = in.vol * std::sqrt(in.expiry);
  const double d1 =
      (std::log(in.spot / in.strike) + (in.rate - in.dividend) * in.expiry) / s + 0.5 * s;
  return vega * d1 * (d1 - s) / in.vol;
}

FitPoint evaluate_fit(const Quote* quotes, size_t n, double vol, double* residuals) {
  FitPoint f{0.0, 0.0, 0.0, 0.0};
  for (size_t i = 0; i < n; ++i) {
    Inputs in = quotes[i].option;
    in.vol = vol;
    const Greeks g = price(in);
    const double w = quotes[i].weight;
    const double r = g.price - quotes[i].premium;
    if (residuals != nullptr) residuals[i] = r;
    f.objective += 0.5 * w * r * r;
    f.gradient += w * r * g.vega;
    f.gn_curvature += w * g.vega * g.vega;
    f.curvature += w * (g.vega * g.vega + r * vomma(in, g.vega));
  }
  return f;
}

// When the starting vol leaves every vega underflowed to 0 (e.g. a tiny vol and options away
// from the money), there is no local information: start from the best of a log-spaced scan.
double scan_for_start(const Quote* quotes, size_t n) {
  constexpr int kPoints = 41;
  double best_vol = kMinVol;
  double best = kInf;
  for (int i = 0; i < kPoints; ++i) {
    const double vol = kMinVol * std::pow(kMaxVol / kMinVol, i / (kPoints - 1.0));
    const FitPoint f = evaluate_fit(quotes, n, vol, nullptr);
    if (f.gn_curvature > 0.0 && f.objective < best) {
      best = f.objective;
      best_vol = vol;
    }
  }
  return best_vol;
}

// Empty string when quote i is usable, else why not.
std::string check_quote(const Quote& q, size_t i) {
  Inputs probe = q.option;
  probe.vol = 0.0;
  const char* why = validate(probe);
  if (why == nullptr && (!(q.premium >= 0.0) || !finite(q.premium))) {
    why = "premium must be finite and >= 0";
  }
  if (why == nullptr && (!(q.weight > 0.0) || !finite(q.weight))) {
    why = "weight must be finite and > 0";
  }
  return why == nullptr ? std::string() : "quote " + std::to_string(i) + ": " + why;
}

void calibrate(const Quote* quotes, size_t n, double initial_vol, Calibration& out) {
  if (quotes == nullptr || n == 0) {
    out.message = "no quotes to calibrate to";
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    out.message = check_quote(quotes[i], i);
    if (!out.message.empty()) return;
  }
  double vol = finite(initial_vol) ? std::clamp(initial_vol, kMinVol, kMaxVol) : 0.2;
  FitPoint fit = evaluate_fit(quotes, n, vol, nullptr);
  if (!(fit.gn_curvature > 0.0)) {
    vol = scan_for_start(quotes, n);
    fit = evaluate_fit(quotes, n, vol, nullptr);
  }
  if (!(fit.gn_curvature > 0.0)) {
    out.message = "every quote has zero vega for all vols in [1e-4, 10]: no vol information";
    return;
  }
  double damping = 0.0;
  bool converged = false;
  for (out.iterations = 1; out.iterations <= kMaxCalibrationIterations; ++out.iterations) {
    const double curvature = fit.curvature > 0.0 ? fit.curvature : fit.gn_curvature;
    const double trial =
        std::clamp(vol - fit.gradient / (curvature * (1.0 + damping)), kMinVol, kMaxVol);
    if (std::fabs(trial - vol) <= 4.0 * DBL_EPSILON * vol) {
      converged = true;
      break;
    }
    const FitPoint next = evaluate_fit(quotes, n, trial, nullptr);
    if (next.objective < fit.objective && next.gn_curvature > 0.0) {
      vol = trial;
      fit = next;
      damping *= 0.1;
    } else {
      damping = damping == 0.0 ? 1.0 : 10.0 * damping;
    }
  }
  if (!converged) {
    out.message = "calibration did not converge";
    return;
  }
  out.residuals.resize(n);
  fit = evaluate_fit(quotes, n, vol, out.residuals.data());
  double weight_sum = 0.0;
  for (size_t i = 0; i < n; ++i) weight_sum += quotes[i].weight;
  out.rmse = std::sqrt(2.0 * fit.objective / weight_sum);
  out.vol = vol;
  out.ok = true;
  if (vol == kMinVol || vol == kMaxVol) out.message = "fitted vol is at a bound of [1e-4, 10]";
}

}  // namespace

Calibration calibrate_flat_vol(const Quote* quotes, size_t n, double initial_vol) noexcept {
  Calibration out{false, kNaN, {}, kNaN, 0, {}};
  try {
    calibrate(quotes, n, initial_vol, out);
  } catch (const std::exception&) {  // bad_alloc (or length_error) from residuals or messages
    out = Calibration{false, kNaN, {}, kNaN, out.iterations, {}};
    out.message = "out of memory";  // fits the small-string buffer: cannot throw
  }
  return out;
}

}  // namespace keel::bsm
