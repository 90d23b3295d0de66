// SPDX-License-Identifier: Apache-2.0
// What each kind of event can change, shared by both engines.
#include "config/policy_summary.h"

#include <gtest/gtest.h>

#include "config/policy_loader.h"
#include "tests/unit/valid_policy.h"

namespace sockshim {
namespace {

TEST(PolicySummaryTest, CreationOptionsAndWhichEventsRulesReach) {
  const Policy policy = valid_policy(
      "keepalive.idle = 30\n"
      "[[rule]]\nmatch = { direction = \"connect\", port = 5432 }\nkeepalive.idle = 5\n"
      "[[rule]]\nmatch = { protocol = \"udp\" }\nbuffers.receive = 65536\n");
  PolicySummary summary;
  summarise(policy, "", &summary);
  EXPECT_TRUE(summary.connect_rules);
  EXPECT_FALSE(summary.listen_rules);
  EXPECT_FALSE(summary.accept_rules);
  EXPECT_TRUE(summary.udp_rules);
  EXPECT_EQ(summary.at_creation[0][0].number(OptionId::keepalive_idle), 30);
  EXPECT_EQ(summary.creation_options[0][1].size, 1);  // UDP: the buffer only
  EXPECT_TRUE(summary.any_creation_options(true));
}

TEST(PolicySummaryTest, AcceptTimeRules) {
  EXPECT_EQ(first_accept_time_rule(valid_policy("keepalive.idle = 30\n")), -1);
  EXPECT_EQ(first_accept_time_rule(valid_policy("[[rule]]\nmatch = { direction = \"listen\", local = [\"10.0.0.0/8\"] }\n"
                                        "keepalive.idle = 5\n")),
            -1);
  EXPECT_EQ(first_accept_time_rule(valid_policy("[[rule]]\nmatch = { port = 8080 }\nkeepalive.idle = 5\n")), -1);
  EXPECT_EQ(first_accept_time_rule(valid_policy("[[rule]]\nmatch = { port = 8080 }\nkeepalive.idle = 5\n"
                                        "[[rule]]\nmatch = { direction = \"accept\" }\nkeepalive.idle = 6\n")),
            1);
  EXPECT_EQ(first_accept_time_rule(valid_policy("[[rule]]\nmatch = { remote = [\"10.0.0.0/8\"] }\nkeepalive.idle = 5\n")), 0);
}

}  // namespace
}  // namespace sockshim
