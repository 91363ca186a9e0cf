// engine/cli/gen_data_command.hpp — `keel gen-data`: seeded synthetic
// quotes, trades and bars (engine/data/synthetic.hpp) written as CSV.
//
// Kept out of commands.hpp so the data module owns it; main.cpp registers
// it like the other commands.
#pragma once

#include <CLI/CLI.hpp>

#include "engine/cli/commands.hpp"

namespace keel::cli {

CommandRunner add_gen_data_command(CLI::App& app);

}  // namespace keel::cli
