// Internal to keel_bsm_math: what bsm_batch.cpp (dispatch, scalar kernel) shares with the SIMD
// kernel translation units bsm_batch_avx2.cpp and bsm_batch_avx512.cpp.
#pragma once

#include <cstddef>

#include "bsm.hpp"

#if defined(__x86_64__)
#define KEEL_BSM_HAVE_X86_KERNELS 1
#else
#define KEEL_BSM_HAVE_X86_KERNELS 0
#endif

namespace keel::bsm::detail {

// Rows [begin, end) through validate() + price() (NaN in every requested output for an invalid
// row); lowers first_invalid to the first bad row. The SIMD kernels use it for their tails and
// for blocks holding an invalid or degenerate row.
void price_rows(const BatchIn& in, const BatchOut& out, size_t begin, size_t end,
                size_t& first_invalid) noexcept;

#if KEEL_BSM_HAVE_X86_KERNELS
// The generic kernel of bsm_batch_kernel.hpp at two widths. Call only when the CPU has the
// features named (bsm_batch.cpp checks them): the code inside uses those instructions.
// avx2, fma; 4 lanes.
void price_batch_avx2(const BatchIn& in, const BatchOut& out, size_t* first_invalid) noexcept;
// avx512f, avx512dq, avx512vl; 8 lanes.
void price_batch_avx512(const BatchIn& in, const BatchOut& out, size_t* first_invalid) noexcept;
#endif

}  // namespace keel::bsm::detail
