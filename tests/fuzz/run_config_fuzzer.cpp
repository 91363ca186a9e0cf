// tests/fuzz/run_config_fuzzer.cpp — a run file checked from bytes
// (keel::parse_run_config, what `keel validate` and `keel run` use).
//
// Properties: no crash, hang or leak on any input; a result is either a
// config with no errors or errors with no config; every error has a
// message and a pointer that is "" or starts with '/', and can be
// formatted; an accepted config has the non-empty sections a run needs,
// and every instrument a strategy names is in its instrument table.
//
// The run file "is" <scratch>/config/examples/run.json, beside empty
// files at the paths the example run files name, so that corpus entries
// made from config/examples/*.json can pass the checks that data files
// exist.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "engine/config/run_config.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

const std::filesystem::path& run_file() {
  static const std::filesystem::path file = [] {
    using keel::fuzz::scratch_dir;
    std::filesystem::create_directories(scratch_dir() / "config/examples");
    std::filesystem::create_directories(scratch_dir() / "examples/data");
    for (const char* name : {"demo_bars.csv", "demo_quotes.csv"}) {
      const std::string path = "examples/data/" + std::string(name);
      keel::fuzz::write_input(path, nullptr, 0);
    }
    return scratch_dir() / "config/examples/run.json";
  }();
  return file;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using keel::fuzz::require;
  const std::filesystem::path& file = run_file();
  const std::string text(reinterpret_cast<const char*>(data), size);
  const keel::ConfigResult result = keel::parse_run_config(text, file);

  require(result.config.has_value() == result.errors.empty(),
          "a result must hold either a config or errors, not both or neither");
  for (const keel::ConfigError& error : result.errors) {
    require(!error.message.empty(), "an error without a message at '" + error.pointer + "'");
    require(error.pointer.empty() || error.pointer.front() == '/',
            "an error pointer that is not a JSON pointer: '" + error.pointer + "'");
    require(!keel::format_config_error(file, error).empty(), "an empty formatted error");
  }
  if (!result.config) return 0;

  const keel::RunConfig& config = *result.config;
  require(config.instruments.size() > 0, "accepted a run file with no instruments");
  require(!config.data.empty(), "accepted a run file with no data");
  require(!config.strategies.empty(), "accepted a run file with no strategies");
  for (const keel::StrategySpec& strategy : config.strategies) {
    for (const std::string& symbol : strategy.instruments) {
      require(
          config.instruments.find(symbol).has_value(),
          "accepted strategy '" + strategy.name + "' naming unknown instrument '" + symbol + "'");
    }
  }
  for (const keel::DataSpec& spec : config.data) {
    if (spec.instrument) {
      require(config.instruments.find(*spec.instrument).has_value(),
              "accepted a data entry naming unknown instrument '" + *spec.instrument + "'");
    }
  }
  return 0;
}
