// `keel gen-data`: writes seeded synthetic market data (geometric Brownian
// motion with jumps; quotes, trades, bars, or an L2 book with its trades) as CSV files keel can
// replay, or with --binary as keel binary files (format version 2).
#include "engine/cli/gen_data_command.hpp"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/cli/exit_codes.hpp"
#include "engine/data/market_data_files.hpp"
#include "engine/data/synthetic.hpp"

namespace keel::cli {
namespace {

struct GenDataOptions {
  SyntheticSpec spec;
  std::string out;
  std::vector<std::string> kinds = {"all"};
  std::string session = "14:30-21:00";
  std::string ts = "iso";
  bool binary = false;
};

int usage(const std::string& message) {
  std::cerr << "keel gen-data: " << message << " (see keel gen-data --help)\n";
  return kExitUsage;
}

// "HH:MM" -> minutes after midnight, or nullopt.
std::optional<int> parse_hh_mm(const std::string& text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (size_t i : {0, 1, 3, 4}) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (minutes > 59 || hours > 24 || (hours == 24 && minutes != 0)) return std::nullopt;
  return hours * 60 + minutes;
}

// --binary: the CSV files are written to a scratch folder inside `out`
// (so no file of the user's is overwritten or removed), each converted to
// out/<name>.kmd, and the scratch folder removed. The conversion is exact,
// so the binary files hold the events the CSV files would.
Status write_binary(const SyntheticSpec& spec, const std::filesystem::path& out,
                    SyntheticStats& stats) {
  const std::filesystem::path scratch = out / (".keel-gen-data-" + std::to_string(::getpid()));
  std::error_code ec;
  std::filesystem::create_directories(scratch, ec);
  if (ec) {
    return Status(KEEL_ERR_INVALID_ARGUMENT, scratch.string() + ": cannot create: " + ec.message());
  }
  const auto done = [&](Status status) {
    std::error_code ignored;
    std::filesystem::remove_all(scratch, ignored);
    return status;
  };
  SyntheticStats csv;
  if (Status s = write_synthetic(spec, scratch, &csv); !s) return done(s);
  stats.rows = csv.rows;
  stats.files.clear();
  for (const std::filesystem::path& file : csv.files) {
    std::filesystem::path binary = out / file.filename();
    binary.replace_extension(".kmd");
    if (Status s = convert_market_data(file, binary, {}); !s) return done(s);
    stats.files.push_back(binary);
  }
  return done(Status::ok());
}

}  // namespace

CommandRunner add_gen_data_command(CLI::App& app) {
  auto o = std::make_shared<GenDataOptions>();
  SyntheticSpec& s = o->spec;
  CLI::App* cmd = app.add_subcommand(
      "gen-data",
      "Write seeded synthetic market data as CSV: quotes, trades and 1-minute (or --bar-seconds) "
      "bars from a geometric Brownian motion with jumps, over US equity hours (14:30-21:00 UTC) "
      "on weekdays, or with --kind depth an L2 book (exch_ts a seeded feed latency earlier) and "
      "its trades. The same arguments always give byte-identical files.\n"
      "Files: DIR/<SYMBOL>_<kind>.csv, or DIR/<kind>.csv with --merge; each has the instrument "
      "column. With --binary, .kmd files in keel's binary format (version 2) instead.");
  cmd->add_option("--out", o->out, "Output folder (created if missing)")
      ->required()
      ->type_name("DIR");
  cmd->add_option("--instruments", s.instruments, "Symbols, comma-separated: AAPL,MSFT")
      ->required()
      ->delimiter(',')
      ->type_name("SYMBOLS");
  cmd->add_option("--days", s.days, "Trading days (weekdays) to generate")->capture_default_str();
  cmd->add_option("--kind", o->kinds,
                  "quotes, trades, bars or all (comma-separated), or depth alone: an L2 book "
                  "(<SYMBOL>_depth.csv, with exch_ts) and its trades (<SYMBOL>_trades.csv)")
      ->delimiter(',')
      ->check(CLI::IsMember({"quotes", "trades", "bars", "all", "depth"}))
      ->capture_default_str();
  cmd->add_option("--seed", s.seed, "Random seed")->capture_default_str();
  cmd->add_option("--start", s.start_date, "First day (or the next weekday after it)")
      ->type_name("YYYY-MM-DD")
      ->capture_default_str();
  cmd->add_option("--bar-seconds", s.bar_seconds, "Bar length in seconds")->capture_default_str();
  cmd->add_option("--depth-levels", s.depth_levels, "Depth: price levels a side of the book")
      ->capture_default_str();
  cmd->add_option("--quotes-per-day", s.quotes_per_day,
                  "Expected quote updates (depth: book updates) per instrument per session")
      ->capture_default_str();
  cmd->add_option("--trades-per-day", s.trades_per_day,
                  "Expected trades per instrument per session (0 = a quarter of the quotes)")
      ->capture_default_str();
  cmd->add_option("--session", o->session, "Session, UTC")
      ->type_name("HH:MM-HH:MM")
      ->capture_default_str();
  cmd->add_option("--price", s.start_price,
                  "Start price of every instrument (default: drawn per instrument, 20..500)");
  cmd->add_option("--vol", s.annual_vol,
                  "Annual volatility of every instrument, 0.2 = 20% (default: drawn per "
                  "instrument, 15%..45%)");
  cmd->add_option("--drift", s.annual_drift, "Annual drift (expected return)")
      ->capture_default_str();
  cmd->add_option("--jump-intensity", s.jump_intensity_per_day, "Expected jumps per day")
      ->capture_default_str();
  cmd->add_option("--jump-mean", s.jump_mean, "Mean log jump size")->capture_default_str();
  cmd->add_option("--jump-stdev", s.jump_stdev, "Standard deviation of the log jump size")
      ->capture_default_str();
  cmd->add_option("--spread-bps", s.spread_bps, "Typical bid-ask spread in basis points")
      ->capture_default_str();
  cmd->add_option("--ts", o->ts, "Timestamps as iso (2024-01-02T14:30:00.5Z) or ns (integer)")
      ->check(CLI::IsMember({"iso", "ns"}))
      ->capture_default_str();
  cmd->add_flag("--merge", s.merge, "One file per kind with all instruments merged in time order");
  cmd->add_option("--prefix", s.prefix, "Prefix for the file names")->type_name("TEXT");
  cmd->add_flag("--binary", o->binary,
                "Write keel binary files (.kmd, format version 2: compact, read with no parsing) "
                "instead of CSV; the same events, bit for bit");

  return [o](Host&) {
    SyntheticSpec spec = o->spec;
    spec.kinds.clear();
    for (const std::string& kind : o->kinds) {
      if (kind == "all") {
        spec.kinds = {DataFormat::quotes, DataFormat::trades, DataFormat::bars};
        break;
      }
      spec.kinds.push_back(kind == "quotes"   ? DataFormat::quotes
                           : kind == "trades" ? DataFormat::trades
                           : kind == "depth"  ? DataFormat::depth
                                              : DataFormat::bars);
    }
    const size_t dash = o->session.find('-');
    const std::optional<int> open =
        dash == std::string::npos ? std::nullopt : parse_hh_mm(o->session.substr(0, dash));
    const std::optional<int> close =
        dash == std::string::npos ? std::nullopt : parse_hh_mm(o->session.substr(dash + 1));
    if (!open || !close) {
      return usage("--session '" + o->session + "' is not HH:MM-HH:MM (UTC), e.g. 14:30-21:00");
    }
    spec.session_open_minute = *open;
    spec.session_close_minute = *close;
    spec.timestamps = o->ts == "ns" ? TimestampStyle::nanoseconds : TimestampStyle::iso;
    if (Status status = validate_synthetic_spec(spec); !status) return usage(status.message());

    SyntheticStats stats;
    if (Status status =
            o->binary ? write_binary(spec, o->out, stats) : write_synthetic(spec, o->out, &stats);
        !status) {
      std::cerr << "keel gen-data: " << status.message() << "\n";
      return exit_code_for(status);
    }
    for (const auto& file : stats.files) std::cout << file.string() << "\n";
    std::cerr << "wrote " << stats.rows << " rows in " << stats.files.size() << " files to "
              << o->out << "\n";
    return static_cast<int>(kExitOk);
  };
}

}  // namespace keel::cli
