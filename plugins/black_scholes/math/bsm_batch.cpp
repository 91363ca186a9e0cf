// Batch pricing over struct-of-arrays: a portable scalar kernel and an AVX2+FMA kernel built on
// glibc's libmvec, chosen once per process from the CPU's features.
#include <algorithm>
#include <cstdint>
#include <limits>

#include "bsm.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#define KEEL_BSM_HAVE_AVX2_KERNEL 1
#endif

namespace keel::bsm {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInvSqrt2 = 0.70710678118654752440;

Inputs row(const BatchIn& in, size_t i) {
  return {in.spot[i],
          in.strike[i],
          in.expiry[i],
          in.vol[i],
          in.rate[i],
          in.dividend[i],
          static_cast<Right>(in.right[i])};
}

void store(const BatchOut& out, size_t i, const Greeks& g) {
  out.price[i] = g.price;
  if (out.delta != nullptr) out.delta[i] = g.delta;
  if (out.gamma != nullptr) out.gamma[i] = g.gamma;
  if (out.vega != nullptr) out.vega[i] = g.vega;
  if (out.theta != nullptr) out.theta[i] = g.theta;
  if (out.rho != nullptr) out.rho[i] = g.rho;
}

// Rows [begin, end) through validate() + price(); lowers first_invalid to the first bad row.
void price_rows(const BatchIn& in, const BatchOut& out, size_t begin, size_t end,
                size_t& first_invalid) {
  for (size_t i = begin; i < end; ++i) {
    const Inputs r = row(in, i);
    if (validate(r) != nullptr) {
      store(out, i, Greeks{kNaN, kNaN, kNaN, kNaN, kNaN, kNaN});
      first_invalid = std::min(first_invalid, i);
    } else {
      store(out, i, price(r));
    }
  }
}

#if KEEL_BSM_HAVE_AVX2_KERNEL

// glibc libmvec AVX2 variants (vector ABI "d", 4 lanes): __m256d f(__m256d).
extern "C" {
__m256d _ZGVdN4v_exp(__m256d);
__m256d _ZGVdN4v_log(__m256d);
__m256d _ZGVdN4v_erfc(__m256d);
}

#define KEEL_AVX2 __attribute__((target("avx2,fma")))

KEEL_AVX2 __m256d lanes_true(__m256d mask_a, __m256d mask_b) {
  return _mm256_and_pd(mask_a, mask_b);
}

// All-ones lanes where v > lo (v >= lo with lo_cmp == _CMP_GE_OQ) and v < hi; false for NaN.
KEEL_AVX2 __m256d between(__m256d v, __m256d lo, __m256d hi, int lo_cmp) {
  const __m256d above =
      lo_cmp == _CMP_GE_OQ ? _mm256_cmp_pd(v, lo, _CMP_GE_OQ) : _mm256_cmp_pd(v, lo, _CMP_GT_OQ);
  return lanes_true(above, _mm256_cmp_pd(v, hi, _CMP_LT_OQ));
}

// Lanes for which validate() would pass: the same range checks, four rows at a time.
KEEL_AVX2 __m256d valid_rows(__m256d spot, __m256d strike, __m256d expiry, __m256d vol,
                             __m256d rate, __m256d dividend, __m128i right) {
  const __m256d zero = _mm256_setzero_pd();
  const __m256d inf = _mm256_set1_pd(std::numeric_limits<double>::infinity());
  const __m256d sign = _mm256_set1_pd(-0.0);
  __m256d ok = between(spot, zero, inf, _CMP_GT_OQ);
  ok = lanes_true(ok, between(strike, zero, inf, _CMP_GT_OQ));
  ok = lanes_true(ok, between(expiry, zero, inf, _CMP_GE_OQ));
  ok = lanes_true(ok, between(vol, zero, inf, _CMP_GE_OQ));
  ok = lanes_true(ok, _mm256_cmp_pd(_mm256_andnot_pd(sign, rate), inf, _CMP_LT_OQ));
  ok = lanes_true(ok, _mm256_cmp_pd(_mm256_andnot_pd(sign, dividend), inf, _CMP_LT_OQ));
  const __m128i right_ok = _mm_cmpeq_epi32(_mm_and_si128(right, _mm_set1_epi32(~1)),
                                           _mm_setzero_si128());  // right is 0 or 1
  return lanes_true(ok, _mm256_castsi256_pd(_mm256_cvtepi32_epi64(right_ok)));
}

// norm_cdf() of bsm_scalar.cpp: N(z) = 1 - tail for z > 0, else tail, tail = erfc(|z|/sqrt 2)/2.
KEEL_AVX2 __m256d norm_cdf(__m256d z) {
  const __m256d abs_z = _mm256_andnot_pd(_mm256_set1_pd(-0.0), z);
  const __m256d tail = _mm256_mul_pd(
      _mm256_set1_pd(0.5), _ZGVdN4v_erfc(_mm256_mul_pd(abs_z, _mm256_set1_pd(kInvSqrt2))));
  const __m256d positive = _mm256_cmp_pd(z, _mm256_setzero_pd(), _CMP_GT_OQ);
  return _mm256_blendv_pd(tail, _mm256_sub_pd(_mm256_set1_pd(1.0), tail), positive);
}

KEEL_AVX2 void store_lanes(double* dst, size_t i, __m256d v) {
  if (dst != nullptr) _mm256_storeu_pd(dst + i, v);
}

// Same expressions, in the same order, as price() in bsm_scalar.cpp for the non-degenerate case
// vol * sqrt(expiry) > 0; blocks with an invalid or degenerate row go through price_rows().
// FMA is used only where price() is insensitive to the rounding (x and d1 enter the price with
// zero first-order weight, since Fd n(d1) = Kd n(d2)); the cancelling sums Fd N1 - Kd N2 and the
// theta carry term round like the scalar code. The remaining differences come from libmvec
// (within ~1 ulp of libm, but not identical) and are ~1e-14 relative to the spot/strike scale.
KEEL_AVX2 void price_batch_avx2(const BatchIn& in, const BatchOut& out, size_t* first_invalid) {
  const __m256d half = _mm256_set1_pd(0.5);
  const __m256d neg_half = _mm256_set1_pd(-0.5);
  const __m256d one = _mm256_set1_pd(1.0);
  const __m256d zero = _mm256_setzero_pd();
  const __m256d inv_sqrt2pi = _mm256_set1_pd(0.39894228040143267794);
  size_t first = SIZE_MAX;
  size_t i = 0;
  for (; i + 4 <= in.n; i += 4) {
    const __m256d spot = _mm256_loadu_pd(in.spot + i);
    const __m256d strike = _mm256_loadu_pd(in.strike + i);
    const __m256d t = _mm256_loadu_pd(in.expiry + i);
    const __m256d vol = _mm256_loadu_pd(in.vol + i);
    const __m256d r = _mm256_loadu_pd(in.rate + i);
    const __m256d q = _mm256_loadu_pd(in.dividend + i);
    const __m128i right = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in.right + i));
    const __m256d sqrt_t = _mm256_sqrt_pd(t);
    const __m256d s = _mm256_mul_pd(vol, sqrt_t);
    const __m256d usable = lanes_true(valid_rows(spot, strike, t, vol, r, q, right),
                                      _mm256_cmp_pd(s, zero, _CMP_GT_OQ));
    if (_mm256_movemask_pd(usable) != 0xF) {
      price_rows(in, out, i, i + 4, first);
      continue;
    }
    const __m256d put =
        _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm_cmpeq_epi32(right, _mm_set1_epi32(1))));
    const __m256d w = _mm256_blendv_pd(one, _mm256_set1_pd(-1.0), put);
    const __m256d df_q = _ZGVdN4v_exp(_mm256_mul_pd(_mm256_sub_pd(zero, q), t));
    const __m256d spot_df = _mm256_mul_pd(spot, df_q);
    const __m256d strike_df =
        _mm256_mul_pd(strike, _ZGVdN4v_exp(_mm256_mul_pd(_mm256_sub_pd(zero, r), t)));
    const __m256d x =
        _mm256_fmadd_pd(_mm256_sub_pd(r, q), t, _ZGVdN4v_log(_mm256_div_pd(spot, strike)));
    const __m256d d1 = _mm256_fmadd_pd(half, s, _mm256_div_pd(x, s));
    const __m256d d2 = _mm256_sub_pd(d1, s);
    const __m256d n1 = norm_cdf(_mm256_mul_pd(w, d1));
    const __m256d n2 = norm_cdf(_mm256_mul_pd(w, d2));
    const __m256d pdf =
        _mm256_mul_pd(inv_sqrt2pi, _ZGVdN4v_exp(_mm256_mul_pd(_mm256_mul_pd(neg_half, d1), d1)));
    const __m256d spot_pdf = _mm256_mul_pd(spot_df, pdf);
    const __m256d strike_n2 = _mm256_mul_pd(strike_df, n2);

    const __m256d price =
        _mm256_max_pd(_mm256_mul_pd(w, _mm256_sub_pd(_mm256_mul_pd(spot_df, n1), strike_n2)), zero);
    _mm256_storeu_pd(out.price + i, price);
    store_lanes(out.delta, i, _mm256_mul_pd(_mm256_mul_pd(w, df_q), n1));
    store_lanes(out.gamma, i, _mm256_div_pd(_mm256_mul_pd(df_q, pdf), _mm256_mul_pd(spot, s)));
    store_lanes(out.vega, i, _mm256_mul_pd(spot_pdf, sqrt_t));
    const __m256d decay =
        _mm256_div_pd(_mm256_mul_pd(_mm256_mul_pd(neg_half, spot_pdf), vol), sqrt_t);
    const __m256d carry = _mm256_sub_pd(_mm256_mul_pd(_mm256_mul_pd(q, spot_df), n1),
                                        _mm256_mul_pd(_mm256_mul_pd(r, strike_df), n2));
    store_lanes(out.theta, i, _mm256_add_pd(decay, _mm256_mul_pd(w, carry)));
    store_lanes(out.rho, i, _mm256_mul_pd(_mm256_mul_pd(w, t), strike_n2));
  }
  price_rows(in, out, i, in.n, first);
  if (first_invalid != nullptr) *first_invalid = first;
}

#undef KEEL_AVX2
#endif  // KEEL_BSM_HAVE_AVX2_KERNEL

using Kernel = void (*)(const BatchIn&, const BatchOut&, size_t*);

struct Dispatch {
  Kernel kernel;
  const char* name;
};

Dispatch select_kernel() {
#if KEEL_BSM_HAVE_AVX2_KERNEL
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return {price_batch_avx2, "avx2+fma"};
  }
#endif
  return {price_batch_scalar, "scalar"};
}

const Dispatch& dispatch() {
  static const Dispatch chosen = select_kernel();
  return chosen;
}

}  // namespace

void price_batch_scalar(const BatchIn& in, const BatchOut& out, size_t* first_invalid) noexcept {
  size_t first = SIZE_MAX;
  price_rows(in, out, 0, in.n, first);
  if (first_invalid != nullptr) *first_invalid = first;
}

void price_batch(const BatchIn& in, const BatchOut& out, size_t* first_invalid) noexcept {
  dispatch().kernel(in, out, first_invalid);
}

const char* batch_kernel_name() noexcept { return dispatch().name; }

}  // namespace keel::bsm
