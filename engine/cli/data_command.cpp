// `keel data convert IN OUT`: market data between CSV and keel's binary
// format (engine/data/binary_format.hpp), the direction picked by IN's magic.
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "engine/cli/commands.hpp"
#include "engine/cli/exit_codes.hpp"
#include "engine/data/market_data_files.hpp"

namespace keel::cli {
namespace {

struct DataOptions {
  std::string in, out, kind, instrument;
  int binary_version = 2;
  bool quiet = false;
};

}  // namespace

CommandRunner add_data_command(CLI::App& app) {
  auto o = std::make_shared<DataOptions>();
  CLI::App* data = app.add_subcommand("data", "Work with market data files");
  data->require_subcommand(1);
  CLI::App* convert = data->add_subcommand(
      "convert",
      "Convert market data between CSV and keel's binary format (engine/data/binary_format.hpp): "
      "a binary IN (recognised by its magic; version 1 or 2) becomes CSV, anything else is read "
      "as CSV and becomes binary, version 2 (compact: delta timestamps, prices in ticks) unless "
      "--binary-version 1. Lossless both ways: CSV -> binary -> CSV gives back every timestamp "
      "and number exactly.");
  convert->add_option("in", o->in, "Input file (CSV or binary)")->required()->type_name("IN");
  convert->add_option("out", o->out, "Output file (written as OUT.partial, then renamed)")
      ->required()
      ->type_name("OUT");
  convert
      ->add_option("--kind", o->kind,
                   "CSV input: quotes|trades|bars|depth (default: from the header)")
      ->check(CLI::IsMember({"quotes", "trades", "bars", "depth"}));
  convert
      ->add_option("--instrument", o->instrument,
                   "CSV input without an instrument column: the symbol of every row")
      ->type_name("SYMBOL");
  convert
      ->add_option("--binary-version", o->binary_version,
                   "CSV input: the binary format version to write, 2 (compact) or 1 (fixed-size "
                   "records, for keel releases before version 2 existed)")
      ->check(CLI::IsMember({1, 2}))
      ->capture_default_str();
  convert->add_flag("--quiet,-q", o->quiet, "Print nothing on success");

  return [o](Host&) {
    ConvertOptions options;
    if (!o->kind.empty()) {
      options.kind = o->kind == "quotes"   ? DataFormat::quotes
                     : o->kind == "trades" ? DataFormat::trades
                     : o->kind == "depth"  ? DataFormat::depth
                                           : DataFormat::bars;
    }
    if (!o->instrument.empty()) options.instrument = o->instrument;
    options.binary_version = static_cast<uint16_t>(o->binary_version);
    ConvertStats stats;
    if (Status s = convert_market_data(o->in, o->out, options, &stats); !s) {
      std::cerr << "keel data convert: " << s.message() << "\n";
      return static_cast<int>(kExitUsage);
    }
    if (!o->quiet) {
      std::cout << o->out << ": " << stats.records << " " << data_format_name(stats.kind)
                << " records, " << stats.instruments << " instrument"
                << (stats.instruments == 1 ? "" : "s") << " ("
                << (stats.to_binary ? "CSV -> binary v" : "binary v") << stats.binary_version
                << (stats.to_binary ? "" : " -> CSV") << ", " << stats.bytes << " bytes)\n";
    }
    return static_cast<int>(kExitOk);
  };
}

}  // namespace keel::cli
