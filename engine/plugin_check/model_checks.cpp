// The checks of a "keel.pricing_model/1" factory: price on a grid of
// sensible options, bad inputs, price_batch against price, implied vol
// round trips (single and batch), calibrate's capsule, get_extension.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "engine/plugin_check/check_support.hpp"

namespace keel::check {
namespace {

constexpr double kGridVol = 0.2;
constexpr double kCalibrationVol = 0.25;
// price_batch must agree with price to this relative difference (absolute
// below 1): both run the same model, only the evaluation order may differ.
constexpr double kBatchTolerance = 1e-12;
// An implied vol is the root of an iteration; single and batch forms may
// stop at different points within the solver's tolerance.
constexpr double kImpliedVolBatchTolerance = 1e-8;
constexpr double kRoundTripVolTolerance = 1e-6;
// What the batch outputs hold before the call, to see what it wrote.
constexpr double kUnwritten = 12345.678;
constexpr keel_status_t kUnwrittenStatus = -1;

std::vector<keel_option_t> option_grid() {
  std::vector<keel_option_t> grid;
  for (double expiry : {0.25, 1.0}) {
    for (double strike : {80.0, 100.0, 120.0}) {
      for (int32_t right : {KEEL_RIGHT_CALL, KEEL_RIGHT_PUT}) {
        grid.push_back(
            {100.0, strike, expiry, kGridVol, 0.03, 0.01, right, KEEL_EXERCISE_EUROPEAN});
      }
    }
  }
  grid.push_back({100.0, 100.0, 0.5, 0.3, 0.03, 0.01, KEEL_RIGHT_CALL, KEEL_EXERCISE_AMERICAN});
  grid.push_back({100.0, 110.0, 0.5, 0.3, 0.03, 0.0, KEEL_RIGHT_PUT, KEEL_EXERCISE_AMERICAN});
  return grid;
}

// A plausible premium for quotes when the model prices nothing itself:
// discounted intrinsic value plus the at-the-money time value
// (Brenner-Subrahmanyam, 0.4 * S * vol * sqrt(T)).
double approximate_premium(const keel_option_t& o, double vol) {
  const double forward = o.spot * std::exp((o.rate - o.dividend) * o.expiry);
  const double intrinsic = o.right == KEEL_RIGHT_CALL ? std::max(0.0, forward - o.strike)
                                                      : std::max(0.0, o.strike - forward);
  return std::exp(-o.rate * o.expiry) * intrinsic + 0.4 * o.spot * vol * std::sqrt(o.expiry);
}

// Invalid for every model: a negative time to expiry. (A negative spot is
// not: normal models price spreads and rates below zero.)
keel_option_t invalid_option() {
  return {100.0, 100.0, -1.0, kGridVol, 0.03, 0.01, KEEL_RIGHT_CALL, KEEL_EXERCISE_EUROPEAN};
}

std::string describe(const keel_option_t& o) {
  return "S=" + number(o.spot) + " K=" + number(o.strike) + " T=" + number(o.expiry) +
         " vol=" + number(o.vol) + " " + (o.right == KEEL_RIGHT_CALL ? "call" : "put") + " " +
         (o.exercise == KEEL_EXERCISE_AMERICAN ? "american" : "european");
}

bool close(double a, double b, double tolerance) {
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  return std::fabs(a - b) <= tolerance * std::max({1.0, std::fabs(a), std::fabs(b)});
}

struct Priced {
  CallOutcome outcome;
  keel_greeks_t greeks{};
};

Priced price_one(const Factory& f, void* self, const keel_option_t& option) {
  Priced p;
  keel_error_t err{};
  p.outcome = outcome_of(f.model.price(self, &option, &p.greeks, &err), err);
  return p;
}

// Struct-of-arrays copy of some options, for the batch members.
struct Batch {
  std::vector<double> spot, strike, expiry, vol, rate, dividend;
  std::vector<int32_t> right, exercise;
  explicit Batch(const std::vector<keel_option_t>& options) {
    for (const auto& o : options) {
      spot.push_back(o.spot);
      strike.push_back(o.strike);
      expiry.push_back(o.expiry);
      vol.push_back(o.vol);
      rate.push_back(o.rate);
      dividend.push_back(o.dividend);
      right.push_back(o.right);
      exercise.push_back(o.exercise);
    }
  }
  keel_option_batch_t view() const {
    return {spot.size(), spot.data(),     strike.data(), expiry.data(),  vol.data(),
            rate.data(), dividend.data(), right.data(),  exercise.data()};
  }
};

const char* const kGreekNames[] = {"price", "delta", "gamma", "vega", "theta", "rho"};
double greek(const keel_greeks_t& g, int i) {
  const double values[] = {g.price, g.delta, g.gamma, g.vega, g.theta, g.rho};
  return values[i];
}

// A calibration capsule's payload and release (rule 5).
Verdict check_calibration_capsule(keel_capsule_t& capsule, size_t quote_count) {
  keel_error_t err{};
  if (keel_capsule_check(&capsule, KEEL_CAPSULE_TAG_CALIBRATION, &err) != KEEL_OK) {
    const std::string why = err.message;
    keel_capsule_release(&capsule);
    return fail("calibrate returned a bad capsule: " + why);
  }
  std::string problem;
  if (capsule.len != 1) {
    problem = "capsule holds " + std::to_string(capsule.len) + " reports, expected exactly 1";
  } else {
    const auto* report = static_cast<const keel_calibration_report_t*>(capsule.data);
    if (report->struct_size < sizeof(keel_calibration_report_t)) {
      problem = "report struct_size " + std::to_string(report->struct_size) + " < " +
                std::to_string(sizeof(keel_calibration_report_t));
    } else if (report->residual_count != quote_count || report->residuals == nullptr) {
      problem = "report has " + std::to_string(report->residual_count) + " residuals for " +
                std::to_string(quote_count) + " quotes";
    } else if (report->parameter_count > 0 &&
               (report->parameters == nullptr || report->parameter_names == nullptr)) {
      problem = "report lists parameters without their names or values";
    } else if (!std::isfinite(report->rmse)) {
      problem = "report rmse is not finite";
    } else {
      for (size_t i = 0; i < report->parameter_count && problem.empty(); ++i) {
        if (report->parameter_names[i] == nullptr) problem = "a parameter name is NULL";
      }
    }
  }
  // Release as keel_capsule_release does, but keep the copy handed to the
  // destructor to see that it emptied it.
  keel_capsule_t handed = capsule;
  std::memset(&capsule, 0, sizeof capsule);
  handed.destroy(&handed);
  if (!problem.empty()) return fail("calibration report: " + problem);
  if (handed.tag != nullptr || handed.data != nullptr || handed.destroy != nullptr) {
    return fail(
        "the calibration capsule's destructor did not empty it (rule 5: zero the "
        "capsule before freeing, so a repeated release is a no-op)");
  }
  return pass("calibrate returns a keel.calibration_report/1 capsule (1 report, " +
              std::to_string(quote_count) + " residuals) released through its destructor");
}

}  // namespace

void check_pricing_model(Host& host, const Factory& f, const std::string& params, Collector& out) {
  const std::string& id = f.id;
  RawInstance instance(host, f, "check '" + id + "'");
  const CallOutcome made = instance.create(params);
  if (!made.ok()) {
    out.add(id, "model.create",
            fail("create with params " + params_label(params) +
                 " failed this time: " + made.describe()));
    return;
  }
  void* self = instance.self();
  const std::vector<keel_option_t> grid = option_grid();
  std::vector<Priced> singles;

  out.run(id, "model.price", [&]() -> Verdict {
    size_t priced = 0;
    std::string refusal;
    for (size_t i = 0; i < grid.size(); ++i) {
      Priced p = price_one(f, self, grid[i]);
      singles.push_back(p);
      const std::string call =
          "price of option " + std::to_string(i) + " (" + describe(grid[i]) + ")";
      if (auto breach = contract_breach(p.outcome, call)) return *breach;
      if (!p.outcome.ok()) {
        if (refusal.empty()) refusal = "; e.g. " + describe(grid[i]) + ": " + p.outcome.describe();
        continue;
      }
      for (int g = 0; g < 6; ++g) {
        if (!std::isfinite(greek(p.greeks, g))) {
          return fail(call + " returned OK with a non-finite " + kGreekNames[g] + " (" +
                      number(greek(p.greeks, g)) + ")");
        }
      }
      ++priced;
    }
    return pass("price on " + std::to_string(grid.size()) + " options: " + std::to_string(priced) +
                " priced with finite price and greeks, " + std::to_string(grid.size() - priced) +
                " refused with a status and message" + refusal);
  });
  const bool grid_done = singles.size() == grid.size();

  out.run(id, "model.price_invalid", [&]() -> Verdict {
    const keel_option_t bad = invalid_option();
    Priced p = price_one(f, self, bad);
    const std::string call = "price of an invalid option (" + describe(bad) + ")";
    if (auto breach = contract_breach(p.outcome, call)) return *breach;
    if (p.outcome.ok()) {
      return fail(call + " returned OK (price " + number(p.greeks.price) +
                  "); expected KEEL_ERR_INVALID_ARGUMENT naming the field");
    }
    return pass("price of a negative expiry is refused: " + p.outcome.describe());
  });

  out.run(id, "model.price_batch", [&]() -> Verdict {
    std::vector<keel_option_t> options = grid;
    options.push_back(invalid_option());
    const size_t n = options.size();
    const Batch batch(options);
    const keel_option_batch_t in = batch.view();
    std::vector<double> columns[6];
    for (auto& c : columns) c.assign(n, kUnwritten);
    std::vector<keel_status_t> status(n, kUnwrittenStatus);
    const keel_greeks_batch_t outputs{columns[0].data(), columns[1].data(), columns[2].data(),
                                      columns[3].data(), columns[4].data(), columns[5].data(),
                                      status.data()};
    keel_error_t err{};
    const CallOutcome result = outcome_of(f.model.price_batch(self, &in, &outputs, &err), err);
    if (auto breach = contract_breach(result, "price_batch of " + std::to_string(n) + " options")) {
      return *breach;
    }
    std::vector<Priced> expected;
    for (size_t i = 0; i < n; ++i) {
      expected.push_back(price_one(f, self, options[i]));
      // An empty message is the price check's finding; only a fault makes
      // the comparison meaningless.
      const CallOutcome& single = expected.back().outcome;
      if (single.status == KEEL_ERR_PLUGIN_FAULT || single.status < KEEL_OK ||
          single.status > KEEL_STATUS_LAST) {
        return *contract_breach(
            single, "price of option " + std::to_string(i) + " (to compare with price_batch)");
      }
    }
    size_t first_failure = n;
    for (size_t i = 0; i < n; ++i) {
      const CallOutcome& single = expected[i].outcome;
      if (status[i] == kUnwrittenStatus) {
        return fail("price_batch did not write item " + std::to_string(i) +
                    "'s status (price gives '" + keel_status_name(single.status) + "')");
      }
      if (single.ok()) {
        if (status[i] != KEEL_OK) {
          return fail("price_batch item " + std::to_string(i) + " has status '" +
                      keel_status_name(status[i]) + "' but price gives OK");
        }
        for (int g = 0; g < 6; ++g) {
          const double a = columns[g][i], b = greek(expected[i].greeks, g);
          if (!close(a, b, kBatchTolerance)) {
            return fail("price_batch item " + std::to_string(i) + " " +
                        (g == 0 ? std::string() : std::string(kGreekNames[g]) + " ") +
                        "differs from price (" + number(a) + " vs " + number(b) + ")");
          }
        }
      } else {
        if (first_failure == n) first_failure = i;
        if (status[i] != single.status) {
          return fail("price_batch item " + std::to_string(i) + " has status " +
                      std::to_string(status[i]) + " but price gives '" +
                      keel_status_name(single.status) + "'");
        }
        for (int g = 0; g < 6; ++g) {
          if (!std::isnan(columns[g][i])) {
            return fail("price_batch item " + std::to_string(i) + " failed but its " +
                        kGreekNames[g] + " is " + number(columns[g][i]) + ", not NaN");
          }
        }
      }
    }
    if (first_failure == n && !result.ok()) {
      return fail("price_batch returned " + result.describe() + " though every item priced");
    }
    if (first_failure != n) {
      if (result.status != expected[first_failure].outcome.status) {
        return fail("price_batch returned '" + std::string(keel_status_name(result.status)) +
                    "', expected the first failure's '" +
                    keel_status_name(expected[first_failure].outcome.status) + "' (item " +
                    std::to_string(first_failure) + ")");
      }
      if (result.message.find(std::to_string(first_failure)) == std::string::npos) {
        return fail("price_batch's message does not name the index of the first failure (" +
                    std::to_string(first_failure) + "): " + result.message);
      }
    }
    return pass("price_batch equals price item by item (" + std::to_string(n) +
                " options, statuses and NaN for failed items)");
  });

  // Implied vol: the premiums are the model's own prices at kGridVol (the
  // round trip is then checked) or, for options it did not price,
  // approximations (only the statuses are checked).
  std::vector<keel_option_t> iv_options;
  std::vector<double> premiums;
  std::vector<bool> own_price;
  for (size_t i = 0; i < grid.size(); ++i) {
    if (grid[i].exercise != KEEL_EXERCISE_EUROPEAN) continue;
    const bool priced = grid_done && singles[i].outcome.ok();
    iv_options.push_back(grid[i]);
    premiums.push_back(priced ? singles[i].greeks.price : approximate_premium(grid[i], kGridVol));
    own_price.push_back(priced);
  }
  std::vector<CallOutcome> iv_single;
  std::vector<double> iv_values;
  out.run(id, "model.implied_vol", [&]() -> Verdict {
    size_t solved = 0, unsupported = 0;
    std::string unsupported_message;
    for (size_t i = 0; i < iv_options.size(); ++i) {
      double vol = std::numeric_limits<double>::quiet_NaN();
      keel_error_t err{};
      const CallOutcome r =
          outcome_of(f.model.implied_vol(self, &iv_options[i], premiums[i], &vol, &err), err);
      iv_single.push_back(r);
      iv_values.push_back(r.ok() ? vol : std::numeric_limits<double>::quiet_NaN());
      const std::string call = "implied_vol of option " + describe(iv_options[i]) + " at " +
                               (own_price[i] ? "its own price " : "premium ") + number(premiums[i]);
      if (auto breach = contract_breach(r, call)) return *breach;
      if (r.status == KEEL_ERR_UNSUPPORTED) {
        ++unsupported;
        unsupported_message = r.message;
        continue;
      }
      if (!r.ok()) continue;  // a clean refusal (e.g. no vega at this point)
      if (!own_price[i]) continue;
      if (std::fabs(vol - kGridVol) > kRoundTripVolTolerance) {
        keel_option_t at = iv_options[i];
        at.vol = vol;
        const Priced repriced = price_one(f, self, at);
        if (!repriced.outcome.ok() ||
            !close(repriced.greeks.price, premiums[i], kRoundTripVolTolerance)) {
          return fail(call + " gives vol " + number(vol) + ", expected " + number(kGridVol));
        }
      }
      ++solved;
    }
    if (unsupported == iv_options.size()) {
      return pass("implied_vol not offered: " + unsupported_message);
    }
    // Outside the no-arbitrage bounds there is no solution.
    double vol = 0;
    keel_error_t err{};
    const CallOutcome negative =
        outcome_of(f.model.implied_vol(self, &iv_options[0], -1.0, &vol, &err), err);
    if (auto breach = contract_breach(negative, "implied_vol of a premium of -1")) return *breach;
    if (negative.ok()) {
      return fail("implied_vol of a premium of -1 returned OK (vol " + number(vol) +
                  "); expected KEEL_ERR_NO_SOLUTION");
    }
    return pass("implied_vol round-trips the model's own prices (" + std::to_string(solved) +
                " of " + std::to_string(iv_options.size()) + " solved within " +
                number(kRoundTripVolTolerance) +
                ") and refuses a premium of -1: " + negative.describe());
  });

  out.run(id, "model.implied_vol_batch", [&]() -> Verdict {
    if (iv_single.size() != iv_options.size()) {
      return pass("implied_vol_batch not checked: implied_vol was not checked");
    }
    const size_t n = iv_options.size();
    const Batch batch(iv_options);
    const keel_option_batch_t in = batch.view();
    std::vector<double> vols(n, kUnwritten);
    std::vector<keel_status_t> status(n, kUnwrittenStatus);
    keel_error_t err{};
    const CallOutcome result = outcome_of(
        f.model.implied_vol_batch(self, &in, premiums.data(), vols.data(), status.data(), &err),
        err);
    if (auto breach =
            contract_breach(result, "implied_vol_batch of " + std::to_string(n) + " options")) {
      return *breach;
    }
    for (size_t i = 0; i < n; ++i) {
      if (status[i] == kUnwrittenStatus) {
        return fail("implied_vol_batch did not write item " + std::to_string(i) +
                    "'s status (implied_vol gives '" + keel_status_name(iv_single[i].status) +
                    "')");
      }
      if (status[i] != iv_single[i].status) {
        return fail("implied_vol_batch item " + std::to_string(i) + " has status " +
                    std::to_string(status[i]) + " but implied_vol gives '" +
                    keel_status_name(iv_single[i].status) + "'");
      }
      if (!iv_single[i].ok()) {
        if (!std::isnan(vols[i])) {
          return fail("implied_vol_batch item " + std::to_string(i) + " failed but its vol is " +
                      number(vols[i]) + ", not NaN");
        }
      } else if (std::fabs(vols[i] - iv_values[i]) > kImpliedVolBatchTolerance) {
        return fail("implied_vol_batch item " + std::to_string(i) + " differs from implied_vol (" +
                    number(vols[i]) + " vs " + number(iv_values[i]) + ")");
      }
    }
    return pass("implied_vol_batch equals implied_vol item by item (" + std::to_string(n) +
                " options)");
  });

  out.run(id, "model.calibrate", [&]() -> Verdict {
    std::vector<keel_calibration_quote_t> quotes;
    for (const auto& option : iv_options) {
      keel_option_t at = option;
      at.vol = kCalibrationVol;
      const Priced p = price_one(f, self, at);
      quotes.push_back(
          {option, p.outcome.ok() ? p.greeks.price : approximate_premium(option, kCalibrationVol),
           1.0});
    }
    keel_capsule_t capsule = keel_capsule_empty();
    keel_error_t err{};
    const CallOutcome r =
        outcome_of(f.model.calibrate(self, quotes.data(), quotes.size(), &capsule, &err), err);
    const std::string call = "calibrate to " + std::to_string(quotes.size()) + " quotes";
    if (!r.ok()) {
      keel_capsule_release(&capsule);
      if (auto breach = contract_breach(r, call)) return *breach;
      if (r.status == KEEL_ERR_UNSUPPORTED) return pass("calibrate not offered: " + r.message);
      return pass(call + " refused with a status and message: " + r.describe());
    }
    return check_calibration_capsule(capsule, quotes.size());
  });

  out.run(id, "model.get_extension", [&]() -> Verdict {
    if (f.model.get_extension == nullptr) return pass("get_extension absent (optional)");
    if (f.model.get_extension(self, "keel.check.no_such_extension/0") != nullptr) {
      return fail("get_extension(\"keel.check.no_such_extension/0\") returned non-NULL");
    }
    return pass("get_extension of an unknown id returns NULL");
  });

  out.run(id, "model.host_thread", [&]() -> Verdict {
    if (auto breach = thread_rule_breach(instance, "the checks above")) return *breach;
    return pass("no [host-thread] host call from a thread of the model's own");
  });
  out.run(id, "model.drop", [&]() -> Verdict {
    const CallOutcome dropped = instance.drop();
    if (auto breach = contract_breach(dropped, "drop after use")) return *breach;
    if (!dropped.ok()) return fail("drop after use returned " + dropped.describe());
    return pass("drop after use returns OK");
  });
}

}  // namespace keel::check
