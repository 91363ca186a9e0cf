// A handshake between a test and keel_test_blocking, returned by the
// plugin's get_extension(KEEL_TEST_GATE_ID): the model's price waits at the
// gate until the test opens it, and its destructor records whether it ran
// while a call was still inside the instance.
#pragma once

#include <atomic>

#define KEEL_TEST_GATE_ID "keel_test.gate/1"

namespace keel_test {

struct Gate {
  std::atomic<int> calls_inside{0};
  std::atomic<bool> open{false};
  std::atomic<int> drops{0};
  std::atomic<int> drops_during_a_call{0};
};

}  // namespace keel_test
