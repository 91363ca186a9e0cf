#include "engine/data/binary_market_data.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <unordered_set>

#include "engine/data/data_file.hpp"
#include "engine/market/timestamp.hpp"

namespace keel {
namespace {

namespace bf = binary_format;

// Records are read in blocks of about this many bytes into one buffer,
// reused for the whole file (see the header for why not through the mapping).
constexpr uint64_t kBlockBytes = uint64_t{1} << 18;

std::string number_text(double value) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : std::string("?");
}

const char* kind_text(bf::Kind kind) {
  switch (kind) {
    case bf::Kind::quotes:
      return "quotes";
    case bf::Kind::trades:
      return "trades";
    case bf::Kind::bars:
      return "bars";
  }
  return "?";
}

// A value fails the row rules when it is not finite or negative. 1 or 0,
// not a bool: read_record ORs several without branching, and clang warns
// (-Wbitwise-instead-of-logical) on '|' between bools.
inline int bad_value(double v) {
  return !(v >= 0) || v == std::numeric_limits<double>::infinity() ? 1 : 0;
}

// True when no value fails the row rules. The common case is tested on the
// bits, a few integer operations per value and one branch: a double's bits
// OR'd with (bits + 2^52) have the sign bit clear exactly when the value is
// +0 or positive and finite (a negative value, an infinity or a NaN sets
// it). -0.0 is within the rules but fails this test: it goes the slow way.
template <class... Values>
inline bool values_ok(Values... v) {
  constexpr uint64_t kExponentOne = uint64_t{1} << 52;
  const uint64_t any = (((std::bit_cast<uint64_t>(v) + kExponentOne) | std::bit_cast<uint64_t>(v)) |
                        ...);
  if ((any >> 63) == 0) [[likely]]
    return true;
  return (bad_value(v) | ...) == 0;
}

}  // namespace

DataFormat data_format_of(bf::Kind kind) {
  switch (kind) {
    case bf::Kind::quotes:
      return DataFormat::quotes;
    case bf::Kind::trades:
      return DataFormat::trades;
    case bf::Kind::bars:
      return DataFormat::bars;
  }
  return DataFormat::quotes;
}

bf::Kind binary_kind_of(DataFormat format) {
  switch (format) {
    case DataFormat::quotes:
      return bf::Kind::quotes;
    case DataFormat::trades:
      return bf::Kind::trades;
    case DataFormat::bars:
      return bf::Kind::bars;
    case DataFormat::depth:
      break;  // no binary depth yet: create() refuses it
  }
  return bf::Kind::quotes;
}

// ---- reader ---------------------------------------------------------------------------

BinaryMarketData::BinaryMarketData(const std::filesystem::path& path) : name_(path.string()) {}

BinaryMarketData::~BinaryMarketData() {
  if (base_ != nullptr) ::munmap(const_cast<unsigned char*>(base_), size_);
  if (fd_ >= 0) ::close(fd_);
}

Status BinaryMarketData::error_at(uint64_t offset, const std::string& what) const {
  return Status(KEEL_ERR_INVALID_ARGUMENT,
                name_ + ": byte offset " + std::to_string(offset) + ": " + what);
}

Status BinaryMarketData::map_and_check(DataFile file) {
  size_ = file.size();
  fd_ = file.release();
  if (size_ < bf::kHeaderSize) {
    return error_at(size_, "truncated: the file has " + std::to_string(size_) +
                               " bytes, a keel binary market-data header needs " +
                               std::to_string(bf::kHeaderSize));
  }
  void* mapped = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
  if (mapped == MAP_FAILED) {
    return Status(KEEL_ERR_INVALID_ARGUMENT, name_ + ": cannot map: " + std::strerror(errno));
  }
  base_ = static_cast<const unsigned char*>(mapped);
  (void)::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);

  bf::FileHeader h;
  std::memcpy(&h, base_, sizeof h);
  if (!bf::has_magic(base_, size_)) {
    return error_at(0, "not a keel binary market-data file (no \"KEELMD\\r\\n\" magic)");
  }
  if (h.version_major != bf::kVersion1 && h.version_major != bf::kVersion2) {
    return error_at(offsetof(bf::FileHeader, version_major),
                    "format version " + std::to_string(h.version_major) + "." +
                        std::to_string(h.version_minor) +
                        " is not supported (this keel reads 1.x and 2.x)");
  }
  version_ = h.version_major;
  if (h.kind != static_cast<uint32_t>(bf::Kind::quotes) &&
      h.kind != static_cast<uint32_t>(bf::Kind::trades) &&
      h.kind != static_cast<uint32_t>(bf::Kind::bars)) {
    return error_at(offsetof(bf::FileHeader, kind),
                    "unknown kind " + std::to_string(h.kind) + " (1 quotes, 2 trades, 3 bars)");
  }
  kind_ = static_cast<bf::Kind>(h.kind);
  event_kind_ = static_cast<MarketEventKind>(h.kind);
  if (h.header_size < bf::kHeaderSize) {
    return error_at(offsetof(bf::FileHeader, header_size),
                    "header_size " + std::to_string(h.header_size) + " is below " +
                        std::to_string(bf::kHeaderSize));
  }
  count_ = h.record_count;
  if (Status s = version_ == bf::kVersion1 ? check_v1(h) : check_v2(h); !s) return s;
  if (Status s = check_table(h); !s) return s;
  record_offset_ = h.record_offset;
  table_offset_ = h.table_offset;
  if (version_ == bf::kVersion1) {
    block_records_ = std::max<uint64_t>(1, kBlockBytes / record_size_);
    block_.reset(new unsigned char[block_records_ * record_size_]);
    if (count_ == 0) return Status::ok();
    int64_t first;
    std::memcpy(&first, base_ + record_offset_, sizeof first);
    return first == h.first_ts ? Status::ok() : first_ts_error(h.first_ts, first);
  }
  // Version 2: one buffer for the largest block the header allows; the
  // first block is read and checked now, so that its errors come on open.
  block_records_ = h.record_size;
  decoder_.emplace(kind_);
  block_.reset(new unsigned char[decoder_->headers_size() +
                                 block_records_ * bf::column_count_of(kind_) * sizeof(uint64_t)]);
  next_block_offset_ = record_offset_;
  if (count_ == 0) return Status::ok();
  if (!load_block()) return *error_;
  const int64_t first = decoder_->first_ts();
  return first == h.first_ts ? Status::ok() : first_ts_error(h.first_ts, first);
}

Status BinaryMarketData::first_ts_error(int64_t header, int64_t first) const {
  return error_at(offsetof(bf::FileHeader, first_ts), "first_ts " + std::to_string(header) +
                                                          " is not the first record's ts (" +
                                                          std::to_string(first) + ")");
}

Status BinaryMarketData::check_v1(const bf::FileHeader& h) {
  record_size_ = bf::record_size_of(kind_);
  if (h.record_size != record_size_) {
    return error_at(offsetof(bf::FileHeader, record_size),
                    "record_size " + std::to_string(h.record_size) + " does not match the kind (" +
                        kind_text(kind_) + " records are " + std::to_string(record_size_) +
                        " bytes)");
  }
  if (h.record_offset < h.header_size || h.record_offset % 8 != 0 || h.record_offset > size_) {
    return error_at(offsetof(bf::FileHeader, record_offset),
                    "record_offset " + std::to_string(h.record_offset) +
                        " must be a multiple of 8, at or after the header and within the file (" +
                        std::to_string(size_) + " bytes)");
  }
  const uint64_t room = (size_ - h.record_offset) / record_size_;
  if (count_ > room) {
    return error_at(size_, "truncated: the header promises " + std::to_string(count_) +
                               " records from byte " + std::to_string(h.record_offset) +
                               ", the file has room for " + std::to_string(room));
  }
  const uint64_t records_end = h.record_offset + count_ * record_size_;
  if (h.table_offset != records_end) {
    return error_at(offsetof(bf::FileHeader, table_offset),
                    "table_offset " + std::to_string(h.table_offset) +
                        " is not where the records end (" + std::to_string(records_end) + ")");
  }
  return Status::ok();
}

Status BinaryMarketData::check_v2(const bf::FileHeader& h) {
  const uint64_t block_records = h.record_size;
  if (block_records == 0 || block_records > bf::kMaxBlockRecords) {
    return error_at(offsetof(bf::FileHeader, record_size),
                    "block_records " + std::to_string(block_records) + " is not 1 to " +
                        std::to_string(bf::kMaxBlockRecords));
  }
  if (h.record_offset < h.header_size || h.record_offset > size_) {
    return error_at(offsetof(bf::FileHeader, record_offset),
                    "record_offset " + std::to_string(h.record_offset) +
                        " must be at or after the header and within the file (" +
                        std::to_string(size_) + " bytes)");
  }
  if (h.table_offset > size_) {
    return error_at(size_, "truncated: the header puts the instrument table at byte " +
                               std::to_string(h.table_offset) + ", the file has " +
                               std::to_string(size_) + " bytes");
  }
  if (h.table_offset < h.record_offset) {
    return error_at(offsetof(bf::FileHeader, table_offset),
                    "table_offset " + std::to_string(h.table_offset) +
                        " must lie between record_offset " + std::to_string(h.record_offset) +
                        " and the end of the file (" + std::to_string(size_) + " bytes)");
  }
  // Every block has its headers, so the bytes bound the records: a small
  // file cannot promise billions.
  const uint64_t blocks = count_ / block_records + (count_ % block_records != 0 ? 1 : 0);
  const uint64_t smallest = bf::BlockDecoder(kind_).headers_size();
  const uint64_t room = h.table_offset - h.record_offset;
  if (blocks > room / smallest) {
    return error_at(size_, "truncated: the header promises " + std::to_string(count_) +
                               " records in " + std::to_string(blocks) + " blocks of at least " +
                               std::to_string(smallest) + " bytes from byte " +
                               std::to_string(h.record_offset) + ", the file has " +
                               std::to_string(room) + " bytes for blocks");
  }
  if (count_ == 0 && room != 0) {
    return error_at(h.record_offset, "the header promises no records but " + std::to_string(room) +
                                         " bytes lie between record_offset and table_offset");
  }
  return Status::ok();
}

Status BinaryMarketData::check_table(const bf::FileHeader& h) {
  const uint64_t records_end = h.table_offset;
  if (records_end + h.table_size != size_) {
    return error_at(size_, records_end + h.table_size > size_
                               ? "truncated: the instrument table needs " +
                                     std::to_string(h.table_size) + " bytes from byte " +
                                     std::to_string(records_end) + ", the file has " +
                                     std::to_string(size_ - records_end)
                               : std::to_string(size_ - records_end - h.table_size) +
                                     " unexpected bytes after the instrument table");
  }
  uint64_t at = records_end;
  std::unordered_set<std::string> seen;
  for (uint32_t i = 0; i < h.instrument_count; ++i) {
    if (at + 2 > size_)
      return error_at(at, "instrument table entry " + std::to_string(i) + ": truncated");
    uint16_t length;
    std::memcpy(&length, base_ + at, 2);
    if (length == 0 || length > bf::kMaxSymbolLength || at + 2 + length > size_) {
      return error_at(at, "instrument table entry " + std::to_string(i) + ": bad symbol length " +
                              std::to_string(length));
    }
    std::string symbol(reinterpret_cast<const char*>(base_ + at + 2), length);
    if (!seen.insert(symbol).second) {
      return error_at(at, "instrument table entry " + std::to_string(i) + ": duplicate symbol '" +
                              symbol + "'");
    }
    symbols_.push_back(std::move(symbol));
    at += 2 + length;
  }
  if (at != size_) {
    return error_at(at, "the instrument table has " + std::to_string(size_ - at) +
                            " bytes after its " + std::to_string(h.instrument_count) +
                            " entries (table_size or instrument_count is wrong)");
  }
  if (count_ > 0 && symbols_.empty()) {
    return error_at(offsetof(bf::FileHeader, instrument_count),
                    "the file has records but an empty instrument table");
  }
  return Status::ok();
}

Status BinaryMarketData::resolve(const InstrumentTable& instruments,
                                 std::optional<keel_instrument_id_t> instrument) {
  ids_.clear();
  for (size_t i = 0; i < symbols_.size(); ++i) {
    const std::optional<keel_instrument_id_t> id = instruments.find(symbols_[i]);
    if (!id) {
      return Status(KEEL_ERR_INVALID_ARGUMENT, name_ + ": instrument table entry " +
                                                   std::to_string(i) + ": '" + symbols_[i] +
                                                   "' is not in the run file's instruments");
    }
    if (instrument && *id != *instrument) {
      return Status(KEEL_ERR_INVALID_ARGUMENT, name_ + ": instrument table entry " +
                                                   std::to_string(i) + ": '" + symbols_[i] +
                                                   "' is not the data entry's instrument '" +
                                                   instruments.get(*instrument).symbol + "'");
    }
    ids_.push_back(*id);
  }
  return Status::ok();
}

Result<std::unique_ptr<BinaryMarketData>> BinaryMarketData::open(
    const std::filesystem::path& path, const InstrumentTable& instruments,
    std::optional<keel_instrument_id_t> instrument, std::optional<DataFormat> expected) {
  Result<DataFile> file = open_data_file(path);
  if (!file) return file.status();
  return open(std::move(*file), path, instruments, instrument, expected);
}

Result<std::unique_ptr<BinaryMarketData>> BinaryMarketData::open(
    DataFile file, const std::filesystem::path& path, const InstrumentTable& instruments,
    std::optional<keel_instrument_id_t> instrument, std::optional<DataFormat> expected) {
  std::unique_ptr<BinaryMarketData> source(new BinaryMarketData(path));
  if (Status s = source->map_and_check(std::move(file)); !s) return s;
  if (expected && *expected != source->format()) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  source->name_ + ": the data entry says \"" +
                      kind_text(binary_kind_of(*expected)) + "\" but the file holds " +
                      kind_text(source->kind_) + " (its header says so; use \"format\": \"" +
                      kind_text(source->kind_) + "\" or \"binary\")");
  }
  if (Status s = source->resolve(instruments, instrument); !s) return s;
  return source;
}

Result<std::unique_ptr<BinaryMarketData>> BinaryMarketData::open_raw(
    const std::filesystem::path& path) {
  Result<DataFile> file = open_data_file(path);
  if (!file) return file.status();
  return open_raw(std::move(*file), path);
}

Result<std::unique_ptr<BinaryMarketData>> BinaryMarketData::open_raw(
    DataFile file, const std::filesystem::path& path) {
  std::unique_ptr<BinaryMarketData> source(new BinaryMarketData(path));
  if (Status s = source->map_and_check(std::move(file)); !s) return s;
  for (size_t i = 0; i < source->symbols_.size(); ++i) {
    source->ids_.push_back(static_cast<keel_instrument_id_t>(i));
  }
  return source;
}

std::string BinaryMarketData::record_where() const {
  if (version_ == bf::kVersion1) {
    return "record " + std::to_string(index_) + " (byte offset " +
           std::to_string(record_offset_ + index_ * static_cast<uint64_t>(record_size_)) + ")";
  }
  return "record " + std::to_string(index_) + " (block " + std::to_string(block_number_) +
         " at byte offset " + std::to_string(block_offset_) + ")";
}

bool BinaryMarketData::check_record(const MarketEvent& event) {
  std::string what;
  const auto field = [&](const char* name, double v) {
    if (what.empty() && bad_value(v)) {
      what = std::string(name) + " " + number_text(v) +
             (std::isfinite(v) ? " is negative" : " is not a finite number");
    }
  };
  if (event.as.quote.instrument >= ids_.size()) {
    what = "instrument index " + std::to_string(event.as.quote.instrument) +
           " is outside the instrument table (" + std::to_string(ids_.size()) + " entries)";
  } else if (!data_timestamp_in_range(event.ts())) {
    what = timestamp_out_of_range(event.ts());
  } else if (event.ts() < previous_ts_) {
    what = "ts " + format_timestamp(event.ts()) + " is before the previous record's " +
           format_timestamp(previous_ts_) + ": a data file must be sorted by time";
  } else {
    switch (kind_) {
      case bf::Kind::quotes: {
        const keel_quote_t& q = event.as.quote;
        field("bid", q.bid);
        field("bid_size", q.bid_size);
        field("ask", q.ask);
        field("ask_size", q.ask_size);
        if (what.empty() && q.bid > q.ask) {
          what = "crossed quote: bid " + number_text(q.bid) + " is above ask " + number_text(q.ask);
        }
        break;
      }
      case bf::Kind::trades:
        field("price", event.as.trade.price);
        field("size", event.as.trade.size);
        break;
      case bf::Kind::bars: {
        const keel_bar_t& b = event.as.bar;
        field("open", b.open);
        field("high", b.high);
        field("low", b.low);
        field("close", b.close);
        field("volume", b.volume);
        if (what.empty() && b.low > std::min(b.open, b.close)) {
          what = "bar low " + number_text(b.low) + " is above min(open, close)";
        }
        if (what.empty() && b.high < std::max(b.open, b.close)) {
          what = "bar high " + number_text(b.high) + " is below max(open, close)";
        }
        break;
      }
    }
  }
  if (what.empty()) return true;
  error_ = Status(KEEL_ERR_INVALID_ARGUMENT, name_ + ": " + record_where() + ": " + what);
  return false;
}

bool BinaryMarketData::read_at(unsigned char* into, uint64_t bytes, uint64_t offset) {
  uint64_t done = 0;
  while (done < bytes) {
    const ssize_t got = ::pread(fd_, into + done, bytes - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      error_ = error_at(offset + done, got < 0 ? std::string("read error: ") + std::strerror(errno)
                                               : std::string("truncated while reading (the file "
                                                             "shrank after it was opened)"));
      return false;
    }
    done += static_cast<uint64_t>(got);
  }
  return true;
}

bool BinaryMarketData::fill_block() {
  const uint64_t n = std::min(block_records_, count_ - index_);
  if (!read_at(block_.get(), n * record_size_, record_offset_ + index_ * record_size_)) {
    return false;
  }
  block_start_ = index_;
  block_end_ = index_ + n;
  return true;
}

bool BinaryMarketData::load_block() {
  const uint64_t expected = std::min(block_records_, count_ - index_);
  const uint64_t headers = decoder_->headers_size();
  block_offset_ = next_block_offset_;
  block_number_ = index_ / block_records_;
  const auto fail = [&](const std::string& what) {
    error_ = error_at(block_offset_, "block " + std::to_string(block_number_) + ": " + what);
    return false;
  };
  const uint64_t left = table_offset_ - block_offset_;
  if (left < headers) {
    return fail("truncated: its headers need " + std::to_string(headers) + " bytes, " +
                std::to_string(left) + " are left before the instrument table");
  }
  if (!read_at(block_.get(), headers, block_offset_)) return false;
  if (const std::string what =
          decoder_->check_headers(block_.get(), static_cast<uint32_t>(expected));
      !what.empty()) {
    return fail(what);
  }
  const uint64_t payload = decoder_->payload_size();
  if (left - headers < payload) {
    return fail("truncated: its columns need " + std::to_string(payload) + " bytes, " +
                std::to_string(left - headers) + " are left before the instrument table");
  }
  if (index_ + expected == count_ && left - headers != payload) {
    return fail("the last block ends at byte " + std::to_string(block_offset_ + headers + payload) +
                " but the instrument table starts at byte " + std::to_string(table_offset_));
  }
  if (!read_at(block_.get() + headers, payload, block_offset_ + headers)) return false;
  decoder_->start(block_.get() + headers);
  block_start_ = index_;
  block_end_ = index_ + expected;
  next_block_offset_ = block_offset_ + headers + payload;
  return true;
}

Result<bool> BinaryMarketData::next(MarketEvent& out) {
  if (version_ == bf::kVersion2) {
    Result<size_t> got = next_batch(&out, 1);
    if (!got) return got.status();
    return *got == 1;
  }
  if (read_record(out)) return true;
  if (error_) return *error_;
  return false;
}

Result<size_t> BinaryMarketData::next_batch(MarketEvent* out, size_t capacity) {
  size_t count = 0;
  if (version_ == bf::kVersion1) {
    while (count < capacity && read_record(out[count])) ++count;
  } else {
    // A run of the block at a time, decoded into `out`, then checked.
    while (count < capacity && !error_) {
      if (index_ == block_end_ && (index_ == count_ || !load_block())) break;
      const size_t n =
          static_cast<size_t>(std::min<uint64_t>(capacity - count, block_end_ - index_));
      decoder_->decode(n, out + count);
      size_t accepted = 0;
      while (accepted < n && accept(out[count + accepted])) ++accepted;
      count += accepted;
    }
  }
  if (count == 0 && error_) return *error_;
  return count;  // an error after `count` events is returned by the next call
}

inline bool BinaryMarketData::accept(MarketEvent& out) {
  const uint32_t index = out.as.quote.instrument;
  // The common case, checked without building anything: a known index, in
  // time order, every value finite and not negative, a sane quote or bar.
  // previous_ts_ starts at the range's minimum, so two comparisons check
  // both the order and the range.
  bool ok = index < ids_.size() && out.ts() >= previous_ts_ && out.ts() <= kMaxDataTimestampNs;
  if (ok) {
    switch (event_kind_) {
      case MarketEventKind::quote: {
        const keel_quote_t& q = out.as.quote;
        ok = values_ok(q.bid, q.bid_size, q.ask, q.ask_size) && q.bid <= q.ask;
        break;
      }
      case MarketEventKind::trade:
        ok = values_ok(out.as.trade.price, out.as.trade.size);
        break;
      case MarketEventKind::bar: {
        const keel_bar_t& b = out.as.bar;
        ok = values_ok(b.open, b.high, b.low, b.close, b.volume) &&
             b.low <= std::min(b.open, b.close) && b.high >= std::max(b.open, b.close);
        break;
      }
    }
  }
  if (!ok) [[unlikely]] {
    (void)check_record(out);
    if (!error_)
      error_ = Status(KEEL_ERR_INVALID_ARGUMENT, name_ + ": " + record_where() + ": invalid");
    return false;
  }
  out.as.quote.instrument = ids_[index];
  out.as.quote.reserved = 0;
  previous_ts_ = out.ts();
  ++index_;
  return true;
}

inline bool BinaryMarketData::read_record(MarketEvent& out) {
  if (error_) [[unlikely]]
    return false;
  if (index_ == block_end_) [[unlikely]] {
    if (index_ == count_) return false;
    if (!fill_block()) return false;
  }
  const unsigned char* record = block_.get() + (index_ - block_start_) * record_size_;
  out.kind = event_kind_;
  out.reserved = 0;
  // Fixed sizes, so each copy is a few moves rather than a call.
  switch (event_kind_) {
    case MarketEventKind::quote:
      std::memcpy(&out.as.quote, record, sizeof(keel_quote_t));
      break;
    case MarketEventKind::trade:
      std::memcpy(&out.as.trade, record, sizeof(keel_trade_t));
      break;
    case MarketEventKind::bar:
      std::memcpy(&out.as.bar, record, sizeof(keel_bar_t));
      break;
  }
  return accept(out);
}

// ---- writer ---------------------------------------------------------------------------

BinaryMarketDataWriter::BinaryMarketDataWriter(std::filesystem::path path, DataFormat format,
                                               uint16_t version)
    : path_(std::move(path)),
      kind_(binary_kind_of(format)),
      version_(version),
      record_size_(bf::record_size_of(binary_kind_of(format))) {
  partial_ = path_;
  partial_ += ".partial";
  if (version_ == bf::kVersion2) encoder_.emplace(kind_);
}

BinaryMarketDataWriter::~BinaryMarketDataWriter() {
  if (file_ != nullptr) {
    std::fclose(file_);
    std::error_code ec;
    std::filesystem::remove(partial_, ec);
  }
}

Result<std::unique_ptr<BinaryMarketDataWriter>> BinaryMarketDataWriter::create(
    const std::filesystem::path& path, DataFormat format, uint16_t version) {
  if (version != bf::kVersion1 && version != bf::kVersion2) {
    return Status(KEEL_ERR_INVALID_ARGUMENT, path.string() + ": binary format version " +
                                                 std::to_string(version) +
                                                 " cannot be written (1 or 2)");
  }
  if (format == DataFormat::depth) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  path.string() + ": keel's binary format cannot hold depth data yet");
  }
  std::unique_ptr<BinaryMarketDataWriter> writer(new BinaryMarketDataWriter(path, format, version));
  writer->file_ = std::fopen(writer->partial_.c_str(), "wb");
  if (writer->file_ == nullptr) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  writer->partial_.string() + ": cannot create: " + std::strerror(errno));
  }
  std::setvbuf(writer->file_, nullptr, _IOFBF, 1 << 20);
  const unsigned char zeros[bf::kHeaderSize] = {};
  if (Status s = writer->write_bytes(zeros, sizeof zeros); !s) return s;
  return writer;
}

Status BinaryMarketDataWriter::write_bytes(const void* data, size_t size) {
  if (std::fwrite(data, 1, size, file_) != size) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  partial_.string() + ": write error: " + std::strerror(errno));
  }
  return Status::ok();
}

Result<uint32_t> BinaryMarketDataWriter::symbol_index(const std::string& symbol) {
  for (size_t i = 0; i < symbols_.size(); ++i) {
    if (symbols_[i] == symbol) return static_cast<uint32_t>(i);
  }
  if (symbol.empty() || symbol.size() > bf::kMaxSymbolLength) {
    return Status(KEEL_ERR_INVALID_ARGUMENT, path_.string() + ": symbol " + shown_symbol(symbol) +
                                                 " must have 1 to 255 bytes");
  }
  // So that every file keel writes converts back to CSV.
  if (const std::string problem = csv_symbol_problem(symbol); !problem.empty()) {
    return Status(KEEL_ERR_INVALID_ARGUMENT, path_.string() + ": symbol " + shown_symbol(symbol) +
                                                 " " + problem +
                                                 ": it could not be written back to CSV");
  }
  symbols_.push_back(symbol);
  return static_cast<uint32_t>(symbols_.size() - 1);
}

Status BinaryMarketDataWriter::append(const MarketEvent& event) {
  if (static_cast<uint32_t>(event.kind) != static_cast<uint32_t>(kind_)) {
    return Status(KEEL_ERR_INVALID_ARGUMENT, path_.string() + ": a " + kind_text(kind_) +
                                                 " file takes only " + kind_text(kind_) +
                                                 " events");
  }
  if (event.instrument() >= symbols_.size()) {
    return Status(KEEL_ERR_INVALID_ARGUMENT, path_.string() + ": record " + std::to_string(count_) +
                                                 ": instrument index outside the table");
  }
  if (!data_timestamp_in_range(event.ts())) {
    return Status(KEEL_ERR_INVALID_ARGUMENT, path_.string() + ": record " + std::to_string(count_) +
                                                 ": " + timestamp_out_of_range(event.ts()));
  }
  if (event.ts() < previous_ts_) {
    return Status(KEEL_ERR_INVALID_ARGUMENT, path_.string() + ": record " + std::to_string(count_) +
                                                 ": ts " + format_timestamp(event.ts()) +
                                                 " is before the previous record's");
  }
  if (count_ == 0) first_ts_ = event.ts();
  previous_ts_ = event.ts();
  ++count_;
  if (encoder_) {
    encoder_->add(event);
    return encoder_->size() == bf::kBlockRecords ? flush_block() : Status::ok();
  }
  MarketEvent::Payload payload = event.as;
  payload.quote.reserved = 0;
  events_bytes_ += record_size_;
  return write_bytes(&payload, record_size_);
}

Status BinaryMarketDataWriter::flush_block() {
  encoded_.clear();
  encoder_->encode(encoded_);
  events_bytes_ += encoded_.size();
  return write_bytes(encoded_.data(), encoded_.size());
}

Status BinaryMarketDataWriter::finish() {
  if (finished_) return Status::ok();
  if (encoder_ && !encoder_->empty()) {
    if (Status s = flush_block(); !s) return s;
  }
  uint32_t table_size = 0;
  for (const std::string& symbol : symbols_) {
    const uint16_t length = static_cast<uint16_t>(symbol.size());
    if (Status s = write_bytes(&length, sizeof length); !s) return s;
    if (Status s = write_bytes(symbol.data(), symbol.size()); !s) return s;
    table_size += 2 + length;
  }
  bf::FileHeader h{};
  std::memcpy(h.magic, bf::kMagic, sizeof h.magic);
  h.version_major = version_;
  h.version_minor = bf::kVersionMinor;
  h.kind = static_cast<uint32_t>(kind_);
  h.header_size = bf::kHeaderSize;
  h.record_size = encoder_ ? bf::kBlockRecords : record_size_;
  h.record_offset = bf::kHeaderSize;
  h.record_count = count_;
  h.table_offset = bf::kHeaderSize + events_bytes_;
  h.table_size = table_size;
  h.instrument_count = static_cast<uint32_t>(symbols_.size());
  h.first_ts = count_ > 0 ? first_ts_ : 0;
  if (std::fseek(file_, 0, SEEK_SET) != 0) {
    return Status(KEEL_ERR_INVALID_ARGUMENT, partial_.string() + ": seek failed");
  }
  if (Status s = write_bytes(&h, sizeof h); !s) return s;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!closed) {
    return Status(KEEL_ERR_INVALID_ARGUMENT, partial_.string() + ": write error on close");
  }
  std::error_code ec;
  std::filesystem::rename(partial_, path_, ec);
  if (ec) {
    return Status(KEEL_ERR_INVALID_ARGUMENT,
                  path_.string() + ": cannot rename from .partial: " + ec.message());
  }
  finished_ = true;
  return Status::ok();
}

}  // namespace keel
