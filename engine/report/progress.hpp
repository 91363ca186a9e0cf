// engine/report/progress.hpp — what a run shows a person while it runs and
// when it ends.
//
// ProgressBar draws one self-overwriting line on a terminal:
//   [#########...........]  45.2%  1,234,567 events  523.4k ev/s  ETA 0:12  sim
//   2024-01-02T09:30:00Z
// It is silent unless its stream is a terminal (isatty) and the run is not
// quiet, so logs, pipes and CI output never receive control characters.
// update() is cheap enough to call once per event: it reads the clock only
// every few calls (the stride adapts to the call rate) and redraws at most
// about ten times a second.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>

#include "engine/report/records.hpp"
#include "keel/market.h"

namespace keel {

class ProgressBar {
 public:
  // `out` is not owned; nullptr makes a disabled bar.
  ProgressBar(std::FILE* out, bool quiet);
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  bool enabled() const { return enabled_; }

  // `events` processed so far, the simulated time reached, and the fraction
  // of the input done in [0, 1] (negative when unknown: no percent or ETA).
  void update(uint64_t events, keel_timestamp_t sim_ts, double fraction_done);
  // Clears the line (if anything was drawn). Idempotent.
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  void draw(uint64_t events, keel_timestamp_t sim_ts, double fraction_done, Clock::time_point now);

  std::FILE* out_ = nullptr;
  bool enabled_ = false;
  bool drawn_ = false;
  uint32_t calls_ = 0;   // since the last clock read
  uint32_t stride_ = 1;  // calls between clock reads
  Clock::time_point start_;
  Clock::time_point last_check_;
  Clock::time_point last_draw_;
};

// A one-screen human summary of a finished run: name and status, simulated
// period, events, initial and final equity, realised/unrealised PnL, fees,
// orders and fills, max drawdown (%), Sharpe, and a per-strategy table (the
// first 12 strategies, then a count of the rest) followed by the status of
// each listed strategy that did not complete. Plain ASCII, no colour, 79
// columns for the fixed part.
void print_summary(std::FILE* out, const RunSummary& summary);

}  // namespace keel
