// The SIMD batch kernel, written once and generic over the vector width. Included only by the
// kernel translation units (bsm_batch_avx2.cpp, bsm_batch_avx512.cpp), each of which
//   1. defines KEEL_BSM_SIMD_TARGET, the GCC/Clang target string of its instruction set;
//   2. includes this header, which defines KEEL_SIMD = __attribute__((target(...))) from it;
//   3. defines an ops struct V (below) whose members are all KEEL_SIMD, in an anonymous
//      namespace, and instantiates price_batch_simd<V> from a plain (untargeted) entry point.
// The instruction set is enabled per function by the target attribute, never by compile flags,
// so nothing else in the library (nor an inline function from a header, which the linker could
// pick over the baseline copy) is built for a CPU the plugin may not run on. Instantiations over
// an anonymous-namespace V have internal linkage, so the two widths never meet at link time.
//
// V provides, for `lanes` rows at a time:
//   vec, mask, ints          - doubles, a per-lane predicate, the lanes' int32 `right` values
//   lanes                    - rows per block
//   set1, zero, load, store, load_right
//   add, sub, mul, div, sqrt, max (as _mm*_max_pd: the second operand when either is NaN),
//   fmadd(a, b, c) = a * b + c rounded once, abs (clears the sign bit)
//   cmp_gt, cmp_ge, cmp_lt   - ordered, quiet: false for NaN lanes
//   both(m1, m2), all(m)     - lane-wise and; true when every lane is set
//   blend(a, b, m)           - b where m, else a
//   right_valid(ints)        - right is 0 or 1;  right_put(ints) - right is 1
//   exp, log, erfc           - glibc libmvec at this width
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

#include "bsm.hpp"
#include "bsm_batch_internal.hpp"

#ifndef KEEL_BSM_SIMD_TARGET
#error "define KEEL_BSM_SIMD_TARGET (a target attribute string such as \"avx2,fma\") first"
#endif
#define KEEL_SIMD __attribute__((target(KEEL_BSM_SIMD_TARGET)))

namespace keel::bsm::detail {

// Lanes where v > lo (v >= lo when lo_inclusive) and v < hi; false for NaN.
template <class V>
KEEL_SIMD typename V::mask between(typename V::vec v, typename V::vec lo, typename V::vec hi,
                                   bool lo_inclusive) {
  const typename V::mask above = lo_inclusive ? V::cmp_ge(v, lo) : V::cmp_gt(v, lo);
  return V::both(above, V::cmp_lt(v, hi));
}

// Lanes for which validate() would pass: the same range checks, one block of rows at a time.
template <class V>
KEEL_SIMD typename V::mask valid_rows(typename V::vec spot, typename V::vec strike,
                                      typename V::vec expiry, typename V::vec vol,
                                      typename V::vec rate, typename V::vec dividend,
                                      typename V::ints right) {
  const typename V::vec zero = V::zero();
  const typename V::vec inf = V::set1(std::numeric_limits<double>::infinity());
  typename V::mask ok = between<V>(spot, zero, inf, false);
  ok = V::both(ok, between<V>(strike, zero, inf, false));
  ok = V::both(ok, between<V>(expiry, zero, inf, true));
  ok = V::both(ok, between<V>(vol, zero, inf, true));
  ok = V::both(ok, V::cmp_lt(V::abs(rate), inf));
  ok = V::both(ok, V::cmp_lt(V::abs(dividend), inf));
  return V::both(ok, V::right_valid(right));
}

// norm_cdf() of bsm_scalar.cpp: N(z) = 1 - tail for z > 0, else tail, tail = erfc(|z|/sqrt 2)/2.
template <class V>
KEEL_SIMD typename V::vec norm_cdf(typename V::vec z) {
  constexpr double kInvSqrt2 = 0.70710678118654752440;
  const typename V::vec tail =
      V::mul(V::set1(0.5), V::erfc(V::mul(V::abs(z), V::set1(kInvSqrt2))));
  const typename V::mask positive = V::cmp_gt(z, V::zero());
  return V::blend(tail, V::sub(V::set1(1.0), tail), positive);
}

template <class V>
KEEL_SIMD void store_lanes(double* dst, size_t i, typename V::vec v) {
  if (dst != nullptr) V::store(dst + i, v);
}

// Same expressions, in the same order, as price() in bsm_scalar.cpp for the non-degenerate case
// vol * sqrt(expiry) > 0; blocks with an invalid or degenerate row go through price_rows(), and
// so do the last n % lanes rows.
// FMA is used only where price() is insensitive to the rounding (x and d1 enter the price with
// zero first-order weight, since Fd n(d1) = Kd n(d2)); the cancelling sums Fd N1 - Kd N2 and the
// theta carry term round like the scalar code (the kernel files are built with
// -ffp-contract=off, so the compiler does not fuse them either). The remaining differences come
// from libmvec (within ~1 ulp of libm, but not identical) and are ~1e-14 relative to the
// spot/strike scale.
template <class V>
KEEL_SIMD void price_batch_simd(const BatchIn& in, const BatchOut& out,
                                size_t* first_invalid) noexcept {
  using vec = typename V::vec;
  const vec half = V::set1(0.5);
  const vec neg_half = V::set1(-0.5);
  const vec one = V::set1(1.0);
  const vec zero = V::zero();
  const vec inv_sqrt2pi = V::set1(0.39894228040143267794);
  size_t first = SIZE_MAX;
  size_t i = 0;
  for (; i + V::lanes <= in.n; i += V::lanes) {
    const vec spot = V::load(in.spot + i);
    const vec strike = V::load(in.strike + i);
    const vec t = V::load(in.expiry + i);
    const vec vol = V::load(in.vol + i);
    const vec r = V::load(in.rate + i);
    const vec q = V::load(in.dividend + i);
    const typename V::ints right = V::load_right(in.right + i);
    const vec sqrt_t = V::sqrt(t);
    const vec s = V::mul(vol, sqrt_t);
    const typename V::mask usable =
        V::both(valid_rows<V>(spot, strike, t, vol, r, q, right), V::cmp_gt(s, zero));
    if (!V::all(usable)) {
      price_rows(in, out, i, i + V::lanes, first);
      continue;
    }
    const vec w = V::blend(one, V::set1(-1.0), V::right_put(right));
    const vec df_q = V::exp(V::mul(V::sub(zero, q), t));
    const vec spot_df = V::mul(spot, df_q);
    const vec strike_df = V::mul(strike, V::exp(V::mul(V::sub(zero, r), t)));
    const vec x = V::fmadd(V::sub(r, q), t, V::log(V::div(spot, strike)));
    const vec d1 = V::fmadd(half, s, V::div(x, s));
    const vec d2 = V::sub(d1, s);
    const vec n1 = norm_cdf<V>(V::mul(w, d1));
    const vec n2 = norm_cdf<V>(V::mul(w, d2));
    const vec pdf = V::mul(inv_sqrt2pi, V::exp(V::mul(V::mul(neg_half, d1), d1)));
    const vec spot_pdf = V::mul(spot_df, pdf);
    const vec strike_n2 = V::mul(strike_df, n2);

    const vec price = V::max(V::mul(w, V::sub(V::mul(spot_df, n1), strike_n2)), zero);
    V::store(out.price + i, price);
    store_lanes<V>(out.delta, i, V::mul(V::mul(w, df_q), n1));
    store_lanes<V>(out.gamma, i, V::div(V::mul(df_q, pdf), V::mul(spot, s)));
    store_lanes<V>(out.vega, i, V::mul(spot_pdf, sqrt_t));
    const vec decay = V::div(V::mul(V::mul(neg_half, spot_pdf), vol), sqrt_t);
    const vec carry =
        V::sub(V::mul(V::mul(q, spot_df), n1), V::mul(V::mul(r, strike_df), n2));
    store_lanes<V>(out.theta, i, V::add(decay, V::mul(w, carry)));
    store_lanes<V>(out.rho, i, V::mul(V::mul(w, t), strike_n2));
  }
  price_rows(in, out, i, in.n, first);
  if (first_invalid != nullptr) *first_invalid = first;
}

}  // namespace keel::bsm::detail
