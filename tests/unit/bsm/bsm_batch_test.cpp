// Batch kernels: every kernel this CPU runs (AVX-512, AVX2+FMA, scalar) vs price(), and the
// dispatch among them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <ostream>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "bsm.hpp"

namespace keel::bsm {

// Test names and failure messages show the kernel's name.
void PrintTo(const BatchKernel& kernel, std::ostream* os) { *os << kernel.name; }

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

// What price_batch should pick on this CPU, from the CPU's own feature flags.
const char* expected_kernel_name() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl")) {
    return "avx512";
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "avx2+fma";
  return "scalar";
}

TEST(BsmBatch, KernelNameMatchesCpu) {
  EXPECT_STREQ(batch_kernel_name(), expected_kernel_name());
  std::printf("[ info     ] batch kernel: %s\n", batch_kernel_name());
}

TEST(BsmBatch, KernelListMatchesCpu) {
  const std::span<const BatchKernel> kernels = batch_kernels();
  ASSERT_FALSE(kernels.empty());
  EXPECT_STREQ(kernels.front().name, batch_kernel_name());
  EXPECT_STREQ(kernels.back().name, "scalar");
  EXPECT_EQ(kernels.back().run, &price_batch_scalar);
  std::vector<std::string> names;
  for (const BatchKernel& k : kernels) names.emplace_back(k.name);
  std::vector<std::string> want;
  __builtin_cpu_init();
  if (std::string(expected_kernel_name()) == "avx512") want.emplace_back("avx512");
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) want.emplace_back("avx2+fma");
  want.emplace_back("scalar");
  EXPECT_EQ(names, want);
  std::string all;
  for (const std::string& n : names) all += " " + n;
  std::printf("[ info     ] kernels on this CPU:%s\n", all.c_str());
}

// Every kernel this CPU runs, one test instance each (named after the kernel).
class BsmBatchKernel : public ::testing::TestWithParam<BatchKernel> {
 protected:
  void run(const Book& book, BatchOut out, size_t* first_invalid) const {
    GetParam().run(book.view(), out, first_invalid);
  }
  bool is_scalar() const { return std::string(GetParam().name) == "scalar"; }
};

std::string kernel_test_name(const ::testing::TestParamInfo<BatchKernel>& info) {
  std::string name = info.param.name;
  std::replace_if(name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Available, BsmBatchKernel,
                         ::testing::ValuesIn(batch_kernels().begin(), batch_kernels().end()),
                         kernel_test_name);

// Every output of every row of `got` (from kernel `name`) against price(), to the documented
// tolerance with money scale max(spot, strike) (or 1 when unit_money); invalid rows must be NaN
// throughout. Returns the number of valid rows whose outputs were not all bit-identical to price().
size_t expect_matches_price(const Book& book, const Results& got, const char* name,
                            bool unit_money = false) {
  size_t differing = 0;
  for (size_t i = 0; i < book.size(); ++i) {
    const Inputs in = book.row(i);
    if (validate(in) != nullptr) {
      for (int k = 0; k < 6; ++k) {
        EXPECT_TRUE(std::isnan(got.field(k)[i])) << name << " " << kField[k] << " row " << i;
      }
      continue;
    }
    const Greeks g = price(in);
    const double money = unit_money ? 1.0 : std::max(in.spot, in.strike);
    bool identical = true;
    for (int k = 0; k < 6; ++k) {
      const double want = greek(g, k);
      const double have = got.field(k)[i];
      EXPECT_TRUE(close(have, want, money))
          << name << " " << kField[k] << " row " << i << ": " << have << " vs " << want
          << " (spot " << in.spot << " strike " << in.strike << " expiry " << in.expiry << " vol "
          << in.vol << " right " << book.right[i] << ")";
      identical = identical && have == want;
    }
    if (!identical) ++differing;
  }
  return differing;
}

// The kernel vs price() on n random rows (n % 8 == 3: a tail for both widths) of the given spot
// scale, with degenerate and invalid rows; prints the worst |kernel - price| / (|price| + scale).
void check_against_price(const BatchKernel& kernel, size_t n, double scale) {
  std::vector<size_t> invalid;
  const Book book = random_book(n, &invalid, scale);
  Results got(n);
  size_t first = 0;
  kernel.run(book.view(), got.all(), &first);
  EXPECT_EQ(first, invalid.front());

  double worst[6] = {};
  size_t invalid_seen = 0, differing = 0;
  for (size_t i = 0; i < n; ++i) {
    const Inputs in = book.row(i);
    if (validate(in) != nullptr) {
      ++invalid_seen;
      for (int k = 0; k < 6; ++k) EXPECT_TRUE(std::isnan(got.field(k)[i])) << kField[k] << " " << i;
      continue;
    }
    const Greeks g = price(in);
    // Unit spots: the plain criterion. Otherwise the absolute part scales with the money amounts.
    const double money = scale == 1.0 ? 1.0 : std::max(in.spot, in.strike);
    bool identical = true;
    for (int k = 0; k < 6; ++k) {
      const double want = greek(g, k);
      const double have = got.field(k)[i];
      if (std::string(kernel.name) == "scalar") {
        EXPECT_EQ(have, want) << kField[k] << " row " << i;  // the reference: bit-identical
      }
      ASSERT_TRUE(close(have, want, money))
          << kernel.name << " " << kField[k] << " row " << i << ": " << have << " vs " << want;
      worst[k] = std::max(worst[k], std::fabs(have - want) / (std::fabs(want) + scale));
      identical = identical && have == want;
    }
    if (!identical) ++differing;
  }
  EXPECT_EQ(invalid_seen, invalid.size());
  if (std::string(kernel.name) != "scalar") {
    // libmvec's exp/log/erfc differ from libm's by an ulp for a good fraction of arguments, so
    // rows the vector code priced are not all bit-identical to price(). None differing would mean
    // the kernel sent every block to the scalar fallback (e.g. a broken validity mask).
    EXPECT_GT(differing, n / 10) << kernel.name << " seems never to take its vector path";
  }
  std::printf(
      "[ info     ] %s, spot ~%g, %zu rows (%zu not bit-identical): max |kernel - price| / "
      "(|price| + %g): price %.2g delta %.2g gamma %.2g vega %.2g theta %.2g rho %.2g\n",
      kernel.name, scale, n, differing, scale, worst[0], worst[1], worst[2], worst[3], worst[4],
      worst[5]);
}

TEST_P(BsmBatchKernel, MatchesPriceUnitSpot) { check_against_price(GetParam(), 10003, 1.0); }

TEST_P(BsmBatchKernel, MatchesPriceSpot100) { check_against_price(GetParam(), 10003, 100.0); }

// Every size up to three 8-row blocks plus a tail: all-valid books report SIZE_MAX, every row
// matches, and nothing past n is written.
TEST_P(BsmBatchKernel, AllSizesAndTails) {
  std::mt19937_64 rng(7);
  for (size_t n = 0; n <= 27; ++n) {
    SCOPED_TRACE("n = " + std::to_string(n));
    Book book;
    for (size_t i = 0; i < n; ++i) book.add(random_option(rng));
    Results out(n + 1);  // one sentinel row past the end
    size_t first = 0;
    run(book, out.all(), &first);
    EXPECT_EQ(first, SIZE_MAX);
    expect_matches_price(book, out, GetParam().name, true);
    for (int k = 0; k < 6; ++k) EXPECT_EQ(out.field(k)[n], -1.0) << kField[k] << " overrun";
  }
}

// One invalid row at each position of a 24-row book (three 8-row or six 4-row blocks): that row is
// NaN throughout, the other rows of its block are still priced, first_invalid names it.
TEST_P(BsmBatchKernel, InvalidRowInsideABlock) {
  const auto make_invalid = [](Book& book, size_t i, int kind) {
    switch (kind % 10) {
      case 0: book.spot[i] = kNaN; break;
      case 1: book.strike[i] = -1.0; break;
      case 2: book.right[i] = 2; break;
      case 3: book.right[i] = -1; break;
      case 4: book.rate[i] = std::numeric_limits<double>::infinity(); break;
      case 5: book.vol[i] = -0.1; break;
      case 6: book.expiry[i] = kNaN; break;
      case 7: book.dividend[i] = -std::numeric_limits<double>::infinity(); break;
      case 8: book.spot[i] = 0.0; break;
      default: book.strike[i] = std::numeric_limits<double>::infinity(); break;
    }
  };
  std::mt19937_64 rng(11);
  for (size_t bad = 0; bad < 24; ++bad) {
    for (int kind = 0; kind < 10; ++kind) {
      SCOPED_TRACE("invalid row " + std::to_string(bad) + " kind " + std::to_string(kind));
      Book book;
      for (size_t i = 0; i < 24; ++i) book.add(random_option(rng, 100.0));
      make_invalid(book, bad, kind);
      // A second invalid row later in the same book: first_invalid is still the lowest.
      const size_t second = (bad + 5) % 24;
      if (second > bad) make_invalid(book, second, kind + 3);
      Results out(book.size());
      size_t first = 0;
      run(book, out.all(), &first);
      EXPECT_EQ(first, bad);
      expect_matches_price(book, out, GetParam().name);
    }
  }
}

// Degenerate rows (vol == 0 or expiry == 0, both valid) at each position of a block: priced as
// price() prices its limits, the neighbours unaffected, no row reported invalid.
TEST_P(BsmBatchKernel, DegenerateRowInsideABlock) {
  std::mt19937_64 rng(13);
  for (size_t odd = 0; odd < 16; ++odd) {
    for (int kind = 0; kind < 3; ++kind) {
      SCOPED_TRACE("degenerate row " + std::to_string(odd) + " kind " + std::to_string(kind));
      Book book;
      for (size_t i = 0; i < 16; ++i) book.add(random_option(rng, 100.0));
      if (kind != 1) book.vol[odd] = 0.0;
      if (kind != 0) book.expiry[odd] = 0.0;
      Results out(book.size());
      size_t first = 0;
      run(book, out.all(), &first);
      EXPECT_EQ(first, SIZE_MAX);
      expect_matches_price(book, out, GetParam().name);
      for (int k = 0; k < 6; ++k) EXPECT_TRUE(std::isfinite(out.field(k)[odd])) << kField[k];
    }
  }
}

// All calls, all puts, and alternating: the put sign (w = -1) and N(-d) paths of each lane.
TEST_P(BsmBatchKernel, CallsAndPuts) {
  for (int pattern = 0; pattern < 3; ++pattern) {
    SCOPED_TRACE("pattern " + std::to_string(pattern));
    std::mt19937_64 rng(17);
    Book book;
    for (size_t i = 0; i < 203; ++i) {
      Inputs in = random_option(rng, 100.0);
      in.right = pattern == 0 ? Right::call : pattern == 1 ? Right::put
                                                           : (i % 2 ? Right::put : Right::call);
      book.add(in);
    }
    Results out(book.size());
    run(book, out.all(), nullptr);
    expect_matches_price(book, out, GetParam().name);
  }
  // Twins, the same option as a call (even row) and a put (odd row): put-call parity on the
  // kernel's own outputs, C - P = S e^{-qT} - K e^{-rT}.
  std::mt19937_64 rng(19);
  Book twins;
  for (size_t i = 0; i < 64; ++i) {
    Inputs in = random_option(rng, 100.0);
    in.right = Right::call;
    twins.add(in);
    in.right = Right::put;
    twins.add(in);
  }
  Results out(twins.size());
  run(twins, out.all(), nullptr);
  expect_matches_price(twins, out, GetParam().name);
  for (size_t i = 0; i < twins.size(); i += 2) {
    const Inputs in = twins.row(i);
    const double forward_gap = in.spot * std::exp(-in.dividend * in.expiry) -
                               in.strike * std::exp(-in.rate * in.expiry);
    EXPECT_NEAR(out.price[i] - out.price[i + 1], forward_gap,
                1e-12 * std::max(in.spot, in.strike))
        << "row " << i;
  }
}

// Each optional output alone (the others nullptr), and first_invalid nullptr: the same values as
// with every output requested.
TEST_P(BsmBatchKernel, OptionalOutputsMayBeNull) {
  std::vector<size_t> invalid;
  const Book book = random_book(1003, &invalid, 100.0);
  Results full(book.size());
  run(book, full.all(), nullptr);
  std::vector<double> price_only(book.size(), -1.0);
  size_t first = 0;
  run(book, BatchOut{price_only.data(), nullptr, nullptr, nullptr, nullptr, nullptr}, &first);
  EXPECT_EQ(first, invalid.front());
  for (int k = 1; k < 6; ++k) {
    SCOPED_TRACE(kField[k]);
    std::vector<double> price(book.size(), -1.0), only(book.size(), -1.0);
    BatchOut out{price.data(), nullptr, nullptr, nullptr, nullptr, nullptr};
    double** slot[] = {nullptr, &out.delta, &out.gamma, &out.vega, &out.theta, &out.rho};
    *slot[k] = only.data();
    run(book, out, nullptr);
    for (size_t i = 0; i < book.size(); ++i) {
      if (std::isnan(full.price[i])) {
        EXPECT_TRUE(std::isnan(price[i]) && std::isnan(only[i])) << i;
        continue;
      }
      ASSERT_EQ(price[i], full.price[i]) << i;
      ASSERT_EQ(only[i], full.field(k)[i]) << i;
    }
  }
  for (size_t i = 0; i < book.size(); ++i) {
    if (std::isnan(full.price[i])) {
      EXPECT_TRUE(std::isnan(price_only[i])) << i;
    } else {
      EXPECT_EQ(price_only[i], full.price[i]) << i;
    }
  }
}

// price_batch is the first kernel of the list: bit-identical results.
TEST(BsmBatch, PriceBatchRunsTheFirstKernel) {
  std::vector<size_t> invalid;
  const Book book = random_book(1001, &invalid, 100.0);
  Results dispatched(book.size()), first_kernel(book.size());
  size_t first_a = 0, first_b = 0;
  price_batch(book.view(), dispatched.all(), &first_a);
  batch_kernels().front().run(book.view(), first_kernel.all(), &first_b);
  EXPECT_EQ(first_a, first_b);
  for (size_t i = 0; i < book.size(); ++i) {
    for (int k = 0; k < 6; ++k) {
      const double a = dispatched.field(k)[i], b = first_kernel.field(k)[i];
      EXPECT_TRUE(a == b || (std::isnan(a) && std::isnan(b))) << kField[k] << " " << i;
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
