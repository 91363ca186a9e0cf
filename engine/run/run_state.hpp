// engine/run/run_state.hpp — what every part of a run shares: the simulated
// clock, and whether (and why) the run is ending.
#pragma once

#include <string>

#include "engine/core/failure.hpp"
#include "engine/core/status.hpp"
#include "keel/market.h"

namespace keel {

struct RunState {
  // The simulated time: the market event the loop is at, or a pending
  // event's own time while it is handled.
  keel_timestamp_t now = 0;
  // Set when the run must end at the next event (a failure, an interrupt).
  bool stop = false;
  Status failure;  // the first failure; ok otherwise
  FailureKind failure_kind = FailureKind::none;
  std::string status = "completed";  // the summary's run status

  // Ends the run early; the first failure is the one reported.
  void fail(const Status& why, FailureKind kind) {
    if (failure.is_ok()) {
      failure = why;
      failure_kind = kind;
      status = "failed: " + why.message();
    }
    stop = true;
  }
};

}  // namespace keel
