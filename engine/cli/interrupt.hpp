// engine/cli/interrupt.hpp — SIGINT and SIGTERM during `keel run`.
//
// While an InterruptGuard lives, the first SIGINT or SIGTERM only sets
// flag() to its signal number: the engine (Engine::stop_on) stops at the
// next market event and the report is written whole, saying "interrupted";
// `keel run` then exits 128 + that number (130, 143). A second SIGINT or
// SIGTERM ends the process at once with 128 + its number, whatever it is
// doing — the way out of a strategy that never returns. What is on disk
// then is what a killed run leaves (run_report.hpp): whole rows, and a
// manifest.json that still says "running" unless its final version was
// already in place (it is replaced atomically, so it is never torn).
//
// The handler only does async-signal-safe work: a compare-and-exchange on a
// lock-free atomic and, the second time, _exit.
#pragma once

#include <atomic>
#include <csignal>

namespace keel::cli {

class InterruptGuard {
 public:
  InterruptGuard();   // installs the handlers (sigaction, SA_RESTART)
  ~InterruptGuard();  // puts the previous handlers back
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // 0, or the number of the first SIGINT/SIGTERM received.
  const std::atomic<int>& flag() const;

 private:
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
};

}  // namespace keel::cli
