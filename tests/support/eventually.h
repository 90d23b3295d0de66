// SPDX-License-Identifier: Apache-2.0
// Waiting in a test for something that eventually happens. The wait ends at
// a deadline on the steady clock, never after a count of attempts: an
// attempt's length grows with the machine's load (each may start a
// process), so a count that is ample on an idle machine runs out on a busy
// one. The deadline is a liveness bound, far above any scheduling delay:
// only a test that is failing waits that long.
#pragma once

#include <chrono>
#include <thread>

namespace sockshim::testing {

// How long a test waits for what must eventually happen (a process starts,
// a socket appears, an answer comes).
constexpr std::chrono::seconds kEventually{60};
constexpr int kEventuallyMs = static_cast<int>(std::chrono::milliseconds(kEventually).count());

// Calls |condition| until it returns true or |timeout| has passed, pausing
// |pause| between calls. Returns whether it became true; it is called once
// more after the deadline has passed, so a condition that came true during
// the last pause counts.
template <typename Condition>
bool eventually(Condition condition, std::chrono::steady_clock::duration timeout = kEventually,
                std::chrono::steady_clock::duration pause = std::chrono::milliseconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const bool past_deadline = std::chrono::steady_clock::now() >= deadline;
    if (condition()) return true;
    if (past_deadline) return false;
    std::this_thread::sleep_for(pause);
  }
}

}  // namespace sockshim::testing
