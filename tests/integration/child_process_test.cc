// SPDX-License-Identifier: Apache-2.0
// tests/support/child_process.h: the waits the end-to-end tests build on.
// "Still waiting after N seconds" is read as an empty read_line(), so one
// must never come back before its time.
#include "tests/support/child_process.h"

#include <gtest/gtest.h>

#include <chrono>

namespace sockshim::testing {
namespace {

TEST(ChildProcessTest, ReadLineFromASilentChildWaitsItsWholeTimeout) {
  ChildProcess silent({"/bin/sleep", "30"}, {});
  for (int timeout_ms : {1, 20, 50}) {
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(silent.read_line(timeout_ms), "");
    EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(timeout_ms))
        << "read_line(" << timeout_ms << ") came back early";
  }
}

}  // namespace
}  // namespace sockshim::testing
