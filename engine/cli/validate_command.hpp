// engine/cli/validate_command.hpp — `keel validate FILE`: check a run file
// without running it.
#pragma once

#include <CLI/CLI.hpp>

#include "engine/cli/commands.hpp"

namespace keel::cli {

// Registers `validate` on `app`. The runner prints every error of the run
// file as "FILE: /pointer: message" on stderr and returns kExitUsage, or
// prints a one-line summary and returns kExitOk. It loads no plugins:
// factory ids are checked when a run loads them.
CommandRunner add_validate_command(CLI::App& app);

}  // namespace keel::cli
