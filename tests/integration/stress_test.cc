// SPDX-License-Identifier: Apache-2.0
// The stress program under the shim (tests/programs/stress_program.cc): no
// crash, no deadlock, no leak, every socket with its options, every real
// result and errno unchanged, within a time bound. The one socket the shim
// does not promise options for (a signal handler's, made while its own
// thread builds the runtime; signal_during_build_test.cc) is counted apart
// by the program, and must still have the kernel's result and errno.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/child_process.h"
#include "tests/support/probe_output.h"

namespace sockshim::testing {
namespace {

constexpr char kStressConfig[] = R"(
keepalive = { idle = 17, interval = 4, count = 6 }
buffers = { receive = 65536 }
[[rule]]
match = { direction = "connect", remote = "127.0.0.0/8" }
tcp.user_timeout = 7000
[[rule]]
match = { direction = "accept", remote = "127.0.0.1" }
tcp.nodelay = true
)";

constexpr int kTimeBoundSeconds = 180;

TEST(StressTest, ThreadsForksSignalsAndSpawnsUnderTheShim) {
  ChildProcess child({STRESS_PROGRAM_PATH, "5000", "150"}, with_shim(kStressConfig));
  const ProgramResult result = child.finish(kTimeBoundSeconds);
  ASSERT_EQ(result.signal, 0) << "crashed or killed at the time bound; " << result.out << result.err;
  EXPECT_EQ(result.err, "");
  const auto counts = parse_probe_output(result.out);
  ASSERT_TRUE(counts.count("stress")) << result.out;
  const SocketReport& s = counts.at("stress");
  EXPECT_EQ(s.at("connections"), 8 * 5000);
  EXPECT_EQ(s.at("mismatches"), 0);
  EXPECT_EQ(s.at("errno_mismatches"), 0);
  EXPECT_EQ(s.at("children"), 150);
  EXPECT_EQ(s.at("child_failures"), 0);
  EXPECT_GT(s.at("alarms"), 0);
  EXPECT_EQ(s.at("alarm_mismatches"), 0);
  EXPECT_EQ(s.at("alarm_errno_mismatches"), 0);
  EXPECT_EQ(s.at("leaked_descriptors"), 0);
  EXPECT_LT(s.at("milliseconds"), kTimeBoundSeconds * 1000);
  EXPECT_EQ(result.exit_status, 0) << result.out;
}

TEST(StressTest, WithoutTheShimTheSameRunFindsTheOptionsMissing) {
  const ProgramResult result = run_program({STRESS_PROGRAM_PATH, "20", "3"});
  EXPECT_EQ(result.exit_status, 1);
  const auto counts = parse_probe_output(result.out);
  EXPECT_GT(counts.at("stress").at("mismatches"), 0);
  EXPECT_GT(counts.at("stress").at("child_failures"), 0);
}

}  // namespace
}  // namespace sockshim::testing
