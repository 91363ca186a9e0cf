#include "engine/data/csv_market_data.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <span>

#include "engine/data/binary_format.hpp"
#include "engine/market/timestamp.hpp"
#include "keel/sdk/near_miss.hpp"

namespace keel {
namespace {

using Field = CsvMarketData::Field;

constexpr size_t idx(Field f) { return static_cast<size_t>(f); }

constexpr std::string_view kFieldNames[] = {
    "",     "ts",   "instrument", "bid", "bid_size", "ask",    "ask_size", "price",
    "size", "open", "high",       "low", "close",    "volume", "side",     "exch_ts"};
static_assert(std::size(kFieldNames) == CsvMarketData::kFieldCount);

constexpr std::string_view name_of(Field f) { return kFieldNames[idx(f)]; }

// The columns each format needs, in the documented order.
std::span<const Field> columns_of(DataFormat format) {
  static constexpr Field kQuotes[] = {Field::ts,       Field::instrument, Field::bid,
                                      Field::bid_size, Field::ask,        Field::ask_size};
  static constexpr Field kTrades[] = {Field::ts, Field::instrument, Field::price, Field::size};
  static constexpr Field kBars[] = {Field::ts,  Field::instrument, Field::open,  Field::high,
                                    Field::low, Field::close,      Field::volume};
  static constexpr Field kDepth[] = {Field::ts, Field::instrument, Field::side, Field::price,
                                     Field::size};
  switch (format) {
    case DataFormat::quotes:
      return kQuotes;
    case DataFormat::trades:
      return kTrades;
    case DataFormat::bars:
      return kBars;
    case DataFormat::depth:
      return kDepth;
  }
  return {};
}

// The columns a format reads when the header has them.
std::span<const Field> optional_columns_of(DataFormat format) {
  static constexpr Field kDepth[] = {Field::exch_ts};
  if (format == DataFormat::depth) return kDepth;
  return {};
}

std::string column_list(DataFormat format) {
  std::string out;
  for (Field f : columns_of(format)) {
    if (!out.empty()) out += ',';
    out += name_of(f);
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// A field as shown in a message: quoted, cut short if long.
std::string shown(std::string_view text) {
  constexpr size_t kMax = 40;
  // Appended piece by piece: GCC 12 warns (-Wrestrict, falsely) on "'" + string + "'".
  std::string out;
  out.reserve(std::min(text.size(), kMax) + 5);
  out += '\'';
  out.append(text.substr(0, kMax));
  if (text.size() > kMax) out += "...";
  out += '\'';
  return out;
}

std::string number_text(double value) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : std::string("?");
}

// Digits with at most one '.', at most 15 digits in all: the integer they
// form is exact in a double and so is the power of ten, so one division
// gives the correctly rounded value, the same as std::from_chars (Clinger's
// fast path). Anything else (signs, exponents, long numbers) is left to
// std::from_chars.
bool parse_plain_decimal(std::string_view text, double& out) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  if (text.empty() || text.size() > 16) return false;
  uint64_t mantissa = 0;
  int digits = 0;
  int decimals = -1;
  for (const char c : text) {
    if (c >= '0' && c <= '9') {
      mantissa = mantissa * 10 + static_cast<uint64_t>(c - '0');
      ++digits;
      if (decimals >= 0) ++decimals;
    } else if (c == '.' && decimals < 0) {
      decimals = 0;
    } else {
      return false;
    }
  }
  if (digits == 0 || digits > 15) return false;
  out = static_cast<double>(mantissa);
  if (decimals > 0) out /= kPow10[decimals];
  return true;
}

}  // namespace

CsvMarketData::CsvMarketData(std::filesystem::path path, DataFormat format,
                             std::optional<keel_instrument_id_t> instrument, size_t block_size)
    : path_(std::move(path)),
      name_(path_.string()),
      format_(format),
      fixed_instrument_(instrument),
      buf_(new char[std::max<size_t>(block_size, 1)]),
      capacity_(std::max<size_t>(block_size, 1)) {}

CsvMarketData::~CsvMarketData() = default;

Result<std::unique_ptr<CsvMarketData>> CsvMarketData::open(
    const std::filesystem::path& path, DataFormat format,
    std::optional<keel_instrument_id_t> instrument, const InstrumentTable& instruments,
    size_t block_size) {
  Result<DataFile> file = open_data_file(path);
  if (!file) return file.status();
  return open(std::move(*file), path, format, instrument, instruments, block_size);
}

Result<std::unique_ptr<CsvMarketData>> CsvMarketData::open(
    DataFile file, const std::filesystem::path& path, DataFormat format,
    std::optional<keel_instrument_id_t> instrument, const InstrumentTable& instruments,
    size_t block_size) {
  if (instrument && !instruments.contains(*instrument)) {
    return Status(KEEL_ERR_INVALID_ARGUMENT, path.string() + ": instrument id " +
                                                 std::to_string(*instrument) +
                                                 " is not in the run's instruments");
  }
  std::unique_ptr<CsvMarketData> source(new CsvMarketData(path, format, instrument, block_size));
  if (instrument) source->fixed_symbol_ = instruments.get(*instrument).symbol;
  for (const Instrument& i : instruments.all()) source->symbols_.emplace(i.symbol, i.id);
  source->recent_.reserve(kRecentSymbols);

  source->file_ = std::move(file);
  (void)::posix_fadvise(source->file_.fd(), 0, 0, POSIX_FADV_SEQUENTIAL);
  if (Status status = source->read_header(); !status) return status;
  return source;
}

Result<std::unique_ptr<CsvMarketData>> CsvMarketData::open_any_symbols(
    const std::filesystem::path& path, DataFormat format,
    const std::optional<std::string>& fixed_symbol, size_t block_size) {
  Result<DataFile> file = open_data_file(path);
  if (!file) return file.status();
  return open_any_symbols(std::move(*file), path, format, fixed_symbol, block_size);
}

Result<std::unique_ptr<CsvMarketData>> CsvMarketData::open_any_symbols(
    DataFile file, const std::filesystem::path& path, DataFormat format,
    const std::optional<std::string>& fixed_symbol, size_t block_size) {
  InstrumentTable table;
  std::optional<keel_instrument_id_t> id;
  if (fixed_symbol) {
    Instrument instrument;
    instrument.symbol = *fixed_symbol;
    id = table.add(std::move(instrument));
  }
  Result<std::unique_ptr<CsvMarketData>> source =
      open(std::move(file), path, format, id, table, block_size);
  if (!source) return source;
  (*source)->learn_symbols_ = true;
  if (fixed_symbol) (*source)->learned_.push_back(*fixed_symbol);
  return source;
}

CsvMarketData::LineResult CsvMarketData::next_line(std::string_view& line) {
  for (;;) {
    if (scan_ < end_) {
      const auto* newline =
          static_cast<const char*>(std::memchr(buf_.get() + scan_, '\n', end_ - scan_));
      if (newline != nullptr) {
        const size_t stop = static_cast<size_t>(newline - buf_.get());
        line = std::string_view(buf_.get() + begin_, stop - begin_);
        begin_ = scan_ = stop + 1;
        break;
      }
      scan_ = end_;
    }
    if (eof_) {
      if (begin_ == end_) return LineResult::end;
      // The last line has no line ending. Blanks alone are harmless; a row
      // may be one cut short mid-number, which still parses: refuse it.
      const std::string_view rest(buf_.get() + begin_, end_ - begin_);
      begin_ = scan_ = end_;
      if (rest.find_first_not_of(" \t\r") == std::string_view::npos) return LineResult::end;
      io_error_ = csv_last_line_error(name_, line_ + 1);
      return LineResult::error;
    }
    // Keep the partial line, then fill the rest of the buffer.
    if (begin_ > 0) {
      std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
      end_ -= begin_;
      scan_ -= begin_;
      begin_ = 0;
    }
    if (end_ == capacity_) {  // one line longer than the buffer: grow
      if (capacity_ >= kMaxLineBytes) {
        io_error_ = Status(KEEL_ERR_INVALID_ARGUMENT,
                           name_ + ":" + std::to_string(line_ + 1) + ": the line is longer than " +
                               std::to_string(kMaxLineBytes >> 20) +
                               " MiB with no line break: not a CSV row (is this the right file?)");
        return LineResult::error;
      }
      const size_t grown = std::min(capacity_ * 2, std::max(kMaxLineBytes, capacity_));
      std::unique_ptr<char[]> bigger(new char[grown]);
      std::memcpy(bigger.get(), buf_.get(), end_);
      buf_ = std::move(bigger);
      capacity_ = grown;
    }
    ssize_t got;
    do {
      got = ::read(file_.fd(), buf_.get() + end_, capacity_ - end_);
    } while (got < 0 && errno == EINTR);
    if (got < 0) {
      io_error_ =
          Status(KEEL_ERR_INVALID_ARGUMENT, name_ + ": read error: " + std::strerror(errno));
      return LineResult::error;
    }
    if (got == 0) {
      eof_ = true;
    } else {
      end_ += static_cast<size_t>(got);
    }
  }
  ++line_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return LineResult::line;
}

Status CsvMarketData::read_header() {
  std::string_view header;
  for (;;) {
    switch (next_line(header)) {
      case LineResult::error:
        return io_error_;
      case LineResult::end:
        return Status(KEEL_ERR_INVALID_ARGUMENT, name_ + ":1: empty file, expected a header row (" +
                                                     column_list(format_) + ")");
      case LineResult::line:
        break;
    }
    if (line_ == 1 && header.substr(0, 3) == "\xEF\xBB\xBF") header.remove_prefix(3);  // BOM
    if (!trim(header).empty()) break;
  }

  const std::span<const Field> wanted = columns_of(format_);
  size_t column = 0;
  size_t start = 0;
  for (;;) {
    const size_t comma = header.find(',', start);
    const std::string_view name =
        trim(header.substr(start, comma == std::string_view::npos ? header.npos : comma - start));
    ++column;
    Field role = Field::ignored;
    for (Field f : wanted) {
      if (iequals(name, name_of(f))) role = f;
    }
    for (Field f : optional_columns_of(format_)) {
      if (iequals(name, name_of(f))) role = f;
    }
    if (role != Field::ignored) {
      if (column_of_[idx(role)] != 0) {
        return row_error_at(column, "duplicate column '" + std::string(name_of(role)) +
                                        "' (also column " + std::to_string(column_of_[idx(role)]) +
                                        ")");
      }
      column_of_[idx(role)] = column;
    }
    roles_.push_back(role);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }

  for (Field f : wanted) {
    if (column_of_[idx(f)] != 0) continue;
    if (f == Field::instrument) {
      if (fixed_instrument_) continue;
      return Status(KEEL_ERR_INVALID_ARGUMENT,
                    name_ + ":" + std::to_string(line_) +
                        ": no 'instrument' column, and the data entry names no instrument: "
                        "add the column or set the entry's \"instrument\"");
    }
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  name_ + ":" + std::to_string(line_) + ": missing column '" +
                      std::string(name_of(f)) + "' (a " + data_format_name(format_) +
                      " file has the columns " + column_list(format_) + ")");
  }
  fields_.resize(roles_.size());
  return Status::ok();
}

Status CsvMarketData::row_error_at(size_t column, const std::string& message) const {
  return Status(KEEL_ERR_INVALID_ARGUMENT, name_ + ":" + std::to_string(line_) + ":" +
                                               std::to_string(column) + ": " + message);
}

bool CsvMarketData::fail_at(size_t column, const std::string& message) {
  error_ = row_error_at(column, message);
  return false;
}

bool CsvMarketData::fail(Field field, const std::string& message) {
  return fail_at(column_of_[idx(field)], message);
}

bool CsvMarketData::parse_number(std::string_view text, Field field, double& out) {
  if (parse_plain_decimal(text, out)) return true;
  const char* first = text.data();
  const char* last = first + text.size();
  const auto [end, ec] = std::from_chars(first, last, out);
  if (text.empty()) {
    return fail(field, std::string(name_of(field)) + ": expected a number, got an empty field");
  }
  if (ec != std::errc() || end != last) {
    return fail(field, std::string(name_of(field)) + ": expected a number, got " + shown(text));
  }
  if (!std::isfinite(out)) {
    return fail(field,
                std::string(name_of(field)) + ": expected a finite number, got " + shown(text));
  }
  if (out < 0) {
    return fail(field,
                std::string(name_of(field)) + ": must not be negative, got " + std::string(text));
  }
  return true;
}

bool CsvMarketData::lookup_instrument(std::string_view symbol, keel_instrument_id_t& id) {
  if (!last_symbol_.empty() && symbol == last_symbol_) {
    id = last_id_;
    return true;
  }
  for (const auto& [known, known_id] : recent_) {
    if (symbol == known) {
      last_symbol_ = known;
      last_id_ = id = known_id;
      return true;
    }
  }
  auto it = symbols_.find(symbol);
  if (it == symbols_.end() && learn_symbols_ && !symbol.empty()) {
    // Checked before the symbol is copied: it may be a hostile 10 MB field.
    if (symbol.size() > binary_format::kMaxSymbolLength) {
      return fail(Field::instrument, "instrument: symbol " + shown(symbol) + " has " +
                                         std::to_string(symbol.size()) +
                                         " bytes; keel's binary format holds 1 to 255");
    }
    if (const std::string problem = csv_symbol_problem(symbol); !problem.empty()) {
      return fail(Field::instrument, "instrument: symbol " + shown_symbol(symbol) + " " + problem +
                                         ", so it could not be written back to CSV");
    }
    learned_.emplace_back(symbol);
    it = symbols_.emplace(learned_.back(), static_cast<keel_instrument_id_t>(learned_.size() - 1))
             .first;
  }
  if (it == symbols_.end()) {
    if (symbol.empty()) return fail(Field::instrument, "instrument: missing symbol");
    std::string message =
        "unknown instrument " + shown(symbol) + " — not in the run file's instruments";
    std::vector<std::string_view> known;
    known.reserve(symbols_.size());
    for (const auto& entry : symbols_) known.push_back(entry.first);
    message += sdk::did_you_mean(symbol, known);
    return fail(Field::instrument, message);
  }
  last_symbol_ = it->first;
  last_id_ = it->second;
  id = last_id_;
  if (recent_.size() < kRecentSymbols) recent_.emplace_back(last_symbol_, last_id_);
  return true;
}

bool CsvMarketData::parse_row(std::string_view line, MarketEvent& out) {
  // Split in place.
  const size_t expected = roles_.size();
  size_t count = 0;
  const char* p = line.data();
  const char* const end = p + line.size();
  for (;;) {
    const auto* comma = static_cast<const char*>(std::memchr(p, ',', static_cast<size_t>(end - p)));
    const char* stop = comma != nullptr ? comma : end;
    if (count == expected) {
      const size_t got = expected + 1 + static_cast<size_t>(std::count(stop, end, ','));
      return fail_at(expected + 1, "expected " + std::to_string(expected) +
                                       " fields as in the header, got " + std::to_string(got));
    }
    fields_[count++] = trim(std::string_view(p, static_cast<size_t>(stop - p)));
    if (comma == nullptr) break;
    p = comma + 1;
  }
  if (count < expected) {
    return fail_at(count + 1, "expected " + std::to_string(expected) +
                                  " fields as in the header, got " + std::to_string(count));
  }

  int64_t ts = 0;
  std::optional<int64_t> exch_ts;
  int32_t side = KEEL_BOOK_BID;
  keel_instrument_id_t id = fixed_instrument_.value_or(KEEL_NO_INSTRUMENT);
  for (size_t c = 0; c < expected; ++c) {
    const Field role = roles_[c];
    const std::string_view text = fields_[c];
    switch (role) {
      case Field::ignored:
        break;
      case Field::ts: {
        const std::optional<int64_t> parsed = parse_timestamp(text);
        if (!parsed) {
          return fail(Field::ts,
                      "ts: expected an ISO-8601 UTC time (2024-01-02T14:30:00Z) or integer "
                      "nanoseconds since the epoch, got " +
                          shown(text));
        }
        ts = *parsed;
        if (!data_timestamp_in_range(ts)) return fail(Field::ts, timestamp_out_of_range(ts));
        break;
      }
      case Field::exch_ts: {
        exch_ts = parse_timestamp(text);
        if (!exch_ts) {
          return fail(Field::exch_ts,
                      "exch_ts: expected an ISO-8601 UTC time (2024-01-02T14:30:00Z) or integer "
                      "nanoseconds since the epoch, got " +
                          shown(text));
        }
        if (!data_timestamp_in_range(*exch_ts)) {
          return fail(Field::exch_ts, timestamp_out_of_range(*exch_ts));
        }
        break;
      }
      case Field::side:
        if (iequals(text, "bid")) {
          side = KEEL_BOOK_BID;
        } else if (iequals(text, "ask")) {
          side = KEEL_BOOK_ASK;
        } else {
          return fail(Field::side, "side: expected 'bid' or 'ask', got " + shown(text));
        }
        break;
      case Field::instrument: {
        if (!lookup_instrument(text, id)) return false;
        if (fixed_instrument_ && id != *fixed_instrument_) {
          return fail(Field::instrument, "instrument " + shown(text) +
                                             " is not the data entry's instrument '" +
                                             fixed_symbol_ + "'");
        }
        break;
      }
      default:
        if (!parse_number(text, role, values_[idx(role)])) return false;
        break;
    }
  }

  if (ts < previous_ts_) {
    return fail(Field::ts, "ts " + format_timestamp(ts) + " is before the previous row's " +
                               format_timestamp(previous_ts_) +
                               ": a data file must be sorted by time");
  }

  const double* v = values_;
  switch (format_) {
    case DataFormat::quotes: {
      const double bid = v[idx(Field::bid)];
      const double ask = v[idx(Field::ask)];
      if (bid > ask) {
        return fail(Field::ask, "crossed quote: bid " + number_text(bid) + " is above ask " +
                                    number_text(ask) +
                                    " (a locked quote, bid == ask, is accepted)");
      }
      out.kind = MarketEventKind::quote;
      out.as.quote =
          keel_quote_t{ts, id, 0, bid, v[idx(Field::bid_size)], ask, v[idx(Field::ask_size)]};
      break;
    }
    case DataFormat::trades:
      out.kind = MarketEventKind::trade;
      out.as.trade = keel_trade_t{ts, id, 0, v[idx(Field::price)], v[idx(Field::size)]};
      break;
    case DataFormat::bars: {
      const double open = v[idx(Field::open)];
      const double high = v[idx(Field::high)];
      const double low = v[idx(Field::low)];
      const double close = v[idx(Field::close)];
      if (low > std::min(open, close)) {
        return fail(Field::low, "bar low " + number_text(low) + " is above min(open, close) " +
                                    number_text(std::min(open, close)));
      }
      if (high < std::max(open, close)) {
        return fail(Field::high, "bar high " + number_text(high) + " is below max(open, close) " +
                                     number_text(std::max(open, close)));
      }
      out.kind = MarketEventKind::bar;
      out.as.bar = keel_bar_t{ts, id, 0, open, high, low, close, v[idx(Field::volume)]};
      break;
    }
    case DataFormat::depth: {
      const double price = v[idx(Field::price)];
      if (price <= 0) {
        return fail(Field::price,
                    "price: a book level's price must be above 0, got " + number_text(price));
      }
      if (exch_ts && *exch_ts > ts) {
        return fail(Field::exch_ts, "exch_ts " + format_timestamp(*exch_ts) + " is after ts " +
                                        format_timestamp(ts) +
                                        ": the venue cannot make an update after we received "
                                        "it (ts = when we received it, exch_ts = when the "
                                        "venue made it)");
      }
      out.kind = MarketEventKind::book;
      out.as.book =
          keel_book_update_t{ts, id, side, price, v[idx(Field::size)], exch_ts.value_or(ts)};
      break;
    }
  }
  out.reserved = 0;
  previous_ts_ = ts;
  return true;
}

Result<bool> CsvMarketData::next(MarketEvent& out) {
  if (error_) return *error_;
  std::string_view line;
  for (;;) {
    switch (next_line(line)) {
      case LineResult::end:
        return false;
      case LineResult::error:
        error_ = io_error_;
        return *error_;
      case LineResult::line:
        break;
    }
    if (line.empty()) continue;
    if ((line.front() == ' ' || line.front() == '\t') && trim(line).empty()) continue;
    if (!parse_row(line, out)) return *error_;
    ++rows_;
    return true;
  }
}

}  // namespace keel
