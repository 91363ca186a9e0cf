// engine/plugin_check/check_support.hpp — the pieces every group of
// conformance checks shares: the result collector, the classification of a
// status a plugin returned, and an instance created through a factory's raw
// create/drop pair.
//
// The checks call a plugin's tables directly rather than through
// ModelInstance/StrategyInstance, on purpose: those stop calling a plugin
// once it has faulted (rule 7), which is right for a run, but a checker must
// go on to report every other check on its own.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "engine/host/host.hpp"
#include "engine/plugin_check/conformance.hpp"

namespace keel::check {

// The outcome of one check's body.
struct Verdict {
  bool passed = false;
  std::string message;
  bool fault = false;
};
inline Verdict pass(std::string message) { return {true, std::move(message), false}; }
inline Verdict fail(std::string message, bool fault = false) {
  return {false, std::move(message), fault};
}

class Collector {
 public:
  explicit Collector(std::vector<CheckResult>& out) : out_(out) {}

  void add(const std::string& subject, const std::string& check, Verdict verdict) {
    out_.push_back({subject, check, verdict.passed, std::move(verdict.message), verdict.fault});
  }

  // Runs `body` (returning Verdict) as one check; an exception that escapes
  // it (from the plugin, through the C boundary, or from the checker) fails
  // this check only.
  template <class Body>
  void run(const std::string& subject, const std::string& check, Body&& body) {
    try {
      add(subject, check, body());
    } catch (const std::exception& e) {
      add(subject, check,
          fail(std::string("an exception escaped across the C boundary: ") + e.what(), true));
    } catch (...) {
      add(subject, check, fail("an exception of unknown type escaped across the C boundary", true));
    }
  }

 private:
  std::vector<CheckResult>& out_;
};

// What a plugin call returned, with its message.
struct CallOutcome {
  keel_status_t status = KEEL_OK;
  std::string message;

  bool ok() const { return status == KEEL_OK; }
  // "invalid argument: /vol: expected ..." (or just the status name).
  std::string describe() const;
};

CallOutcome outcome_of(keel_status_t status, const keel_error_t& err);

// Why `outcome` breaks the contract, or nothing when it is OK or a clean
// error (a defined status other than a fault, with a non-empty message).
// `member` names the call ("price", "create with params {}").
std::optional<Verdict> contract_breach(const CallOutcome& outcome, const std::string& member);

// An instance made through a factory's raw create, with its own host table;
// dropped exactly once (by drop() or the destructor), after which the
// host's leak report hears of what it never gave back.
class RawInstance {
 public:
  RawInstance(Host& host, const Factory& factory, const std::string& name);
  ~RawInstance();
  RawInstance(const RawInstance&) = delete;
  RawInstance& operator=(const RawInstance&) = delete;

  // Calls create with `params_json`; on KEEL_OK with a null instance the
  // outcome is turned into a fault.
  CallOutcome create(const std::string& params_json);
  // Calls drop (once; later calls return OK without calling the plugin).
  CallOutcome drop();

  void* self() const { return self_; }
  bool alive() const { return self_ != nullptr; }
  InstanceContext& context() { return *context_; }

 private:
  Host& host_;
  const Factory& factory_;
  std::unique_ptr<InstanceContext> context_;
  void* self_ = nullptr;
};

// A FAIL verdict when the instance called a [host-thread] member of the host
// table from a thread of its own (keel/host.h) during or before `member`.
std::optional<Verdict> thread_rule_breach(RawInstance& instance, const std::string& member);

// Compact rendering of JSON params for messages: the text itself when short.
std::string params_label(const std::string& params_json);

// "%.17g" without trailing noise for messages ("1.2", "0.30000000000000004").
std::string number(double value);

// The checks of each kind (model_checks.cpp, strategy_checks.cpp).
void check_pricing_model(Host& host, const Factory& factory, const std::string& params,
                         Collector& out);
void check_strategy(Host& host, const Factory& factory, const std::string& params, Collector& out);

// Checks every kind shares: create/drop with good and bad params, handle
// reuse, leaks over many cycles (conformance.cpp). Returns false when no
// instance could be created with the good params (the kind's checks are
// then skipped).
bool check_lifecycle(Host& host, const Factory& factory, const std::string& params,
                     const CheckOptions& options, Collector& out);

}  // namespace keel::check
