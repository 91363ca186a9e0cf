// engine/library/strategy_call_scope.hpp — how keel.run and keel.testing
// call into strategies from a Python program: with the GIL released (Python
// strategies take it per callback) and this thread's run hooks pointing at
// `hooks` (engine/python/bindings.hpp), undone on every way out.
#pragma once

#include <pybind11/pybind11.h>

#include "engine/python/bindings.hpp"

namespace keel::library {

class StrategyCallScope {
 public:
  explicit StrategyCallScope(python::RunHooks& hooks) { python::set_run_hooks(&hooks); }
  ~StrategyCallScope() { python::set_run_hooks(nullptr); }
  StrategyCallScope(const StrategyCallScope&) = delete;
  StrategyCallScope& operator=(const StrategyCallScope&) = delete;

 private:
  pybind11::gil_scoped_release release_;
};

}  // namespace keel::library
