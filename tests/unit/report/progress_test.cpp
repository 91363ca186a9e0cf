// ProgressBar is silent off a terminal; print_summary shows the key figures.
#include "engine/report/progress.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace keel {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kT0 = int64_t{1704187800} * kSecond;  // 2024-01-02T09:30:00Z

std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string text;
  char buf[4096];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, got);
  return text;
}

TEST(ReportProgress, SilentWhenNotATerminal) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressBar bar(f, /*quiet=*/false);
  EXPECT_FALSE(bar.enabled());
  for (uint64_t i = 0; i < 200'000; ++i) bar.update(i, kT0 + static_cast<int64_t>(i), i / 2e5);
  bar.finish();
  EXPECT_EQ(contents(f), "");
  std::fclose(f);

  ProgressBar none(nullptr, false);
  EXPECT_FALSE(none.enabled());
  none.update(1, kT0, 0.5);
  none.finish();
}

// A pseudo-terminal, so the drawing path runs; skipped where none exists.
struct Pty {
  int master = -1;
  std::FILE* slave = nullptr;
  Pty() {
    master = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) return;
    const char* name = ::ptsname(master);
    if (name == nullptr) return;
    slave = std::fopen(name, "w");
  }
  ~Pty() {
    if (slave) std::fclose(slave);
    if (master >= 0) ::close(master);
  }
  std::string drain() const {
    std::string text;
    const int flags = ::fcntl(master, F_GETFL);
    ::fcntl(master, F_SETFL, flags | O_NONBLOCK);
    char buf[4096];
    ssize_t got;
    while ((got = ::read(master, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(got));
    return text;
  }
};

TEST(ReportProgress, DrawsOnATerminalUnlessQuiet) {
  Pty pty;
  if (pty.slave == nullptr) GTEST_SKIP() << "no pseudo-terminal available";

  ProgressBar quiet(pty.slave, /*quiet=*/true);
  EXPECT_FALSE(quiet.enabled());
  quiet.update(10, kT0, 0.5);
  quiet.finish();
  std::fflush(pty.slave);
  EXPECT_EQ(pty.drain(), "");

  ProgressBar bar(pty.slave, /*quiet=*/false);
  ASSERT_TRUE(bar.enabled());
  bar.update(1'234'567, kT0, 0.25);  // the first update draws at once
  const std::string line = pty.drain();
  EXPECT_NE(line.find("1,234,567 events"), std::string::npos) << line;
  EXPECT_NE(line.find("25.0%"), std::string::npos) << line;
  EXPECT_NE(line.find("ev/s"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA"), std::string::npos) << line;
  EXPECT_NE(line.find("2024-01-02T09:30:00Z"), std::string::npos) << line;
  // Many calls within the redraw interval draw nothing more.
  for (int i = 0; i < 1000; ++i) bar.update(1'234'568 + i, kT0, 0.25);
  bar.finish();
  const std::string rest = pty.drain();
  EXPECT_NE(rest.find("\x1b[K"), std::string::npos);
  EXPECT_EQ(rest.find("events"), std::string::npos) << rest;
}

TEST(ReportProgress, SummaryShowsTheKeyFigures) {
  RunSummary s;
  s.run_name = "mm-backtest";
  s.status = "completed";
  s.currency = "USD";
  s.first_event_ts = kT0;
  s.last_event_ts = kT0 + 3600 * kSecond;
  s.events = 1'234'567;
  s.initial_cash = 1'000'000;
  s.final_equity = 1'012'345.67;
  s.realized_pnl = 12'000;
  s.unrealized_pnl = 345.67;
  s.total_fees = 123.45;
  s.num_orders = 120;
  s.num_fills = 98;
  s.max_drawdown = 0.0123;
  s.sharpe = 1.87;
  StrategySummary mm;
  mm.name = "market_maker";
  mm.status = "completed";
  mm.final_equity = 1'012'345.67;
  mm.num_orders = 120;
  mm.num_fills = 98;
  s.strategies = {mm};
  for (int i = 0; i < 25; ++i) {
    StrategySummary extra;
    extra.name = "extra" + std::to_string(i);
    extra.status = "disabled: a long reason that does not fit the column";
    s.strategies.push_back(extra);
  }

  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  print_summary(f, s);
  const std::string text = contents(f);
  std::fclose(f);
  for (const char* expected :
       {"mm-backtest", "completed", "2024-01-02T09:30:00Z", "2024-01-02T10:30:00Z", "1,234,567",
        "1,000,000.00", "1,012,345.67", "USD", "+1.23%", "+12,000.00", "+345.67", "123.45", "120",
        "98", "1.23%", "1.87", "market_maker", "and 14 more strategies",
        "extra0: disabled: a long reason that does not fit the column"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << " in:\n" << text;
  }
  // One screen: the header block, the table, the overflow line, the notes.
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  EXPECT_LE(lines, 40u) << text;
}

}  // namespace
}  // namespace keel
