// Black-Scholes-Merton pricing core: European options on an underlying paying a continuous
// dividend yield (equities, indices; FX with dividend = foreign rate; futures with dividend =
// rate).
//
// Units and conventions (all functions):
//   spot, strike, premium and price  - the same currency units.
//   expiry                           - years (year fraction of calendar time until expiry).
//   vol                              - annualised volatility as a fraction (0.2 = 20%).
//   rate, dividend                   - continuously compounded annual rates as fractions; may be
//                                      negative.
// Nothing here allocates or throws except calibrate_flat_vol, which reports allocation failure
// in its result instead of throwing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace keel::bsm {

enum class Right : int32_t { call = 0, put = 1 };

struct Inputs {
  double spot;      // > 0
  double strike;    // > 0
  double expiry;    // years, >= 0
  double vol;       // annual, >= 0
  double rate;      // continuously compounded annual risk-free rate
  double dividend;  // continuously compounded annual dividend (or foreign-rate) yield
  Right right;
};

// Price and first-order sensitivities (plus gamma), all for one option (no contract multiplier).
//   delta = dV/dspot, gamma = d2V/dspot2,
//   vega  = dV/dvol per 1.0 of vol (divide by 100 for "per vol point"),
//   theta = dV/dt per year of calendar time, i.e. -dV/dexpiry (a long call usually has theta < 0;
//           divide by 365 for "per day"),
//   rho   = dV/drate per 1.0 of rate (dividend held fixed).
struct Greeks {
  double price, delta, gamma, vega, theta, rho;
};

// Returns nullptr when `in` is valid, else a static message naming the offending field and its
// valid range: spot > 0, strike > 0, expiry >= 0, vol >= 0, all finite; rate and dividend finite
// (may be negative); right is call or put.
const char* validate(const Inputs& in) noexcept;

// Price and greeks in one pass. Precondition: validate(in) == nullptr (otherwise the result is
// unspecified, typically NaN).
//
// Degenerate limits: when expiry == 0 or vol == 0 (so vol*sqrt(expiry) == 0) the terminal
// distribution collapses onto the forward F = spot*exp((rate-dividend)*expiry) and the result is
// the vol -> 0+ limit, i.e. the discounted-forward intrinsic value
//   call: max(spot*exp(-dividend*expiry) - strike*exp(-rate*expiry), 0), put: mirror image,
// with delta, rho and theta those of that payoff when in the money and 0 when out of the money.
// Exactly at the money (ln(F/strike) == 0) delta/rho/theta take half weights (N(0) = 1/2),
// vega is the finite limit spot*exp(-dividend*expiry)*sqrt(expiry)/sqrt(2*pi), and the terms
// that diverge there (gamma, and theta's diffusion term at expiry == 0) are reported as 0.
// All greeks are finite in these cases.
Greeks price(const Inputs& in) noexcept;

// ---- Batch pricing ---------------------------------------------------------------------------
// Struct-of-arrays views over caller-owned memory (no copies). Every input array has n entries;
// right[i] is 0 for a call, 1 for a put (any other value makes the row invalid).
struct BatchIn {
  size_t n;
  const double *spot, *strike, *expiry, *vol, *rate, *dividend;
  const int32_t* right;
};
// Output arrays of n entries. price is required; any other pointer may be nullptr (not wanted).
struct BatchOut {
  double *price, *delta, *gamma, *vega, *theta, *rho;
};

// Prices every row. Rows that fail validate() get NaN in all requested outputs; valid rows are
// always computed. *first_invalid (if first_invalid != nullptr) receives the lowest invalid row
// index, or SIZE_MAX when all rows are valid.
// Dispatched once per process to the first of batch_kernels(): on x86-64 an AVX-512 kernel
// (8 lanes; CPU with avx512f, avx512dq and avx512vl), else an AVX2+FMA kernel (4 lanes; avx2 and
// fma), else the scalar kernel. Both SIMD kernels are one generic kernel over libmvec's vector
// exp/log/erfc and agree with price() to
// 1e-14 * |value| + 1e-14 * max(spot, strike) (libmvec is within ~1 ulp of libm, not identical,
// and near the money the price is a difference of two terms of the size of the spot). Rows in a
// block (4 or 8 consecutive rows) holding an invalid row or a degenerate one (vol * sqrt(expiry)
// == 0), and the last n % 4 or n % 8 rows, are priced by price() itself.
void price_batch(const BatchIn& in, const BatchOut& out, size_t* first_invalid) noexcept;
// The portable reference kernel: bit-identical to calling price() row by row.
void price_batch_scalar(const BatchIn& in, const BatchOut& out, size_t* first_invalid) noexcept;
// "avx512", "avx2+fma" or "scalar": the kernel price_batch uses on this machine.
const char* batch_kernel_name() noexcept;

// A batch kernel built into this library that this CPU can run; `run` has price_batch's contract.
struct BatchKernel {
  const char* name;  // "avx512", "avx2+fma" or "scalar"
  void (*run)(const BatchIn& in, const BatchOut& out, size_t* first_invalid) noexcept;
};
// Every kernel this CPU can run, in preference order (price_batch uses the first); the last is
// always "scalar" (price_batch_scalar). For tests and benchmarks that compare the kernels.
std::span<const BatchKernel> batch_kernels() noexcept;

// ---- Implied volatility ----------------------------------------------------------------------
enum class IvStatus {
  ok,
  invalid_input,      // validate() failed (vol ignored), or premium is NaN, infinite or negative
  below_intrinsic,    // premium < discounted intrinsic max(theta*(S e^{-qT} - K e^{-rT}), 0)
  above_upper_bound,  // premium > S e^{-qT} (call) or K e^{-rT} (put)
  no_information,     // premium equals a bound to floating-point resolution, or expiry == 0:
                      // (numerically) every vol reproduces it
  not_converged,      // the safeguarded iteration ran out of iterations (not expected)
};

struct IvResult {
  IvStatus status;
  double vol;           // the implied vol when status == ok, else NaN
  int iterations;       // price evaluations spent in the root finder (0 if it was not needed)
  const char* message;  // static text; nullptr when ok. Names the violated bound when relevant.
};

// Volatility that makes price(in with vol) reproduce `premium`; in.vol is ignored.
// The solver converges to ~1e-14 relative; the answer is then limited only by how well the
// premium determines vol: |d vol| ~ (rounding error of the premium) / vega, e.g. ~1e-12 for deep
// in-the-money or near-upper-bound premiums. Typically 1-2 iterations.
IvResult implied_vol(const Inputs& in, double premium) noexcept;

// implied_vol row by row: vol_out[i] gets the vol (NaN unless ok), status_out[i] the status
// (status_out may be nullptr). in.vol is ignored and may be nullptr.
void implied_vol_batch(const BatchIn& in, const double* premium, double* vol_out,
                       IvStatus* status_out) noexcept;

// ---- Flat-vol calibration --------------------------------------------------------------------
struct Quote {
  Inputs option;  // option.vol is ignored
  double premium;
  double weight = 1.0;  // > 0 and finite
};

struct Calibration {
  bool ok;
  double vol;                     // the fitted vol (NaN when !ok)
  std::vector<double> residuals;  // model - market premium per quote, at the fitted vol
  double rmse;                    // sqrt(sum w_i r_i^2 / sum w_i)
  int iterations;                 // Gauss-Newton/Levenberg-Marquardt iterations used
  std::string message;            // why !ok, or a note (e.g. the fit hit a vol bound); else empty
};

// One flat vol minimising sum_i weight_i * (price(quote_i at vol) - premium_i)^2 over
// vol in [1e-4, 10]. ok == false (with a message naming the quote) for n == 0, an invalid option,
// a non-finite or negative premium, a non-positive or non-finite weight, or allocation failure.
Calibration calibrate_flat_vol(const Quote* quotes, size_t n, double initial_vol = 0.2) noexcept;

}  // namespace keel::bsm
