// Batch pricing over struct-of-arrays: the portable scalar kernel, and the choice among it and
// the SIMD kernels (bsm_batch_kernel.hpp at AVX2 and AVX-512 widths, built on glibc's libmvec),
// made once per process from the CPU's features.
#include <algorithm>
#include <cstdint>
#include <limits>

#include "bsm.hpp"
#include "bsm_batch_internal.hpp"

namespace keel::bsm {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

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

}  // namespace

void detail::price_rows(const BatchIn& in, const BatchOut& out, size_t begin, size_t end,
                        size_t& first_invalid) noexcept {
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

namespace {

// Fastest first; the scalar kernel last, since it runs everywhere.
struct KernelList {
  BatchKernel kernels[3];
  size_t count = 0;
};

KernelList available_kernels() {
  KernelList list;
#if KEEL_BSM_HAVE_X86_KERNELS
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl")) {
    list.kernels[list.count++] = {"avx512", detail::price_batch_avx512};
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    list.kernels[list.count++] = {"avx2+fma", detail::price_batch_avx2};
  }
#endif
  list.kernels[list.count++] = {"scalar", price_batch_scalar};
  return list;
}

const KernelList& kernels() {
  static const KernelList list = available_kernels();
  return list;
}

}  // namespace

void price_batch_scalar(const BatchIn& in, const BatchOut& out, size_t* first_invalid) noexcept {
  size_t first = SIZE_MAX;
  detail::price_rows(in, out, 0, in.n, first);
  if (first_invalid != nullptr) *first_invalid = first;
}

void price_batch(const BatchIn& in, const BatchOut& out, size_t* first_invalid) noexcept {
  kernels().kernels[0].run(in, out, first_invalid);
}

const char* batch_kernel_name() noexcept { return kernels().kernels[0].name; }

std::span<const BatchKernel> batch_kernels() noexcept {
  const KernelList& list = kernels();
  return {list.kernels, list.count};
}

}  // namespace keel::bsm
