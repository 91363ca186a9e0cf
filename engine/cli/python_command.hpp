// engine/cli/python_command.hpp — `keel sweep` and `keel report`: keel's
// commands written in Python (python/keel/__main__.py), run by the python3
// keel was built with and the keel package installed beside this executable,
// so `keel sweep X` and `python3 -m keel sweep X` are one program.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "engine/cli/global_options.hpp"

namespace keel::cli {

// A subcommand whose arguments (all of them, --help included) go to
// `python3 -m keel NAME`. The runner replaces this process with that one
// (exec): signals and the exit code are Python's. It returns only when it
// cannot start it, with kExitUsage and a message saying what is missing.
// --plugin-path reaches the command as KEEL_PLUGIN_PATH; --log-level as its
// own --log-level when `takes_log_level` (a command that runs nothing, like
// `report`, has none and ignores it).
using PythonCommandRunner = std::function<int(const GlobalOptions&)>;
PythonCommandRunner add_python_command(CLI::App& app, const std::string& name,
                                       const std::string& description, bool takes_log_level);

}  // namespace keel::cli
