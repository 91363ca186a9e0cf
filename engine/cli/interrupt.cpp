// engine/cli/interrupt.cpp — the SIGINT/SIGTERM handler of `keel run`.
#include "engine/cli/interrupt.hpp"

#include <unistd.h>

namespace keel::cli {
namespace {

std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "the handler needs a lock-free atomic");

extern "C" void on_interrupt(int signal_number) {
  int expected = 0;
  if (!g_signal.compare_exchange_strong(expected, signal_number, std::memory_order_relaxed)) {
    _exit(128 + signal_number);  // the second one: now
  }
}

}  // namespace

InterruptGuard::InterruptGuard() {
  g_signal.store(0, std::memory_order_relaxed);
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  sigaddset(&action.sa_mask, SIGINT);  // one handler at a time
  sigaddset(&action.sa_mask, SIGTERM);
  sigaction(SIGINT, &action, &previous_int_);
  sigaction(SIGTERM, &action, &previous_term_);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &previous_int_, nullptr);
  sigaction(SIGTERM, &previous_term_, nullptr);
}

const std::atomic<int>& InterruptGuard::flag() const { return g_signal; }

}  // namespace keel::cli
