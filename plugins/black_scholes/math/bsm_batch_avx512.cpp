// The generic batch kernel (bsm_batch_kernel.hpp) at 8 lanes: AVX-512 (F, DQ, VL), libmvec's
// vector ABI "e" functions. Chosen by bsm_batch.cpp only on CPUs with avx512f, avx512dq and
// avx512vl.
#include "bsm_batch_internal.hpp"

#if KEEL_BSM_HAVE_X86_KERNELS
#include <immintrin.h>

#define KEEL_BSM_SIMD_TARGET "avx512f,avx512dq,avx512vl"
#include "bsm_batch_kernel.hpp"

// glibc libmvec AVX-512 variants (vector ABI "e", 8 lanes, glibc >= 2.22 for exp/log and
// >= 2.35 for erfc): __m512d f(__m512d).
extern "C" {
__m512d _ZGVeN8v_exp(__m512d);
__m512d _ZGVeN8v_log(__m512d);
__m512d _ZGVeN8v_erfc(__m512d);
}

namespace keel::bsm::detail {
namespace {

// Predicates are mask registers, one bit per lane.
struct Avx512 {
  using vec = __m512d;
  using mask = __mmask8;
  using ints = __m256i;
  static constexpr size_t lanes = 8;
  static constexpr mask kAll = 0xFF;

  KEEL_SIMD static vec set1(double x) { return _mm512_set1_pd(x); }
  KEEL_SIMD static vec zero() { return _mm512_setzero_pd(); }
  KEEL_SIMD static vec load(const double* p) { return _mm512_loadu_pd(p); }
  KEEL_SIMD static void store(double* p, vec v) { _mm512_storeu_pd(p, v); }
  KEEL_SIMD static ints load_right(const int32_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  }

  KEEL_SIMD static vec add(vec a, vec b) { return _mm512_add_pd(a, b); }
  KEEL_SIMD static vec sub(vec a, vec b) { return _mm512_sub_pd(a, b); }
  KEEL_SIMD static vec mul(vec a, vec b) { return _mm512_mul_pd(a, b); }
  KEEL_SIMD static vec div(vec a, vec b) { return _mm512_div_pd(a, b); }
  // The zero-masking forms with every lane selected are the plain instructions; GCC 12 warns
  // (-Wmaybe-uninitialized, a false positive) inside _mm512_sqrt_pd and _mm512_max_pd.
  KEEL_SIMD static vec sqrt(vec a) { return _mm512_maskz_sqrt_pd(kAll, a); }
  KEEL_SIMD static vec max(vec a, vec b) { return _mm512_maskz_max_pd(kAll, a, b); }
  KEEL_SIMD static vec fmadd(vec a, vec b, vec c) { return _mm512_fmadd_pd(a, b, c); }
  KEEL_SIMD static vec abs(vec a) { return _mm512_andnot_pd(_mm512_set1_pd(-0.0), a); }

  KEEL_SIMD static mask cmp_gt(vec a, vec b) { return _mm512_cmp_pd_mask(a, b, _CMP_GT_OQ); }
  KEEL_SIMD static mask cmp_ge(vec a, vec b) { return _mm512_cmp_pd_mask(a, b, _CMP_GE_OQ); }
  KEEL_SIMD static mask cmp_lt(vec a, vec b) { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ); }
  KEEL_SIMD static mask both(mask a, mask b) { return _kand_mask8(a, b); }
  KEEL_SIMD static bool all(mask m) { return m == kAll; }
  KEEL_SIMD static vec blend(vec a, vec b, mask m) { return _mm512_mask_blend_pd(m, a, b); }

  KEEL_SIMD static mask right_valid(ints right) {  // right & ~1 == 0: right is 0 or 1
    return _mm256_testn_epi32_mask(right, _mm256_set1_epi32(~1));
  }
  KEEL_SIMD static mask right_put(ints right) {
    return _mm256_cmpeq_epi32_mask(right, _mm256_set1_epi32(1));
  }

  KEEL_SIMD static vec exp(vec a) { return _ZGVeN8v_exp(a); }
  KEEL_SIMD static vec log(vec a) { return _ZGVeN8v_log(a); }
  KEEL_SIMD static vec erfc(vec a) { return _ZGVeN8v_erfc(a); }
};

}  // namespace

void price_batch_avx512(const BatchIn& in, const BatchOut& out, size_t* first_invalid) noexcept {
  price_batch_simd<Avx512>(in, out, first_invalid);
}

}  // namespace keel::bsm::detail

#endif  // KEEL_BSM_HAVE_X86_KERNELS
