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

// The shim summarises its compiled policy: the same summary, the rules
// that apply at creation found through the lookups.
TEST(PolicySummaryTest, TheCompiledPolicysSummaryIsThePolicys) {
  const Policy policy = valid_policy(
      "keepalive.idle = 30\n"
      "[[rule]]\nmatch = { direction = \"connect\", port = 5432 }\nkeepalive.idle = 5\n"
      "[[rule]]\nmatch = { protocol = \"udp\" }\nbuffers.receive = 65536\n"
      "[[rule]]\nmatch = { family = \"ipv6\" }\ntcp.nodelay = true\n"
      "[[rule]]\nmatch = { protocol = \"any\", family = \"ipv4\" }\nbuffers.send = 131072\n"
      "[[rule]]\nmatch = { direction = \"listen\" }\nkeepalive.idle = 7\n"
      "[[rule]]\nkeepalive.count = 4\n");
  PolicySummary plain, compiled;
  summarise(policy, "", &plain);
  summarise(CompiledPolicy(policy), "", &compiled);
  EXPECT_EQ(compiled.connect_rules, plain.connect_rules);
  EXPECT_EQ(compiled.listen_rules, plain.listen_rules);
  EXPECT_EQ(compiled.accept_rules, plain.accept_rules);
  EXPECT_EQ(compiled.udp_rules, plain.udp_rules);
  for (int ipv6 = 0; ipv6 < 2; ++ipv6) {
    for (int udp = 0; udp < 2; ++udp) {
      for (int i = 0; i < kOptionCount; ++i) {
        EXPECT_EQ(compiled.at_creation[ipv6][udp].values[i], plain.at_creation[ipv6][udp].values[i])
            << ipv6 << udp << i;
      }
      EXPECT_EQ(compiled.creation_options[ipv6][udp].size, plain.creation_options[ipv6][udp].size) << ipv6 << udp;
      EXPECT_EQ(compiled.creation_enforced[ipv6][udp], plain.creation_enforced[ipv6][udp]) << ipv6 << udp;
    }
  }
  EXPECT_EQ(compiled.at_creation[1][0].number(OptionId::nodelay), 1);
  EXPECT_EQ(compiled.at_creation[0][0].number(OptionId::keepalive_count), 4);
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
