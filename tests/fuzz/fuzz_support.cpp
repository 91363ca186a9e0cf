#include "tests/fuzz/fuzz_support.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <system_error>

namespace keel::fuzz {
namespace {

// Made on first use, removed by the destructor at a normal exit (libFuzzer
// exits normally at the end of -runs / -max_total_time; after a crash the
// directory stays, with the input that crashed in it).
class ScratchDir {
 public:
  ScratchDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = (tmp != nullptr && *tmp != '\0') ? tmp : "/tmp";
    pattern += "/keel-fuzz-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::fprintf(stderr, "keel fuzz: cannot make a scratch directory %s: %s\n", pattern.c_str(),
                   std::strerror(errno));
      std::abort();
    }
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace

const std::filesystem::path& scratch_dir() {
  static const ScratchDir dir;
  return dir.path();
}

std::filesystem::path write_input(std::string_view name, const uint8_t* data, size_t size) {
  std::filesystem::path path = scratch_dir() / name;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) finding("cannot create " + path.string() + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < size) {
    const ssize_t wrote = ::write(fd, data + done, size - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      ::close(fd);
      finding("cannot write " + path.string() + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(wrote);
  }
  ::close(fd);
  return path;
}

bool remove_scratch(std::string_view name) {
  std::error_code ec;
  std::filesystem::remove_all(scratch_dir() / name, ec);
  return !std::filesystem::exists(scratch_dir() / name, ec);
}

void finding(const std::string& what) {
  std::fprintf(stderr, "\n==== keel fuzz finding: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

Stream read_stream(MarketDataSource& source, size_t batch, size_t limit) {
  Stream out;
  MarketEvent buffer[16];
  if (batch > std::size(buffer)) batch = std::size(buffer);
  for (;;) {
    require(out.events.size() <= limit,
            source.name() + ": more than " + std::to_string(limit) + " events from this input");
    if (batch == 0) {
      Result<bool> got = source.next(buffer[0]);
      if (!got) {
        out.error = got.status().message();
        require(!out.error->empty(), source.name() + ": an error without a message");
        return out;
      }
      if (!*got) return out;
      out.events.push_back(buffer[0]);
    } else {
      Result<size_t> got = source.next_batch(buffer, batch);
      if (!got) {
        out.error = got.status().message();
        require(!out.error->empty(), source.name() + ": an error without a message");
        return out;
      }
      require(*got <= batch, source.name() + ": next_batch returned more than asked for");
      if (*got == 0) return out;
      out.events.insert(out.events.end(), buffer, buffer + *got);
    }
  }
}

void require_event_rules(const Stream& stream, MarketEventKind kind, size_t instrument_count,
                         const std::string& who) {
  int64_t previous = std::numeric_limits<int64_t>::min();
  for (size_t i = 0; i < stream.events.size(); ++i) {
    const MarketEvent& e = stream.events[i];
    const std::string where = who + ": event " + std::to_string(i) + " (" + describe(e) + "): ";
    require(e.kind == kind, where + "not of the reader's kind");
    require(e.ts() >= previous, where + "ts before the previous event's");
    previous = e.ts();
    require(e.instrument() < instrument_count,
            where + "instrument id outside the " + std::to_string(instrument_count) + " known");
    const auto good = [](double v) { return std::isfinite(v) && v >= 0; };
    switch (e.kind) {
      case MarketEventKind::quote: {
        const keel_quote_t& q = e.as.quote;
        require(good(q.bid) && good(q.bid_size) && good(q.ask) && good(q.ask_size),
                where + "a value negative or not finite");
        require(q.bid <= q.ask, where + "crossed quote");
        break;
      }
      case MarketEventKind::trade:
        require(good(e.as.trade.price) && good(e.as.trade.size),
                where + "a value negative or not finite");
        break;
      case MarketEventKind::bar: {
        const keel_bar_t& b = e.as.bar;
        require(good(b.open) && good(b.high) && good(b.low) && good(b.close) && good(b.volume),
                where + "a value negative or not finite");
        require(b.low <= std::min(b.open, b.close) && b.high >= std::max(b.open, b.close),
                where + "low/high do not bound open and close");
        break;
      }
      case MarketEventKind::book: {
        const keel_book_update_t& b = e.as.book;
        require(good(b.price) && b.price > 0 && good(b.size),
                where + "price not above 0, or size negative or not finite");
        require(b.side == KEEL_BOOK_BID || b.side == KEEL_BOOK_ASK, where + "side not 0 or 1");
        require(b.exch_ts <= b.ts && b.exch_ts >= 0, where + "exch_ts after ts or before 1970");
        break;
      }
    }
  }
}

std::string_view payload_bytes(const MarketEvent& event) {
  size_t size = sizeof(keel_quote_t);
  if (event.kind == MarketEventKind::trade) size = sizeof(keel_trade_t);
  if (event.kind == MarketEventKind::bar) size = sizeof(keel_bar_t);
  if (event.kind == MarketEventKind::book) size = sizeof(keel_book_update_t);
  return {reinterpret_cast<const char*>(&event.as), size};
}

std::string describe(const MarketEvent& event) {
  std::string out = "ts " + std::to_string(event.ts()) + " instrument " +
                    std::to_string(event.instrument()) + " kind " +
                    std::to_string(static_cast<uint32_t>(event.kind)) + " values";
  const auto value = [&out](double v) {
    char text[64];
    std::snprintf(text, sizeof text, " %.17g", v);
    out += text;
  };
  switch (event.kind) {
    case MarketEventKind::quote:
      for (double v : {event.as.quote.bid, event.as.quote.bid_size, event.as.quote.ask,
                       event.as.quote.ask_size}) {
        value(v);
      }
      break;
    case MarketEventKind::trade:
      value(event.as.trade.price);
      value(event.as.trade.size);
      break;
    case MarketEventKind::bar:
      for (double v : {event.as.bar.open, event.as.bar.high, event.as.bar.low, event.as.bar.close,
                       event.as.bar.volume}) {
        value(v);
      }
      break;
    case MarketEventKind::book:
      out += event.as.book.side == KEEL_BOOK_BID ? " bid" : " ask(or other side)";
      value(event.as.book.price);
      value(event.as.book.size);
      out += " exch_ts " + std::to_string(event.as.book.exch_ts);
      break;
  }
  return out;
}

}  // namespace keel::fuzz
