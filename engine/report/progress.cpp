// engine/report/progress.cpp — the terminal progress line and end summary.
#include "engine/report/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/market/timestamp.hpp"

namespace keel {
namespace {

using namespace std::chrono_literals;

constexpr auto kRedrawInterval = 100ms;
// At most this many calls between clock reads: ~25 ns of steady_clock per
// 1024 events is noise, and if the event rate collapses the bar is stale
// for at most 1024 slow events before the stride shrinks again.
constexpr uint32_t kMaxStride = 1024;
constexpr int kBarWidth = 20;
constexpr size_t kMaxStrategyRows = 12;

// "1,234,567"
std::string group_digits(std::string digits) {
  const size_t start = (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) ? 1 : 0;
  const size_t dot = std::min(digits.find('.'), digits.size());
  for (size_t i = dot; i > start + 3; i -= 3) digits.insert(i - 3, 1, ',');
  return digits;
}

std::string count(uint64_t n) { return group_digits(std::to_string(n)); }

// "1,234,567.89", "+12.00" with `sign` (none on zero); "nan"/"inf" as is.
std::string money(double v, bool sign = false) {
  if (!std::isfinite(v)) return std::to_string(v);
  if (v == 0) v = 0;
  char buf[64];
  std::snprintf(buf, sizeof buf, sign && v != 0 ? "%+.2f" : "%.2f", v);
  return group_digits(buf);
}

// "523.4k", "1.2M"
std::string rate(double per_second) {
  char buf[32];
  if (per_second >= 1e9) {
    std::snprintf(buf, sizeof buf, "%.1fG", per_second / 1e9);
  } else if (per_second >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.1fM", per_second / 1e6);
  } else if (per_second >= 1e3) {
    std::snprintf(buf, sizeof buf, "%.1fk", per_second / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f", per_second);
  }
  return buf;
}

// "0:12", "1:02:03"
std::string duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const auto s = static_cast<uint64_t>(seconds + 0.5);
  char buf[48];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%llu:%02llu:%02llu", static_cast<unsigned long long>(s / 3600),
                  static_cast<unsigned long long>(s / 60 % 60),
                  static_cast<unsigned long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%llu:%02llu", static_cast<unsigned long long>(s / 60),
                  static_cast<unsigned long long>(s % 60));
  }
  return buf;
}

// A simulated time to the second.
std::string sim_time(keel_timestamp_t ts) {
  constexpr int64_t kNsPerSecond = 1'000'000'000;
  int64_t rem = ts % kNsPerSecond;
  if (rem < 0) rem += kNsPerSecond;
  return format_timestamp(ts - rem);
}

std::string fit(std::string text, size_t width) {
  if (text.size() > width) {
    text.resize(width > 1 ? width - 1 : width);
    if (width > 1) text.push_back('~');
  }
  return text;
}

}  // namespace

ProgressBar::ProgressBar(std::FILE* out, bool quiet) : out_(out) {
  enabled_ = !quiet && out != nullptr && ::isatty(::fileno(out)) == 1;
  start_ = last_check_ = Clock::now();
  last_draw_ = start_ - kRedrawInterval;
}

void ProgressBar::update(uint64_t events, keel_timestamp_t sim_ts, double fraction_done) {
  if (!enabled_) return;
  if (++calls_ < stride_) return;
  calls_ = 0;
  const auto now = Clock::now();
  // Read the clock about once a millisecond, whatever the call rate.
  const auto since_check = now - last_check_;
  last_check_ = now;
  if (since_check < 1ms) {
    stride_ = std::min(stride_ * 2, kMaxStride);
  } else if (since_check > 4ms) {
    // Slower than wanted: scale down at once to about one read per ms.
    const auto ratio = std::chrono::duration<double, std::milli>(since_check).count();
    stride_ = std::max<uint32_t>(1, static_cast<uint32_t>(stride_ / ratio));
  }
  if (now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  draw(events, sim_ts, fraction_done, now);
}

void ProgressBar::draw(uint64_t events, keel_timestamp_t sim_ts, double fraction_done,
                       Clock::time_point now) {
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const bool known = fraction_done >= 0 && std::isfinite(fraction_done);
  const double f = known ? std::min(fraction_done, 1.0) : 0.0;

  std::string line;
  line.reserve(160);
  if (known) {
    const int filled = static_cast<int>(f * kBarWidth);
    line.push_back('[');
    line.append(static_cast<size_t>(filled), '#');
    line.append(static_cast<size_t>(kBarWidth - filled), '.');
    line.append("] ");
    char pct[16];
    std::snprintf(pct, sizeof pct, "%5.1f%%", f * 100);
    line.append(pct);
    line.append("  ");
  }
  line.append(count(events)).append(" events  ");
  line.append(rate(elapsed > 0 ? static_cast<double>(events) / elapsed : 0)).append(" ev/s");
  if (known) {
    line.append("  ETA ").append(f > 0 ? duration(elapsed * (1 - f) / f) : duration(-1));
  }
  line.append("  sim ").append(sim_time(sim_ts));

  // Never wrap: a wrapped line cannot be overwritten with '\r'.
  struct winsize ws {};
  if (::ioctl(::fileno(out_), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && line.size() >= ws.ws_col) {
    line.resize(ws.ws_col - 1u);
  }
  std::fprintf(out_, "\r%s\x1b[K", line.c_str());
  std::fflush(out_);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (!enabled_ || !drawn_) return;
  std::fputs("\r\x1b[K", out_);
  std::fflush(out_);
  drawn_ = false;
}

void print_summary(std::FILE* out, const RunSummary& s) {
  if (out == nullptr) return;
  auto row = [out](const char* label, const std::string& value) {
    std::fprintf(out, "  %-13s %s\n", label, value.c_str());
  };
  std::fprintf(out, "run %s: %s\n", s.run_name.empty() ? "(unnamed)" : s.run_name.c_str(),
               s.status.c_str());
  row("period",
      s.events > 0 ? format_timestamp(s.first_event_ts) + " .. " + format_timestamp(s.last_event_ts)
                   : std::string("(no events)"));
  row("events", count(s.events));
  std::string equity = money(s.initial_cash) + " -> " + money(s.final_equity);
  if (!s.currency.empty()) equity += " " + s.currency;
  if (s.initial_cash != 0 && std::isfinite(s.final_equity)) {
    char pct[32];
    std::snprintf(pct, sizeof pct, " (%+.2f%%)", (s.final_equity / s.initial_cash - 1) * 100);
    equity += pct;
  }
  row("equity", equity);
  row("PnL", "realised " + money(s.realized_pnl, true) + "   unrealised " +
                 money(s.unrealized_pnl, true) + "   fees " + money(s.total_fees));
  row("orders", count(s.num_orders) + "   fills " + count(s.num_fills));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f%%", s.max_drawdown * 100);
  row("max drawdown", buf);
  std::snprintf(buf, sizeof buf, "%.2f", s.sharpe);
  row("Sharpe", buf);

  if (s.strategies.empty()) return;
  // 79 columns; statuses other than "completed" follow the table in full.
  std::fprintf(out, "\n  %-13s %14s %12s %12s %9s %6s %5s\n", "strategy", "final equity",
               "realised", "unrealised", "fees", "orders", "fills");
  const size_t shown = std::min(s.strategies.size(), kMaxStrategyRows);
  for (size_t i = 0; i < shown; ++i) {
    const auto& st = s.strategies[i];
    std::fprintf(out, "  %-13s %14s %12s %12s %9s %6s %5s\n", fit(st.name, 13).c_str(),
                 money(st.final_equity).c_str(), money(st.realized_pnl, true).c_str(),
                 money(st.unrealized_pnl, true).c_str(), money(st.total_fees).c_str(),
                 count(st.num_orders).c_str(), count(st.num_fills).c_str());
  }
  if (s.strategies.size() > shown)
    std::fprintf(out, "  ... and %zu more strategies (see summary.json)\n",
                 s.strategies.size() - shown);
  bool first_note = true;
  for (size_t i = 0; i < shown; ++i) {
    const auto& st = s.strategies[i];
    if (st.status == "completed") continue;
    if (first_note) std::fputc('\n', out);
    first_note = false;
    std::fprintf(out, "  %s: %s\n", st.name.c_str(), st.status.c_str());
  }
}

}  // namespace keel
