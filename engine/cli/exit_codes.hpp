// engine/cli/exit_codes.hpp — the one exit-code table every `keel` command
// uses (docs/cli.md "Exit codes", `keel --help`):
//   0    ok
//   2    bad input: run file, data, params, command-line arguments
//   3    a plugin cannot be found, chosen or loaded
//   4    a plugin or strategy failed (an error that stops the run, a fault,
//        a broken ABI rule) or a `plugin check` failed
//   130  interrupted by SIGINT (Ctrl-C), 143 by SIGTERM; the report is whole
#pragma once

#include "engine/core/failure.hpp"
#include "engine/core/status.hpp"

namespace keel::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 2,        // bad input
  kExitPluginLoad = 3,   // a plugin could not be found, chosen or loaded
  kExitPluginFault = 4,  // a plugin or strategy failed
  kExitSigint = 130,
  kExitSigterm = 143
};

inline constexpr const char* kExitCodeTable =
    "Exit codes (every command): 0 ok; 2 bad input (run file, data, params, arguments); "
    "3 a plugin cannot be found, chosen or loaded; 4 a plugin or strategy failed; "
    "130/143 interrupted (SIGINT/SIGTERM).";

inline int exit_code(FailureKind kind) { return static_cast<int>(kind); }

// For a status a plugin call returned, where nothing else says whose fault
// it was (kind_of_plugin_refusal).
inline int exit_code_for(const Status& status) {
  return exit_code(kind_of_plugin_refusal(status));
}

}  // namespace keel::cli
