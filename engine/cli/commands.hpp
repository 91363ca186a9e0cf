// engine/cli/commands.hpp — the `keel` subcommands. Each registers its
// options on a CLI11 app and runs against a Host; main.cpp wires them up.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "engine/host/host.hpp"

namespace keel::cli {

// A registered subcommand: run() returns the process exit code.
using CommandRunner = std::function<int(Host&)>;

CommandRunner add_plugin_inspect_command(CLI::App& plugin_app);
CommandRunner add_plugin_check_command(CLI::App& plugin_app);
CommandRunner add_price_command(CLI::App& app);
CommandRunner add_run_command(CLI::App& app);
CommandRunner add_data_command(CLI::App& app);  // `keel data convert` (engine/data)

// Loads a plugin given as a path (contains '/' or ends in .so) or an id;
// prints the error and returns null on failure.
PluginLibrary* resolve_plugin(Host& host, const std::string& path_or_id);

}  // namespace keel::cli
