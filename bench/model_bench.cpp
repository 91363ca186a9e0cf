// Model benchmarks: keel.binomial (OCaml) and keel.mc_european (Rust),
// called through their C tables, against QuantLib's engines for the same
// options at equal work (the same steps; the same number of paths).
//
// Before timing anything the set-up checks that the two sides agree (the
// trees to their own discretisation error, Monte Carlo to its standard
// errors) and aborts with both numbers when they do not: a fast wrong
// answer is not a figure.
#include <benchmark/benchmark.h>

#if KEEL_WITH_OCAML || KEEL_WITH_RUST

#include <ql/exercise.hpp>
#include <ql/instruments/vanillaoption.hpp>
#include <ql/methods/lattices/binomialtree.hpp>
#include <ql/pricingengines/blackformula.hpp>
#include <ql/pricingengines/vanilla/binomialengine.hpp>
#include <ql/pricingengines/vanilla/mceuropeanengine.hpp>
#include <ql/processes/blackscholesprocess.hpp>
#include <ql/quotes/simplequote.hpp>
#include <ql/termstructures/volatility/equityfx/blackconstantvol.hpp>
#include <ql/termstructures/yield/flatforward.hpp>
#include <ql/time/calendars/nullcalendar.hpp>
#include <ql/time/daycounters/actual365fixed.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/host/host.hpp"
#include "keel/mc_european.h"
#include "report.hpp"

namespace keel::bench {
namespace {

namespace ql = QuantLib;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "keel_bench (models): %s\n", what.c_str());
  std::abort();
}

// One keel pricing-model instance, created through the Host's registry.
struct Model {
  Model(const std::string& id, const std::string& params) {
    static Host* host = [] {
      auto* h = new Host();  // lives for the process: plugins are never unloaded
      h->registry().add_search_folder(KEEL_BENCH_PLUGIN_DIR);
      return h;
    }();
    Result<const Factory*> found = host->registry().find_factory(id);
    if (!found) fail(found.status().message());
    factory = *found;
    keel_error_t err{};
    if (factory->create(params.c_str(), host->load_host(), &instance, &err) != KEEL_OK) {
      fail(id + " " + params + ": " + err.message);
    }
  }
  ~Model() { factory->drop(instance, nullptr); }
  keel_greeks_t price(const keel_option_t& option) const {
    keel_greeks_t g{};
    keel_error_t err{};
    if (factory->model.price(instance, &option, &g, &err) != KEEL_OK) {
      fail(factory->id + ": price failed: " + err.message);
    }
    return g;
  }
  const Factory* factory = nullptr;
  void* instance = nullptr;
};

// QuantLib's side of one option: a Black-Scholes-Merton process on quotes
// the benchmarks can move, expiry exactly `years` of Actual/365 away.
struct QlMarket {
  explicit QlMarket(const keel_option_t& o)
      : spot(ql::ext::make_shared<ql::SimpleQuote>(o.spot)),
        vol(ql::ext::make_shared<ql::SimpleQuote>(o.vol)),
        rate(ql::ext::make_shared<ql::SimpleQuote>(o.rate)),
        dividend(ql::ext::make_shared<ql::SimpleQuote>(o.dividend)) {
    ql::Settings::instance().evaluationDate() = today;
    const ql::DayCounter dc = ql::Actual365Fixed();
    process = ql::ext::make_shared<ql::BlackScholesMertonProcess>(
        ql::Handle<ql::Quote>(spot),
        ql::Handle<ql::YieldTermStructure>(
            ql::ext::make_shared<ql::FlatForward>(today, ql::Handle<ql::Quote>(dividend), dc)),
        ql::Handle<ql::YieldTermStructure>(
            ql::ext::make_shared<ql::FlatForward>(today, ql::Handle<ql::Quote>(rate), dc)),
        ql::Handle<ql::BlackVolTermStructure>(ql::ext::make_shared<ql::BlackConstantVol>(
            today, ql::NullCalendar(), ql::Handle<ql::Quote>(vol), dc)));
  }
  ql::ext::shared_ptr<ql::VanillaOption> option(const keel_option_t& o) const {
    const ql::Date expiry = today + static_cast<ql::Integer>(std::lround(o.expiry * 365));
    ql::ext::shared_ptr<ql::Exercise> exercise;
    if (o.exercise == KEEL_EXERCISE_AMERICAN) {
      exercise = ql::ext::make_shared<ql::AmericanExercise>(today, expiry);
    } else {
      exercise = ql::ext::make_shared<ql::EuropeanExercise>(expiry);
    }
    return ql::ext::make_shared<ql::VanillaOption>(
        ql::ext::make_shared<ql::PlainVanillaPayoff>(
            o.right == KEEL_RIGHT_CALL ? ql::Option::Call : ql::Option::Put, o.strike),
        exercise);
  }
  ql::Date today{15, ql::January, 2025};
  ql::ext::shared_ptr<ql::SimpleQuote> spot, vol, rate, dividend;
  ql::ext::shared_ptr<ql::BlackScholesMertonProcess> process;
};

#if KEEL_WITH_OCAML
// ---- the binomial tree: keel.binomial vs BinomialVanillaEngine<CRR> -----------

constexpr int kSteps = 500;

// American puts around the money (expiries whole days, so both sides see the
// same T).
std::vector<keel_option_t> tree_options() {
  std::vector<keel_option_t> out;
  for (double strike : {90.0, 100.0, 110.0}) {
    out.push_back({100, strike, 1.0, 0.25, 0.05, 0.02, KEEL_RIGHT_PUT, KEEL_EXERCISE_AMERICAN});
  }
  out.push_back({100, 100, 182.0 / 365, 0.35, 0.03, 0.0, KEEL_RIGHT_PUT, KEEL_EXERCISE_AMERICAN});
  return out;
}

// QuantLib pricing one option with the outputs keel's call returns: price,
// delta, gamma and theta from the tree, vega and rho by the same bumps and
// the same n / n+1 step smoothing keel.binomial uses (crr.ml): 9 trees.
struct QlTree {
  explicit QlTree(const keel_option_t& o) : spec(o), market(o) {
    at_n = market.option(o);
    at_n->setPricingEngine(
        ql::ext::make_shared<ql::BinomialVanillaEngine<ql::CoxRossRubinstein>>(market.process, kSteps));
    at_n1 = market.option(o);
    at_n1->setPricingEngine(ql::ext::make_shared<ql::BinomialVanillaEngine<ql::CoxRossRubinstein>>(
        market.process, kSteps + 1));
  }
  double smooth() const { return 0.5 * (at_n->NPV() + at_n1->NPV()); }
  keel_greeks_t price_and_greeks() const {
    keel_greeks_t g{};
    g.price = at_n->NPV();
    g.delta = at_n->delta();
    g.gamma = at_n->gamma();
    g.theta = at_n->theta();
    const double h = std::max(1e-4, 0.01 * spec.vol);
    market.vol->setValue(spec.vol + h);
    const double up = smooth();
    market.vol->setValue(spec.vol - h);
    g.vega = (up - smooth()) / (2 * h);
    market.vol->setValue(spec.vol);
    constexpr double kRateBump = 1e-4;
    market.rate->setValue(spec.rate + kRateBump);
    const double rate_up = smooth();
    market.rate->setValue(spec.rate - kRateBump);
    g.rho = (rate_up - smooth()) / (2 * kRateBump);
    market.rate->setValue(spec.rate);
    return g;
  }
  keel_option_t spec;
  QlMarket market;
  ql::ext::shared_ptr<ql::VanillaOption> at_n, at_n1;
};

const Model& binomial() {
  static const Model m("keel.binomial", "{\"steps\": " + std::to_string(kSteps) + "}");
  return m;
}

std::vector<std::unique_ptr<QlTree>>& ql_trees() {
  static std::vector<std::unique_ptr<QlTree>> trees = [] {
    std::vector<std::unique_ptr<QlTree>> out;
    for (const keel_option_t& o : tree_options()) out.push_back(std::make_unique<QlTree>(o));
    // The check: the two CRR trees differ in their up-probability at
    // O(dt), so their prices agree to the tree's discretisation error, whose
    // scale is the odd/even oscillation |V(n) - V(n+1)|.
    const Model& keel = binomial();
    const Model& keel_n1 = *new Model("keel.binomial", "{\"steps\": " + std::to_string(kSteps + 1) + "}");
    for (const auto& tree : out) {
      const keel_greeks_t k = keel.price(tree->spec);
      const keel_greeks_t q = tree->price_and_greeks();
      const double oscillation = std::fabs(k.price - keel_n1.price(tree->spec).price);
      const double tolerance = std::max(2 * oscillation, 1e-3 * q.price);
      const double vega_tolerance = 2e-2 * std::fabs(q.vega) + 1e-2;
      if (std::fabs(k.price - q.price) > tolerance || std::fabs(k.vega - q.vega) > vega_tolerance) {
        char text[400];
        std::snprintf(text, sizeof text,
                      "keel.binomial and QuantLib's CRR tree disagree for K=%g T=%g vol=%g at %d "
                      "steps: price %.6f vs %.6f (tolerance %.2g), vega %.4f vs %.4f",
                      tree->spec.strike, tree->spec.expiry, tree->spec.vol, kSteps, k.price,
                      q.price, tolerance, k.vega, q.vega);
        fail(text);
      }
      std::printf("binomial check, American put K=%g T=%g vol=%g, %d steps: keel %.6f, QuantLib "
                  "CRR %.6f (tolerance %.2g)\n",
                  tree->spec.strike, tree->spec.expiry, tree->spec.vol, kSteps, k.price, q.price,
                  tolerance);
    }
    return out;
  }();
  return trees;
}

void keel_binomial_price_greeks(benchmark::State& state) {
  ql_trees();  // the agreement check
  const Model& m = binomial();
  const std::vector<keel_option_t> options = tree_options();
  keel_greeks_t g{};
  keel_error_t err{};
  for (auto _ : state) {
    for (const keel_option_t& o : options) {
      if (m.factory->model.price(m.instance, &o, &g, &err) != KEEL_OK) state.SkipWithError(err.message);
      benchmark::DoNotOptimize(g);
    }
  }
  state.counters[kItemsPerIteration] = static_cast<double>(options.size());
}
BENCHMARK(keel_binomial_price_greeks)->Unit(benchmark::kMillisecond);

void ql_binomial_crr_price_greeks(benchmark::State& state) {
  const auto& trees = ql_trees();
  for (auto _ : state) {
    for (const auto& tree : trees) {
      tree->at_n->recalculate();
      benchmark::DoNotOptimize(tree->price_and_greeks());
    }
  }
  state.counters[kItemsPerIteration] = static_cast<double>(trees.size());
}
BENCHMARK(ql_binomial_crr_price_greeks)->Unit(benchmark::kMillisecond);

// One tree: what QuantLib's NPV() costs (with delta, gamma and theta from
// the same tree), for scale.
void ql_binomial_crr_npv(benchmark::State& state) {
  const auto& trees = ql_trees();
  for (auto _ : state) {
    for (const auto& tree : trees) {
      tree->at_n->recalculate();
      benchmark::DoNotOptimize(tree->at_n->NPV());
    }
  }
  state.counters[kItemsPerIteration] = static_cast<double>(trees.size());
}
BENCHMARK(ql_binomial_crr_npv)->Unit(benchmark::kMillisecond);
#endif  // KEEL_WITH_OCAML

#if KEEL_WITH_RUST
// ---- Monte Carlo: keel.mc_european vs MCEuropeanEngine<PseudoRandom> -------------

constexpr uint64_t kPaths = 200'000;  // terminal prices per option, antithetic pairs
const keel_option_t kMcOption{100, 105, 1.0, 0.25, 0.05, 0.02, KEEL_RIGHT_CALL,
                              KEEL_EXERCISE_EUROPEAN};

unsigned all_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

const Model& mc_model(unsigned threads) {
  static std::vector<std::unique_ptr<Model>> models(all_threads() + 1);
  auto& m = models[threads];
  if (!m) {
    m = std::make_unique<Model>("keel.mc_european",
                                "{\"paths\": " + std::to_string(kPaths) +
                                    ", \"seed\": 7, \"antithetic\": true, \"threads\": " +
                                    std::to_string(threads) + "}");
  }
  return *m;
}

struct QlMc {
  QlMc() : market(kMcOption) {
    option = market.option(kMcOption);
    // One time step (terminal prices only, as keel), antithetic pairs: a
    // QuantLib sample is one pair, so kPaths / 2 samples are kPaths paths.
    option->setPricingEngine(ql::MakeMCEuropeanEngine<ql::PseudoRandom>(market.process)
                                 .withSteps(1)
                                 .withAntitheticVariate()
                                 .withSamples(kPaths / 2)
                                 .withSeed(42));
  }
  QlMarket market;
  ql::ext::shared_ptr<ql::VanillaOption> option;
};

QlMc& ql_mc() {
  static QlMc* mc = [] {
    auto* out = new QlMc();
    // The check: both estimates within 5 standard errors of Black-Scholes.
    const keel_option_t& o = kMcOption;
    const double exact = ql::blackFormula(
        ql::Option::Call, o.strike, o.spot * std::exp((o.rate - o.dividend) * o.expiry),
        o.vol * std::sqrt(o.expiry), std::exp(-o.rate * o.expiry));
    const Model& keel = mc_model(1);
    const auto* stats = static_cast<const keel_mc_european_stats_t*>(
        keel.factory->model.get_extension(keel.instance, KEEL_MC_EUROPEAN_STATS_ID));
    if (stats == nullptr) fail("keel.mc_european has no " KEEL_MC_EUROPEAN_STATS_ID " extension");
    keel_mc_estimate_t estimate{};
    keel_error_t err{};
    if (stats->price_with_error(keel.instance, &o, nullptr, &estimate, &err) != KEEL_OK) {
      fail(std::string("keel.mc_european: ") + err.message);
    }
    if (estimate.paths != kPaths) fail("keel.mc_european simulated an unexpected number of paths");
    const double ql_price = out->option->NPV();
    const double ql_error = out->option->errorEstimate();
    if (std::fabs(estimate.price - exact) > 5 * estimate.std_error ||
        std::fabs(ql_price - exact) > 5 * ql_error) {
      char text[300];
      std::snprintf(text, sizeof text,
                    "Monte Carlo prices disagree with Black-Scholes %.6f: keel %.6f (se %.2g), "
                    "QuantLib %.6f (se %.2g)",
                    exact, estimate.price, estimate.std_error, ql_price, ql_error);
      fail(text);
    }
    std::printf("Monte Carlo check, %llu paths: Black-Scholes %.6f, keel %.6f (se %.2g), QuantLib "
                "%.6f (se %.2g)\n",
                static_cast<unsigned long long>(kPaths), exact, estimate.price, estimate.std_error,
                ql_price, ql_error);
    return out;
  }();
  return *mc;
}

void run_keel_mc(benchmark::State& state, unsigned threads) {
  ql_mc();  // the agreement check
  const Model& m = mc_model(threads);
  keel_greeks_t g{};
  keel_error_t err{};
  for (auto _ : state) {
    if (m.factory->model.price(m.instance, &kMcOption, &g, &err) != KEEL_OK) {
      state.SkipWithError(err.message);
    }
    benchmark::DoNotOptimize(g);
  }
  state.counters[kItemsPerIteration] = static_cast<double>(kPaths);
}

void keel_mc_european_1_thread(benchmark::State& state) { run_keel_mc(state, 1); }
BENCHMARK(keel_mc_european_1_thread)->Unit(benchmark::kMillisecond)->UseRealTime();

void keel_mc_european_all_threads(benchmark::State& state) { run_keel_mc(state, all_threads()); }
BENCHMARK(keel_mc_european_all_threads)->Unit(benchmark::kMillisecond)->UseRealTime();

void ql_mc_european_engine(benchmark::State& state) {
  QlMc& mc = ql_mc();
  for (auto _ : state) {
    mc.option->recalculate();
    benchmark::DoNotOptimize(mc.option->NPV());
  }
  state.counters[kItemsPerIteration] = static_cast<double>(kPaths);
}
BENCHMARK(ql_mc_european_engine)->Unit(benchmark::kMillisecond)->UseRealTime();
#endif  // KEEL_WITH_RUST

}  // namespace

const bool kModelFiguresRegistered = add_figures({
    {"Binomial CRR, American put, 500 steps (OCaml)", "keel_binomial_price_greeks",
     "ql_binomial_crr_price_greeks", "ns",
     "vs QuantLib BinomialVanillaEngine<CRR>, same outputs (9 trees)", 0},
    {"Binomial CRR, American put, 500 steps (OCaml)", "keel_binomial_price_greeks",
     "ql_binomial_crr_npv", "ns", "vs QuantLib NPV alone (1 tree; keel runs 9)", 0},
    // Timed in real time (the threaded one's work is on other threads);
    // Google Benchmark then names them <name>/real_time.
    {"Monte Carlo European, per path, 1 thread (Rust)", "keel_mc_european_1_thread/real_time",
     "ql_mc_european_engine/real_time", "ns", "vs QuantLib MCEuropeanEngine<PseudoRandom>, antithetic", 0},
    {"Monte Carlo European, per path, all threads (Rust)", "keel_mc_european_all_threads/real_time",
     "ql_mc_european_engine/real_time", "ns", "vs QuantLib MCEuropeanEngine (1 thread)", 0},
});

}  // namespace keel::bench

#endif  // KEEL_WITH_OCAML || KEEL_WITH_RUST
