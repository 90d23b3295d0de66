// SPDX-License-Identifier: Apache-2.0
#include "config/middlebox_timeout.h"

#include <gtest/gtest.h>

#include "config/policy_loader.h"
#include "tests/unit/valid_policy.h"

namespace sockshim {
namespace {

SocketSettings keepalive(int idle, int interval, int count) {
  SocketSettings settings;
  settings.set(OptionId::keepalive, 1);
  settings.set(OptionId::keepalive_idle, idle);
  settings.set(OptionId::keepalive_interval, interval);
  settings.set(OptionId::keepalive_count, count);
  return settings;
}

const KeepaliveDefaults kKernelDefaults;  // 7200 / 75 / 9

TEST(MiddleboxTimeoutTest, KeepaliveOffIsForgotten) {
  const MiddleboxOutcome outcome = idle_flow_through_middlebox(SocketSettings(), kKernelDefaults, 350);
  EXPECT_FALSE(outcome.survives);
  EXPECT_FALSE(outcome.silence_s.has_value());
}

TEST(MiddleboxTimeoutTest, KeepaliveOnWithTheKernelsIdleIsForgotten) {
  SocketSettings settings;
  settings.set(OptionId::keepalive, 1);
  const MiddleboxOutcome outcome = idle_flow_through_middlebox(settings, kKernelDefaults, 350);
  EXPECT_FALSE(outcome.survives);
  EXPECT_EQ(outcome.silence_s, 7200);
}

TEST(MiddleboxTimeoutTest, TheNamespaceDefaultsFillWhatTheConfigLeavesUnset) {
  SocketSettings settings;
  settings.set(OptionId::keepalive, 1);
  KeepaliveDefaults tuned;
  tuned.idle_s = 300;
  EXPECT_TRUE(idle_flow_through_middlebox(settings, tuned, 350).survives);
  EXPECT_FALSE(idle_flow_through_middlebox(settings, tuned, 240).survives);
}

TEST(MiddleboxTimeoutTest, IdleMustBeShorterThanTheTimeout) {
  EXPECT_TRUE(idle_flow_through_middlebox(keepalive(349, 10, 3), kKernelDefaults, 350).survives);
  // At exactly the timeout the probe races the expiry.
  EXPECT_FALSE(idle_flow_through_middlebox(keepalive(350, 10, 3), kKernelDefaults, 350).survives);
  EXPECT_FALSE(idle_flow_through_middlebox(keepalive(600, 10, 3), kKernelDefaults, 350).survives);
}

TEST(MiddleboxTimeoutTest, LostProbesToleratedWhileTheNextStillComesInTime) {
  // 60 + 10 k < 350 for every k up to count - 1 = 2.
  EXPECT_EQ(idle_flow_through_middlebox(keepalive(60, 10, 3), kKernelDefaults, 350).lost_probes_tolerated, 2);
  // 300 + 30 = 330 < 350, 300 + 60 = 360 is not.
  EXPECT_EQ(idle_flow_through_middlebox(keepalive(300, 30, 9), kKernelDefaults, 350).lost_probes_tolerated, 1);
  // 340 + 20 >= 350: every probe must be answered.
  EXPECT_EQ(idle_flow_through_middlebox(keepalive(340, 20, 9), kKernelDefaults, 350).lost_probes_tolerated, 0);
  // One probe only: after it is lost the kernel ends the connection.
  EXPECT_EQ(idle_flow_through_middlebox(keepalive(10, 1, 1), kKernelDefaults, 350).lost_probes_tolerated, 0);
}

TEST(MiddleboxTimeoutTest, UserTimeoutEndsTheConnectionAfterFewerProbes) {
  // Probes at 5, 7, 9; the tick at 11 s ends it: 3 probes, 2 may be lost.
  SocketSettings settings = keepalive(5, 2, 9);
  settings.set(OptionId::user_timeout, 11000);
  EXPECT_EQ(idle_flow_through_middlebox(settings, kKernelDefaults, 350).lost_probes_tolerated, 2);
  settings.set(OptionId::user_timeout, 1000);  // ends at the first tick after one probe
  EXPECT_EQ(idle_flow_through_middlebox(settings, kKernelDefaults, 350).lost_probes_tolerated, 0);
}

TEST(MiddleboxTimeoutTest, TheForgetfulRouterOfTheEndToEndTestAndTheDemo) {
  // tests/end_to_end/forgetful_router_test.cc and scripts/demo measure these.
  EXPECT_TRUE(idle_flow_through_middlebox(keepalive(2, 1, 3), kKernelDefaults, 4).survives);
  EXPECT_TRUE(idle_flow_through_middlebox(keepalive(3, 2, 3), kKernelDefaults, 6).survives);
  EXPECT_FALSE(idle_flow_through_middlebox(SocketSettings(), kKernelDefaults, 6).survives);
}

TEST(MiddleboxTimeoutTest, NamesTheSectionsWhoseConnectionsWouldBeForgotten) {
  const Policy policy = valid_policy(R"(
keepalive = { idle = 60, interval = 10, count = 3 }
[[rule]]
name = "database"
match = { remote = ["10.0.0.0/8"] }
keepalive = { idle = 600 }
[[rule]]
name = "metrics"
match = { protocol = "udp" }
buffers = { receive = 65536 }
[[rule]]
name = "cache"
match = { port = 6379 }
keepalive = { enabled = false }
[[rule]]
name = "api"
match = { port = 443 }
keepalive = { interval = 5 }
)");
  const auto forgotten = sections_forgotten_by_middlebox(policy, kKernelDefaults, 350);
  ASSERT_EQ(forgotten.size(), 2u);
  EXPECT_EQ(forgotten[0].rule_index, 0u);
  EXPECT_EQ(forgotten[0].outcome.silence_s, 600);
  EXPECT_EQ(forgotten[1].rule_index, 2u);
  EXPECT_FALSE(forgotten[1].outcome.silence_s.has_value());
  // Every one of them survives a middlebox that waits an hour but the
  // keepalive-off rule.
  const auto hour = sections_forgotten_by_middlebox(policy, kKernelDefaults, 3600);
  ASSERT_EQ(hour.size(), 1u);
  EXPECT_EQ(hour[0].rule_index, 2u);
}

TEST(MiddleboxTimeoutTest, TheTopLevelIsNamedWhenItHasNoKeepalive) {
  const Policy policy = valid_policy(R"(
[[rule]]
name = "database"
match = { port = 5432 }
keepalive = { enabled = true, idle = 30 }
)");
  const auto forgotten = sections_forgotten_by_middlebox(policy, kKernelDefaults, 350);
  ASSERT_EQ(forgotten.size(), 1u);
  EXPECT_FALSE(forgotten[0].rule_index.has_value());
}

}  // namespace
}  // namespace sockshim
