// engine/core/failure.hpp — what kind of failure stopped a command or a run.
//
// Every keel command answers with one exit-code table (docs/cli.md, `keel
// --help`), and the Python package raises by the same kinds, so the kind is
// decided where the failure happens, not guessed later from a status code:
// a strategy returning KEEL_ERR_INVALID_ARGUMENT from on_bar is a strategy
// failure (4), the same code from a data row is bad input (2).
#pragma once

#include "engine/core/status.hpp"

namespace keel {

enum class FailureKind : int {
  none = 0,
  bad_input = 2,    // run file, data, params, arguments
  plugin_load = 3,  // a plugin cannot be found, chosen or loaded
  plugin = 4,       // a plugin or strategy failed or faulted
};

// A failure from a plugin call: a fault or a poisoned plugin is the
// plugin's (4); anything else it refused (bad params, an option it does not
// price) is the input's (2).
inline FailureKind kind_of_plugin_refusal(const Status& status) {
  switch (status.code()) {
    case KEEL_OK: return FailureKind::none;
    case KEEL_ERR_PLUGIN_FAULT:
    case KEEL_ERR_POISONED:
    case KEEL_ERR_BAD_CAPSULE:
    case KEEL_ERR_INTERNAL:
    case KEEL_ERR_WRONG_THREAD: return FailureKind::plugin;
    default: return FailureKind::bad_input;
  }
}

}  // namespace keel
