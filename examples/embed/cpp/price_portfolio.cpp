// examples/embed/cpp/price_portfolio.cpp — keel's Black-Scholes model priced
// from a C++ program through libkeel (keel/embed.h), with no run around it.
//
//   price_portfolio [--plugin-path DIR] [PORTFOLIO.csv]   a table of prices and greeks
//   price_portfolio --bits [PORTFOLIO.csv]                each double's IEEE-754 bits in hex
//   price_portfolio --bench [--bench-scale F]             the cost table's C++ row, as JSON
//
// The same program exists in Python, Rust and OCaml (examples/embed/*/):
// with --bits all four print the same bytes, and with --bench the same
// measurements over the same generated portfolio (docs/embedding.md).
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "keel/embed.h"

namespace {

// The portfolio as struct-of-arrays: what keel_option_batch_t points into.
struct Portfolio {
  std::vector<std::string> symbol;
  std::vector<double> spot, strike, expiry, vol, rate, dividend;
  std::vector<int32_t> right;

  size_t size() const { return spot.size(); }
  keel_option_batch_t batch(size_t from = 0, size_t count = SIZE_MAX) const {
    count = std::min(count, size() - from);
    return {count,
            spot.data() + from,
            strike.data() + from,
            expiry.data() + from,
            vol.data() + from,
            rate.data() + from,
            dividend.data() + from,
            right.data() + from,
            nullptr};
  }
};

// The six outputs, caller-owned.
struct Greeks {
  std::vector<double> price, delta, gamma, vega, theta, rho;
  explicit Greeks(size_t n) : price(n), delta(n), gamma(n), vega(n), theta(n), rho(n) {}
  keel_greeks_batch_t out() {
    return {price.data(), delta.data(), gamma.data(), vega.data(),
            theta.data(), rho.data(),   nullptr};
  }
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "price_portfolio: %s\n", what.c_str());
  std::exit(1);
}

void check(keel_status_t status, const keel_error_t& err) {
  if (status != KEEL_OK) die(std::string(keel_status_name(status)) + ": " + err.message);
}

Portfolio read_portfolio(const std::string& path) {
  std::ifstream in(path);
  if (!in) die("cannot open " + path);
  std::string line;
  std::getline(in, line);
  if (line != "symbol,spot,strike,expiry,vol,rate,dividend,right") {
    die(path + ":1: expected the header symbol,spot,strike,expiry,vol,rate,dividend,right");
  }
  Portfolio p;
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    std::stringstream cells(line);
    std::string cell[8];
    for (auto& c : cell) std::getline(cells, c, ',');
    try {
      p.symbol.push_back(cell[0]);
      p.spot.push_back(std::stod(cell[1]));
      p.strike.push_back(std::stod(cell[2]));
      p.expiry.push_back(std::stod(cell[3]));
      p.vol.push_back(std::stod(cell[4]));
      p.rate.push_back(std::stod(cell[5]));
      p.dividend.push_back(std::stod(cell[6]));
    } catch (const std::exception&) {
      die(path + ":" + std::to_string(number) + ": a number is not a number");
    }
    if (cell[7] != "call" && cell[7] != "put") {
      die(path + ":" + std::to_string(number) + ": right must be call or put");
    }
    p.right.push_back(cell[7] == "call" ? KEEL_RIGHT_CALL : KEEL_RIGHT_PUT);
  }
  return p;
}

// Option i of n in the benchmark portfolio (the same formula in every language).
Portfolio generated(size_t n) {
  Portfolio p;
  for (size_t i = 0; i < n; ++i) {
    p.spot.push_back(100.0);
    p.strike.push_back(70.0 + static_cast<double>(i % 61));
    p.expiry.push_back(0.05 + static_cast<double>(i % 40) * 0.05);
    p.vol.push_back(0.10 + static_cast<double>(i % 31) * 0.01);
    p.rate.push_back(0.03);
    p.dividend.push_back(0.01);
    p.right.push_back(i % 2 == 0 ? KEEL_RIGHT_CALL : KEEL_RIGHT_PUT);
  }
  return p;
}

template <class Body>
double best_of_5_ns(Body&& body) {
  double best = 1e300;
  for (int rep = 0; rep < 5; ++rep) {
    const auto start = std::chrono::steady_clock::now();
    body();
    const std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
    best = std::min(best, took.count());
  }
  return best;
}

void bench(keel_embed_t* keel, keel_model_handle_t model, double scale) {
  keel_error_t err{};
  const Portfolio small = generated(1000);
  const Portfolio large = generated(1000000);
  Greeks small_out(small.size()), large_out(large.size());

  const size_t calls = std::max<size_t>(1, static_cast<size_t>(200000 * scale));
  const double single =
      best_of_5_ns([&] {
        keel_greeks_t g;
        for (size_t c = 0; c < calls; ++c) {
          const size_t i = c % small.size();
          const keel_option_t option{small.spot[i],  small.strike[i],       small.expiry[i],
                                     small.vol[i],   small.rate[i],         small.dividend[i],
                                     small.right[i], KEEL_EXERCISE_EUROPEAN};
          check(keel_embed_model_price(keel, model, &option, &g, &err), err);
        }
      }) /
      static_cast<double>(calls);

  const size_t reps = std::max<size_t>(1, static_cast<size_t>(1000 * scale));
  const keel_option_batch_t small_batch = small.batch();
  const keel_greeks_batch_t small_greeks = small_out.out();
  const double batch_1k =
      best_of_5_ns([&] {
        for (size_t r = 0; r < reps; ++r) {
          check(keel_embed_model_price_batch(keel, model, &small_batch, &small_greeks, &err), err);
        }
      }) /
      static_cast<double>(reps * small.size());

  const keel_option_batch_t large_batch = large.batch();
  const keel_greeks_batch_t large_greeks = large_out.out();
  const double batch_1m =
      best_of_5_ns([&] {
        check(keel_embed_model_price_batch(keel, model, &large_batch, &large_greeks, &err), err);
      }) /
      static_cast<double>(large.size());

  std::printf(
      "{\"caller\": \"c++\", \"single_call_ns\": %.3f, \"batch_1k_ns_per_option\": %.4f, "
      "\"batch_1m_ns_per_option\": %.4f}\n",
      single, batch_1k, batch_1m);
}

uint64_t bits(double value) {
  uint64_t out;
  std::memcpy(&out, &value, sizeof out);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  bool print_bits = false, run_bench = false;
  double scale = 1.0;
  std::string plugin_path;
  // Beside the program in the source tree: examples/data/options.csv.
  std::string portfolio = "examples/data/options.csv";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--bits") {
      print_bits = true;
    } else if (arg == "--bench") {
      run_bench = true;
    } else if (arg == "--bench-scale" && i + 1 < argc) {
      scale = std::atof(argv[++i]);
    } else if (arg == "--plugin-path" && i + 1 < argc) {
      plugin_path = argv[++i];
    } else if (!arg.empty() && arg[0] != '-') {
      portfolio = arg;
    } else {
      die("unknown argument " + arg +
          "; usage: price_portfolio [--plugin-path DIR] [--bits | --bench [--bench-scale F]] "
          "[PORTFOLIO.csv]");
    }
  }

  keel_error_t err{};
  keel_embed_options_t options{};
  options.struct_size = sizeof options;
  options.plugin_path = plugin_path.empty() ? nullptr : plugin_path.c_str();
  keel_embed_t* keel = nullptr;
  check(keel_embed_open(&options, &keel, &err), err);
  keel_model_handle_t model{};
  check(keel_embed_model_create(keel, "keel.black_scholes", "{}", &model, &err), err);

  if (run_bench) {
    bench(keel, model, scale);
  } else {
    const Portfolio p = read_portfolio(portfolio);
    Greeks g(p.size());
    const keel_option_batch_t batch = p.batch();
    const keel_greeks_batch_t out = g.out();
    check(keel_embed_model_price_batch(keel, model, &batch, &out, &err), err);
    if (print_bits)
      std::printf("symbol,price,delta,gamma,vega,theta,rho\n");
    else
      std::printf("%-12s %12s %9s %9s %10s %10s %10s\n", "symbol", "price", "delta", "gamma",
                  "vega", "theta", "rho");
    for (size_t i = 0; i < p.size(); ++i) {
      if (print_bits) {
        std::printf("%s,%016" PRIx64 ",%016" PRIx64 ",%016" PRIx64 ",%016" PRIx64 ",%016" PRIx64
                    ",%016" PRIx64 "\n",
                    p.symbol[i].c_str(), bits(g.price[i]), bits(g.delta[i]), bits(g.gamma[i]),
                    bits(g.vega[i]), bits(g.theta[i]), bits(g.rho[i]));
      } else {
        std::printf("%-12s %12.6f %9.5f %9.6f %10.4f %10.4f %10.4f\n", p.symbol[i].c_str(),
                    g.price[i], g.delta[i], g.gamma[i], g.vega[i], g.theta[i], g.rho[i]);
      }
    }
  }
  check(keel_embed_model_drop(keel, model, &err), err);
  check(keel_embed_close(keel, &err), err);
  return 0;
}
