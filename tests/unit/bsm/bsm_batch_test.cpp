// Batch kernels: dispatched (AVX2+FMA where available) vs scalar reference vs price().
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>

#include "bsm.hpp"

namespace keel::bsm {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Owns the struct-of-arrays storage behind a BatchIn / BatchOut.
struct Book {
  std::vector<double> spot, strike, expiry, vol, rate, dividend;
  std::vector<int32_t> right;

  size_t size() const { return spot.size(); }
  void add(const Inputs& in) {
    spot.push_back(in.spot);
    strike.push_back(in.strike);
    expiry.push_back(in.expiry);
    vol.push_back(in.vol);
    rate.push_back(in.rate);
    dividend.push_back(in.dividend);
    right.push_back(static_cast<int32_t>(in.right));
  }
  Inputs row(size_t i) const {
    return {
        spot[i], strike[i], expiry[i], vol[i], rate[i], dividend[i], static_cast<Right>(right[i])};
  }
  BatchIn view() const {
    return {size(),     spot.data(), strike.data(),   expiry.data(),
            vol.data(), rate.data(), dividend.data(), right.data()};
  }
};

struct Results {
  explicit Results(size_t n)
      : price(n, -1.0),
        delta(n, -1.0),
        gamma(n, -1.0),
        vega(n, -1.0),
        theta(n, -1.0),
        rho(n, -1.0) {}
  std::vector<double> price, delta, gamma, vega, theta, rho;
  BatchOut all() {
    return {price.data(), delta.data(), gamma.data(), vega.data(), theta.data(), rho.data()};
  }
  const std::vector<double>& field(int k) const {
    const std::vector<double>* f[] = {&price, &delta, &gamma, &vega, &theta, &rho};
    return *f[k];
  }
};

double greek(const Greeks& g, int k) {
  const double f[] = {g.price, g.delta, g.gamma, g.vega, g.theta, g.rho};
  return f[k];
}

const char* const kField[] = {"price", "delta", "gamma", "vega", "theta", "rho"};

// Spot uniform in [0.5, 1.5] * scale; the other parameters span the usual range.
Inputs random_option(std::mt19937_64& rng, double scale = 1.0) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double spot = scale * (0.5 + u(rng));
  return {spot,
          spot * std::exp(std::log(0.5) + u(rng) * std::log(4.0)),             // K/S in [0.5, 2]
          std::exp(std::log(1.0 / 8760.0) + u(rng) * std::log(5.0 * 8760.0)),  // 1h .. 5y
          std::exp(std::log(0.01) + u(rng) * std::log(200.0)),                 // 1% .. 200%
          -0.02 + 0.12 * u(rng),
          0.06 * u(rng),
          u(rng) < 0.5 ? Right::call : Right::put};
}

// Random options with degenerate rows (vol == 0, expiry == 0) and a few invalid rows.
Book random_book(size_t n, std::vector<size_t>* invalid_rows, double scale = 1.0) {
  std::mt19937_64 rng(20240601);
  Book book;
  for (size_t i = 0; i < n; ++i) {
    Inputs in = random_option(rng, scale);
    if (i % 97 == 5) in.vol = 0.0;
    if (i % 89 == 7) in.expiry = 0.0;
    book.add(in);
  }
  const size_t bad[] = {13, 402, 4001, 7777, n - 1};
  for (size_t k = 0; k < std::size(bad); ++k) {
    const size_t i = bad[k];
    if (i >= n) continue;
    invalid_rows->push_back(i);
    switch (k) {
      case 0:
        book.spot[i] = kNaN;
        break;
      case 1:
        book.strike[i] = -1.0;
        break;
      case 2:
        book.right[i] = 2;
        break;
      case 3:
        book.rate[i] = std::numeric_limits<double>::infinity();
        break;
      default:
        book.vol[i] = -0.1;
        break;
    }
  }
  return book;
}

// 1e-14 relative + 1e-14 absolute, the absolute part in units of the option's money scale.
// Near the money V = Fd N(d1) - Kd N(d2) cancels two terms of size ~spot into a much smaller
// price, so each kernel carries ~1e-16 * spot of rounding; libmvec's erfc/exp differ from libm's
// by an ulp in a good fraction of arguments, so the kernels agree to ~1e-14 of the spot, not of
// the price. With spot ~ 1 (money_scale 1) this is the plain 1e-14 + 1e-14 criterion.
bool close(double a, double b, double money_scale = 1.0) {
  return std::fabs(a - b) <= 1e-14 * std::fabs(b) + 1e-14 * money_scale;
}

TEST(BsmBatch, KernelNameMatchesCpu) {
  __builtin_cpu_init();
  const bool avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  EXPECT_STREQ(batch_kernel_name(), avx2_fma ? "avx2+fma" : "scalar");
  std::printf("[ info     ] batch kernel: %s\n", batch_kernel_name());
}

// Dispatched vs scalar vs price() on n random rows (n % 4 != 0 exercises the tail) of the given
// spot scale; prints the worst |fast - reference| / (|reference| + scale) per output.
void check_kernels_agree(size_t n, double scale) {
  std::vector<size_t> invalid;
  const Book book = random_book(n, &invalid, scale);
  Results fast(n), reference(n);
  size_t first_fast = 0, first_reference = 0;
  price_batch(book.view(), fast.all(), &first_fast);
  price_batch_scalar(book.view(), reference.all(), &first_reference);
  EXPECT_EQ(first_fast, invalid.front());
  EXPECT_EQ(first_reference, invalid.front());

  double worst[6] = {};
  size_t invalid_seen = 0;
  for (size_t i = 0; i < n; ++i) {
    const Inputs in = book.row(i);
    if (validate(in) != nullptr) {
      ++invalid_seen;
      for (int k = 0; k < 6; ++k) {
        EXPECT_TRUE(std::isnan(fast.field(k)[i])) << kField[k] << " row " << i;
        EXPECT_TRUE(std::isnan(reference.field(k)[i])) << kField[k] << " row " << i;
      }
      continue;
    }
    const Greeks g = price(in);
    // Unit spots: the plain criterion. Otherwise the absolute part scales with the money amounts.
    const double money = scale == 1.0 ? 1.0 : std::max(in.spot, in.strike);
    for (int k = 0; k < 6; ++k) {
      const double want = greek(g, k);
      EXPECT_EQ(reference.field(k)[i], want) << kField[k] << " row " << i;  // bit-identical
      const double got = fast.field(k)[i];
      ASSERT_TRUE(close(got, want, money))
          << kField[k] << " row " << i << ": " << got << " vs " << want;
      worst[k] = std::max(worst[k], std::fabs(got - want) / (std::fabs(want) + scale));
    }
  }
  EXPECT_EQ(invalid_seen, invalid.size());
  std::printf(
      "[ info     ] spot ~%g, %zu rows: max |%s - scalar| / (|scalar| + %g): price %.2g "
      "delta %.2g gamma %.2g vega %.2g theta %.2g rho %.2g\n",
      scale, n, batch_kernel_name(), scale, worst[0], worst[1], worst[2], worst[3], worst[4],
      worst[5]);
}

TEST(BsmBatch, DispatchedEqualsScalarEqualsPriceUnitSpot) { check_kernels_agree(10003, 1.0); }

TEST(BsmBatch, DispatchedEqualsScalarEqualsPriceSpot100) { check_kernels_agree(10003, 100.0); }

TEST(BsmBatch, OptionalOutputsMayBeNull) {
  std::vector<size_t> invalid;
  const Book book = random_book(1001, &invalid, 100.0);
  Results full(book.size());
  price_batch(book.view(), full.all(), nullptr);  // first_invalid may be null too
  std::vector<double> price_only(book.size()), delta_only(book.size(), -1.0);
  size_t first = 0;
  price_batch(book.view(), BatchOut{price_only.data(), nullptr, nullptr, nullptr, nullptr, nullptr},
              &first);
  EXPECT_EQ(first, invalid.front());
  price_batch(book.view(),
              BatchOut{price_only.data(), delta_only.data(), nullptr, nullptr, nullptr, nullptr},
              nullptr);
  for (size_t i = 0; i < book.size(); ++i) {
    if (std::isnan(full.price[i])) {
      EXPECT_TRUE(std::isnan(price_only[i]));
      continue;
    }
    EXPECT_EQ(price_only[i], full.price[i]) << i;
    EXPECT_EQ(delta_only[i], full.delta[i]) << i;
  }
}

TEST(BsmBatch, SmallSizesAndTails) {
  std::mt19937_64 rng(7);
  for (size_t n = 0; n <= 9; ++n) {
    Book book;
    for (size_t i = 0; i < n; ++i) book.add(random_option(rng));
    Results out(n);
    size_t first = 0;
    price_batch(book.view(), out.all(), &first);
    EXPECT_EQ(first, SIZE_MAX) << n;
    for (size_t i = 0; i < n; ++i) {
      const Greeks g = price(book.row(i));
      for (int k = 0; k < 6; ++k) EXPECT_TRUE(close(out.field(k)[i], greek(g, k))) << n << " " << i;
    }
  }
}

TEST(BsmBatch, AllValidReportsSizeMax) {
  std::mt19937_64 rng(3);
  Book book;
  for (int i = 0; i < 64; ++i) book.add(random_option(rng));
  Results out(book.size());
  size_t first = 0;
  price_batch_scalar(book.view(), out.all(), &first);
  EXPECT_EQ(first, SIZE_MAX);
  first = 0;
  price_batch(book.view(), out.all(), &first);
  EXPECT_EQ(first, SIZE_MAX);
}

}  // namespace
}  // namespace keel::bsm
