// engine/cli/exit_codes.hpp — the `keel` CLI's exit codes, and how an
// engine Status maps onto them.
#pragma once

#include "engine/core/status.hpp"

namespace keel::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 2,       // bad command line or bad input data
  kExitPluginLoad = 3,  // a plugin could not be found or loaded
  kExitPluginFault = 4  // a plugin faulted (exception, panic) or is poisoned
};

inline int exit_code_for(const Status& status) {
  switch (status.code()) {
    case KEEL_OK: return kExitOk;
    case KEEL_ERR_PLUGIN_FAULT:
    case KEEL_ERR_POISONED:
    case KEEL_ERR_BAD_CAPSULE:
    case KEEL_ERR_INTERNAL: return kExitPluginFault;
    default: return kExitUsage;
  }
}

}  // namespace keel::cli
