// engine/plugin_check/conformance.hpp — `keel plugin check`: a conformance
// checker for plugins, in the spirit of CLAP's clap-validator.
//
// run_conformance_checks() loads one plugin and exercises every rule of the
// ABI contract (DESIGN.md, "The ABI contract"; keel/*.h) through the real
// tables: the loader's findings (exports, descriptor, factories), then per
// factory create/drop with good and bad params, handle reuse and leaks, and
// per kind the members of its table (pricing models: price, price_batch,
// implied vol, calibrate, extensions; strategies: a synthetic market stream
// with orders served by a sandbox). Every check reports on its own: one
// failing check never stops the others, except that nothing past the loader
// runs on a plugin that cannot be loaded.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/host/host.hpp"

namespace keel::check {

struct CheckResult {
  // What was checked: "exports", "descriptor", "factories", "load", or a
  // factory id.
  std::string subject;
  // A stable identifier of the check for machine output, e.g.
  // "descriptor.magic_abi", "model.price_batch".
  std::string check;
  bool passed = false;
  // On a pass, what was verified; on a failure, what went wrong (the plugin's
  // own message quoted when it gave one).
  std::string message;
  // True when the failure is a plugin fault (KEEL_ERR_PLUGIN_FAULT, an
  // undefined status, or an exception that escaped the C boundary).
  bool fault = false;
};

struct CheckOptions {
  // JSON params per factory id, used where a check needs a working instance;
  // "{}" for a factory not listed.
  std::map<std::string, std::string> params;
  // create/drop cycles of the leak check.
  int lifecycle_cycles = 50;
  // Pricing models the host offers to model_lookup while strategies are
  // checked: name -> factory id (created with params {}). A strategy that
  // names a model in its params needs one here.
  std::map<std::string, std::string> models;
};

// What a whole check run found.
struct CheckReport {
  std::string target;       // as given: a path or an id
  std::string plugin_id;    // the descriptor's id ("" if it did not load)
  std::string plugin_path;  // the file checked ("" if it was not found)
  bool loaded = false;      // false: only load findings were checked
  std::vector<CheckResult> results;

  size_t failed() const;
  bool any_fault() const;
};

// Loads `target` (a file path, or a plugin or factory id looked up on the
// host's search path) into `host` and runs every check. The host may be
// used for nothing else while this runs (it installs its own run services
// for the strategy checks and removes them again).
CheckReport run_conformance_checks(Host& host, const std::string& target,
                                   const CheckOptions& options = {});

// One line per check: "PASS  descriptor: magic and ABI 1.0" or
// "FAIL  keel.foo: price_batch item 3 differs from price (1.2 vs 1.3)".
std::string format_line(const CheckResult& result);

}  // namespace keel::check
