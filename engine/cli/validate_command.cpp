// `keel validate FILE`: every error of a run file, or a one-line summary.
#include "engine/cli/validate_command.hpp"

#include <iostream>
#include <memory>
#include <string>

#include "engine/cli/exit_codes.hpp"
#include "engine/config/run_config.hpp"

namespace keel::cli {
namespace {

std::string count(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

CommandRunner add_validate_command(CLI::App& app) {
  auto file = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "validate",
      "Check a run file (keys, types, ranges, references, data files) without running it");
  cmd->add_option("file", *file, "The run file (JSON)")->required()->type_name("FILE");
  return [file](Host& /*host*/) {
    const ConfigResult result = load_run_config(*file);
    if (!result.config) {
      std::cerr << format_config_errors(*file, result.errors) << std::flush;
      return static_cast<int>(kExitUsage);
    }
    const RunConfig& config = *result.config;
    std::cout << *file << ": ok — " << count(config.instruments.size(), "instrument", "instruments")
              << ", " << count(config.data.size(), "data file", "data files") << ", "
              << count(config.pricing_models.size(), "model", "models") << ", "
              << count(config.strategies.size(), "strategy", "strategies") << "\n";
    return static_cast<int>(kExitOk);
  };
}

}  // namespace keel::cli
