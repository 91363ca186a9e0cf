// The generic batch kernel (bsm_batch_kernel.hpp) at 4 lanes: AVX2 + FMA, libmvec's vector
// ABI "d" functions. Chosen by bsm_batch.cpp only on CPUs with avx2 and fma.
#include "bsm_batch_internal.hpp"

#if KEEL_BSM_HAVE_X86_KERNELS
#include <immintrin.h>

#define KEEL_BSM_SIMD_TARGET "avx2,fma"
#include "bsm_batch_kernel.hpp"

// glibc libmvec AVX2 variants (vector ABI "d", 4 lanes): __m256d f(__m256d).
extern "C" {
__m256d _ZGVdN4v_exp(__m256d);
__m256d _ZGVdN4v_log(__m256d);
__m256d _ZGVdN4v_erfc(__m256d);
}

namespace keel::bsm::detail {
namespace {

// Predicates are all-ones / all-zeros lanes of a __m256d.
struct Avx2 {
  using vec = __m256d;
  using mask = __m256d;
  using ints = __m128i;
  static constexpr size_t lanes = 4;

  KEEL_SIMD static vec set1(double x) { return _mm256_set1_pd(x); }
  KEEL_SIMD static vec zero() { return _mm256_setzero_pd(); }
  KEEL_SIMD static vec load(const double* p) { return _mm256_loadu_pd(p); }
  KEEL_SIMD static void store(double* p, vec v) { _mm256_storeu_pd(p, v); }
  KEEL_SIMD static ints load_right(const int32_t* p) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  }

  KEEL_SIMD static vec add(vec a, vec b) { return _mm256_add_pd(a, b); }
  KEEL_SIMD static vec sub(vec a, vec b) { return _mm256_sub_pd(a, b); }
  KEEL_SIMD static vec mul(vec a, vec b) { return _mm256_mul_pd(a, b); }
  KEEL_SIMD static vec div(vec a, vec b) { return _mm256_div_pd(a, b); }
  KEEL_SIMD static vec sqrt(vec a) { return _mm256_sqrt_pd(a); }
  KEEL_SIMD static vec max(vec a, vec b) { return _mm256_max_pd(a, b); }
  KEEL_SIMD static vec fmadd(vec a, vec b, vec c) { return _mm256_fmadd_pd(a, b, c); }
  KEEL_SIMD static vec abs(vec a) { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), a); }

  KEEL_SIMD static mask cmp_gt(vec a, vec b) { return _mm256_cmp_pd(a, b, _CMP_GT_OQ); }
  KEEL_SIMD static mask cmp_ge(vec a, vec b) { return _mm256_cmp_pd(a, b, _CMP_GE_OQ); }
  KEEL_SIMD static mask cmp_lt(vec a, vec b) { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }
  KEEL_SIMD static mask both(mask a, mask b) { return _mm256_and_pd(a, b); }
  KEEL_SIMD static bool all(mask m) { return _mm256_movemask_pd(m) == 0xF; }
  KEEL_SIMD static vec blend(vec a, vec b, mask m) { return _mm256_blendv_pd(a, b, m); }

  // int32 lanes widened to the 64-bit lanes of the doubles.
  KEEL_SIMD static mask widen(__m128i m) {
    return _mm256_castsi256_pd(_mm256_cvtepi32_epi64(m));
  }
  KEEL_SIMD static mask right_valid(ints right) {  // right & ~1 == 0: right is 0 or 1
    return widen(
        _mm_cmpeq_epi32(_mm_and_si128(right, _mm_set1_epi32(~1)), _mm_setzero_si128()));
  }
  KEEL_SIMD static mask right_put(ints right) {
    return widen(_mm_cmpeq_epi32(right, _mm_set1_epi32(1)));
  }

  KEEL_SIMD static vec exp(vec a) { return _ZGVdN4v_exp(a); }
  KEEL_SIMD static vec log(vec a) { return _ZGVdN4v_log(a); }
  KEEL_SIMD static vec erfc(vec a) { return _ZGVdN4v_erfc(a); }
};

}  // namespace

void price_batch_avx2(const BatchIn& in, const BatchOut& out, size_t* first_invalid) noexcept {
  price_batch_simd<Avx2>(in, out, first_invalid);
}

}  // namespace keel::bsm::detail

#endif  // KEEL_BSM_HAVE_X86_KERNELS
