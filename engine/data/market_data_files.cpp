#include "engine/data/market_data_files.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include "engine/data/binary_format.hpp"
#include "engine/data/binary_market_data.hpp"
#include "engine/data/csv_market_data.hpp"
#include "engine/data/data_file.hpp"
#include "engine/market/timestamp.hpp"

namespace keel {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// The kind a CSV header names: a "bid" column (quotes), "open" (bars),
// "side" and "price" (depth), else "price" (trades). A trades file with an
// extra "side" column is therefore taken for depth: --kind trades says it. Reads the start of
// `file` (pread: the CSV reader still starts at offset 0), at most kMaxHeaderBytes.
Result<DataFormat> csv_kind_from_header(const DataFile& file, const std::filesystem::path& path) {
  constexpr size_t kMaxHeaderBytes = size_t{1} << 20;
  std::string start(std::min<uint64_t>(file.size(), kMaxHeaderBytes), '\0');
  const long got = file.read_start(start.data(), start.size());
  if (got < 0) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  path.string() + ": read error: " + std::strerror(errno));
  }
  start.resize(static_cast<size_t>(got));
  // The first line that is not blank.
  std::string_view header;
  for (size_t at = 0; at < start.size();) {
    const size_t newline = start.find('\n', at);
    header =
        std::string_view(start).substr(at, newline == std::string::npos ? newline : newline - at);
    if (header.find_first_not_of(" \t\r") != std::string_view::npos) break;
    header = {};
    if (newline == std::string::npos) break;
    at = newline + 1;
  }
  if (header.substr(0, 3) == "\xEF\xBB\xBF") header.remove_prefix(3);
  bool price = false;
  bool side = false;
  size_t from = 0;
  for (;;) {
    const size_t comma = header.find(',', from);
    const std::string_view name =
        header.substr(from, comma == std::string_view::npos ? comma : comma - from);
    std::string trimmed;
    for (char c : name) {
      if (c != ' ' && c != '\t' && c != '\r') trimmed += lower(c);
      if (trimmed.size() > 5) break;  // longer than any name looked for
    }
    if (trimmed == "bid") return DataFormat::quotes;
    if (trimmed == "open") return DataFormat::bars;
    price = price || trimmed == "price";
    side = side || trimmed == "side";
    if (comma == std::string_view::npos) break;
    from = comma + 1;
  }
  if (price) return side ? DataFormat::depth : DataFormat::trades;
  return Status(KEEL_ERR_INVALID_ARGUMENT,
                path.string() +
                    ":1: cannot tell the kind from the header (no 'bid', 'price' or "
                    "'open' column); say it with --kind quotes|trades|bars|depth");
}

// True when the file starts with the binary format's magic.
bool has_binary_magic(const DataFile& file) {
  unsigned char magic[sizeof binary_format::kMagic] = {};
  return file.read_start(magic, sizeof magic) == static_cast<long>(sizeof magic) &&
         binary_format::has_magic(magic, sizeof magic);
}

// Buffered output for the CSV side: one buffer, written in large blocks.
class CsvOut {
 public:
  explicit CsvOut(std::FILE* file) : file_(file) { buffer_.reserve(kFlushAt + 512); }
  void text(std::string_view s) { buffer_.append(s); }
  void ch(char c) { buffer_.push_back(c); }
  void number(double v) {
    char digits[32];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
    buffer_.append(digits, static_cast<size_t>(end - digits));
    (void)ec;  // 32 bytes hold any double's shortest form
  }
  bool end_row() {
    buffer_.push_back('\n');
    return buffer_.size() < kFlushAt || flush();
  }
  bool flush() {
    const bool ok = std::fwrite(buffer_.data(), 1, buffer_.size(), file_) == buffer_.size();
    buffer_.clear();
    return ok;
  }

 private:
  static constexpr size_t kFlushAt = size_t{1} << 20;
  std::FILE* file_;
  std::string buffer_;
};

Status csv_to_binary(DataFile file, const std::filesystem::path& in,
                     const std::filesystem::path& out, const ConvertOptions& options,
                     ConvertStats& stats) {
  DataFormat kind;
  if (options.kind) {
    kind = *options.kind;
  } else {
    Result<DataFormat> detected = csv_kind_from_header(file, in);
    if (!detected) return detected.status();
    kind = *detected;
  }
  auto reader = CsvMarketData::open_any_symbols(std::move(file), in, kind, options.instrument);
  if (!reader) return reader.status();
  auto writer = BinaryMarketDataWriter::create(out, kind, options.binary_version);
  if (!writer) return writer.status();
  // Reader ids and writer table indices both count symbols in order of
  // first appearance, so they are the same numbers.
  size_t known = 0;
  MarketEvent event;
  for (;;) {
    Result<bool> got = (*reader)->next(event);
    if (!got) return got.status();
    if (!*got) break;
    const auto& learned = (*reader)->learned_symbols();
    while (known < learned.size()) {
      Result<uint32_t> index = (*writer)->symbol_index(learned[known]);
      if (!index) return index.status();
      ++known;
    }
    if (Status s = (*writer)->append(event); !s) return s;
  }
  // A fixed symbol is in the table even when the file has no rows.
  for (const auto& learned = (*reader)->learned_symbols(); known < learned.size(); ++known) {
    if (Result<uint32_t> index = (*writer)->symbol_index(learned[known]); !index) {
      return index.status();
    }
  }
  stats.to_binary = true;
  stats.kind = kind;
  stats.records = (*writer)->records();
  stats.instruments = known;
  stats.binary_version = options.binary_version;
  if (Status s = (*writer)->finish(); !s) return s;
  std::error_code ec;
  stats.bytes = std::filesystem::file_size(out, ec);
  return Status::ok();
}

Status binary_to_csv(DataFile file, const std::filesystem::path& in,
                     const std::filesystem::path& out, ConvertStats& stats) {
  auto reader = BinaryMarketData::open_raw(std::move(file), in);
  if (!reader) return reader.status();
  // keel's CSV has no quoting: refuse a symbol the CSV could not carry
  // before anything is written.
  const std::vector<std::string>& symbols = (*reader)->symbols();
  for (size_t i = 0; i < symbols.size(); ++i) {
    if (const std::string problem = csv_symbol_problem(symbols[i]); !problem.empty()) {
      return Status(KEEL_ERR_INVALID_ARGUMENT,
                    in.string() + ": instrument table entry " + std::to_string(i) + ": symbol " +
                        shown_symbol(symbols[i]) + " " + problem +
                        ", so it cannot be written to CSV (keel's CSV has no quoting: a symbol "
                        "must hold no comma or line break and not start or end with a space or "
                        "tab)");
    }
  }
  std::filesystem::path partial = out;
  partial += ".partial";
  std::FILE* output = std::fopen(partial.c_str(), "wb");
  if (output == nullptr) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  partial.string() + ": cannot create: " + std::strerror(errno));
  }
  const auto fail = [&](Status status) {
    std::fclose(output);
    std::error_code ec;
    std::filesystem::remove(partial, ec);
    return status;
  };
  const auto write_error = [&] {
    return fail(Status(KEEL_ERR_INVALID_ARGUMENT,
                       partial.string() + ": write error: " + std::strerror(errno)));
  };
  const DataFormat kind = (*reader)->format();
  CsvOut csv(output);
  csv.text(csv_header(kind));
  if (!csv.end_row()) return write_error();
  MarketEvent e;
  for (;;) {
    Result<bool> got = (*reader)->next(e);
    if (!got) return fail(got.status());
    if (!*got) break;
    csv.text(format_timestamp(e.ts()));
    csv.ch(',');
    csv.text(symbols[e.instrument()]);
    switch (e.kind) {
      case MarketEventKind::quote:
        for (double v :
             {e.as.quote.bid, e.as.quote.bid_size, e.as.quote.ask, e.as.quote.ask_size}) {
          csv.ch(',');
          csv.number(v);
        }
        break;
      case MarketEventKind::trade:
        for (double v : {e.as.trade.price, e.as.trade.size}) {
          csv.ch(',');
          csv.number(v);
        }
        break;
      case MarketEventKind::bar:
        for (double v :
             {e.as.bar.open, e.as.bar.high, e.as.bar.low, e.as.bar.close, e.as.bar.volume}) {
          csv.ch(',');
          csv.number(v);
        }
        break;
    }
    if (!csv.end_row()) return write_error();
    ++stats.records;
  }
  if (!csv.flush()) return write_error();
  if (std::fclose(output) != 0) {
    std::error_code ec;
    std::filesystem::remove(partial, ec);
    return Status(KEEL_ERR_INVALID_ARGUMENT, partial.string() + ": write error on close");
  }
  std::error_code ec;
  std::filesystem::rename(partial, out, ec);
  if (ec) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  out.string() + ": cannot rename from .partial: " + ec.message());
  }
  stats.to_binary = false;
  stats.kind = kind;
  stats.instruments = symbols.size();
  stats.binary_version = (*reader)->version();
  stats.bytes = std::filesystem::file_size(out, ec);
  return Status::ok();
}

}  // namespace

bool is_binary_market_data(const std::filesystem::path& path) {
  Result<DataFile> file = open_data_file(path);
  return file && has_binary_magic(*file);
}

Result<std::unique_ptr<MarketDataSource>> open_market_data(const DataSpec& spec,
                                                           const InstrumentTable& instruments) {
  std::optional<keel_instrument_id_t> id;
  if (spec.instrument) {
    id = instruments.find(*spec.instrument);
    if (!id) {
      return Status(KEEL_ERR_INVALID_ARGUMENT,
                    spec.path.string() + ": the data entry's instrument '" + *spec.instrument +
                        "' is not in the run file's instruments");
    }
  }
  // Opened once: the magic is read from the same regular file the reader reads.
  Result<DataFile> file = open_data_file(spec.path);
  if (!file) return file.status();
  if (has_binary_magic(*file)) {
    auto source =
        BinaryMarketData::open(std::move(*file), spec.path, instruments, id,
                               spec.binary ? std::nullopt : std::optional<DataFormat>(spec.format));
    if (!source) return source.status();
    return std::unique_ptr<MarketDataSource>(std::move(*source));
  }
  if (spec.binary) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  spec.path.string() +
                      ": the data entry says \"binary\" but the file is not in keel's binary "
                      "market-data format (convert a CSV file with `keel data convert IN OUT`, "
                      "or give its kind: \"quotes\", \"trades\", \"bars\" or \"depth\")");
  }
  auto source = CsvMarketData::open(std::move(*file), spec.path, spec.format, id, instruments);
  if (!source) return source.status();
  return std::unique_ptr<MarketDataSource>(std::move(*source));
}

Status convert_market_data(const std::filesystem::path& in, const std::filesystem::path& out,
                           const ConvertOptions& options, ConvertStats* stats) {
  ConvertStats local;
  ConvertStats& s = stats != nullptr ? *stats : local;
  Result<DataFile> file = open_data_file(in);
  if (!file) {
    if (file.status().code() == KEEL_ERR_NOT_FOUND) {
      return Status(KEEL_ERR_NOT_FOUND, in.string() + ": file not found");
    }
    return file.status();
  }
  std::error_code ec;
  if (std::filesystem::exists(out, ec) && std::filesystem::equivalent(in, out, ec)) {
    return Status(KEEL_ERR_INVALID_ARGUMENT, out.string() + ": the output is the input file");
  }
  if (has_binary_magic(*file)) return binary_to_csv(std::move(*file), in, out, s);
  return csv_to_binary(std::move(*file), in, out, options, s);
}

}  // namespace keel
