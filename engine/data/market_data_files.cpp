#include "engine/data/market_data_files.hpp"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "engine/data/binary_format.hpp"
#include "engine/data/binary_market_data.hpp"
#include "engine/data/csv_market_data.hpp"
#include "engine/market/timestamp.hpp"

namespace keel {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// The kind a CSV header names: a "bid" column (quotes), "price" (trades) or "open" (bars).
Result<DataFormat> csv_kind_from_header(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status(KEEL_ERR_NOT_FOUND, path.string() + ": cannot open: " + std::strerror(errno));
  }
  std::string header;
  while (header.find_first_not_of(" \t\r") == std::string::npos && std::getline(in, header)) {
  }
  if (header.rfind("\xEF\xBB\xBF", 0) == 0) header.erase(0, 3);
  size_t start = 0;
  for (;;) {
    const size_t comma = header.find(',', start);
    std::string name = header.substr(start, comma == std::string::npos ? comma : comma - start);
    std::string trimmed;
    for (char c : name) {
      if (c != ' ' && c != '\t' && c != '\r') trimmed += lower(c);
    }
    if (trimmed == "bid") return DataFormat::quotes;
    if (trimmed == "price") return DataFormat::trades;
    if (trimmed == "open") return DataFormat::bars;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return Status(KEEL_ERR_INVALID_ARGUMENT,
                path.string() +
                    ":1: cannot tell the kind from the header (no 'bid', 'price' or "
                    "'open' column); say it with --kind quotes|trades|bars");
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

Status csv_to_binary(const std::filesystem::path& in, const std::filesystem::path& out,
                     const ConvertOptions& options, ConvertStats& stats) {
  DataFormat kind;
  if (options.kind) {
    kind = *options.kind;
  } else {
    Result<DataFormat> detected = csv_kind_from_header(in);
    if (!detected) return detected.status();
    kind = *detected;
  }
  auto reader = CsvMarketData::open_any_symbols(in, kind, options.instrument);
  if (!reader) return reader.status();
  auto writer = BinaryMarketDataWriter::create(out, kind);
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
  return (*writer)->finish();
}

Status binary_to_csv(const std::filesystem::path& in, const std::filesystem::path& out,
                     ConvertStats& stats) {
  auto reader = BinaryMarketData::open_raw(in);
  if (!reader) return reader.status();
  std::filesystem::path partial = out;
  partial += ".partial";
  std::FILE* file = std::fopen(partial.c_str(), "wb");
  if (file == nullptr) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  partial.string() + ": cannot create: " + std::strerror(errno));
  }
  const auto fail = [&](Status status) {
    std::fclose(file);
    std::error_code ec;
    std::filesystem::remove(partial, ec);
    return status;
  };
  const auto write_error = [&] {
    return fail(Status(KEEL_ERR_INVALID_ARGUMENT,
                       partial.string() + ": write error: " + std::strerror(errno)));
  };
  const DataFormat kind = (*reader)->format();
  const std::vector<std::string>& symbols = (*reader)->symbols();
  CsvOut csv(file);
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
  if (std::fclose(file) != 0) {
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
  return Status::ok();
}

}  // namespace

bool is_binary_market_data(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char magic[sizeof binary_format::kMagic] = {};
  in.read(reinterpret_cast<char*>(magic), sizeof magic);
  return in.gcount() == sizeof magic && binary_format::has_magic(magic, sizeof magic);
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
  if (is_binary_market_data(spec.path)) {
    auto source =
        BinaryMarketData::open(spec.path, instruments, id,
                               spec.binary ? std::nullopt : std::optional<DataFormat>(spec.format));
    if (!source) return source.status();
    return std::unique_ptr<MarketDataSource>(std::move(*source));
  }
  if (spec.binary) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  spec.path.string() +
                      ": the data entry says \"binary\" but the file is not in keel's binary "
                      "market-data format (convert a CSV file with `keel data convert IN OUT`, "
                      "or give its kind: \"quotes\", \"trades\" or \"bars\")");
  }
  auto source = CsvMarketData::open(spec.path, spec.format, id, instruments);
  if (!source) return source.status();
  return std::unique_ptr<MarketDataSource>(std::move(*source));
}

Status convert_market_data(const std::filesystem::path& in, const std::filesystem::path& out,
                           const ConvertOptions& options, ConvertStats* stats) {
  ConvertStats local;
  ConvertStats& s = stats != nullptr ? *stats : local;
  std::error_code ec;
  if (!std::filesystem::exists(in, ec)) {
    return Status(KEEL_ERR_NOT_FOUND, in.string() + ": file not found");
  }
  if (std::filesystem::exists(out, ec) && std::filesystem::equivalent(in, out, ec)) {
    return Status(KEEL_ERR_INVALID_ARGUMENT, out.string() + ": the output is the input file");
  }
  if (is_binary_market_data(in)) return binary_to_csv(in, out, s);
  return csv_to_binary(in, out, options, s);
}

}  // namespace keel
