// engine/cli/global_options.hpp — the options every `keel` command shares
// (--plugin-path, --log-level), and where on the command line they may go.
//
// They are declared once, on the top-level app. add_global_options() also
// turns on CLI11's fallthrough for every subcommand added after it, so an
// option a subcommand does not know is handed to its parent: `keel run X
// --log-level info` and `keel --log-level info run X` parse the same, and so
// does a global option between a subcommand's own arguments. Values of a
// repeated option are kept in command-line order, left to right across both
// positions.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace keel::cli {

struct GlobalOptions {
  // Searched in this order, before every other plugin folder (docs/cli.md).
  std::vector<std::string> plugin_paths;
  std::string log_level = "warn";
};

// Declares the global options on `app` (the top-level app) and makes
// subcommands added afterwards fall through to it. Call before adding any
// subcommand: CLI11 copies the fallthrough setting when a subcommand is made.
void add_global_options(CLI::App& app, GlobalOptions& options);

// Every "subcommand path: --option" where a subcommand declares an option
// with a global option's name; such an option would hide the global one
// after that subcommand. Empty when the command line is unambiguous.
std::vector<std::string> shadowed_global_options(const CLI::App& app);

}  // namespace keel::cli
