// SPDX-License-Identifier: Apache-2.0
// Address lists read without toml++ give the same policy and the same
// errors, at the same lines and columns, as when toml++ reads them.
#include "config/address_lists.h"

#include <gtest/gtest.h>

#include <string>

#include "config/policy_loader.h"

namespace sockshim {
namespace {

// |text| as loaded, errors and all.
std::string outcome(const std::string& text) {
  const LoadResult result = load_policy(text, "test.toml");
  std::string described;
  for (const ConfigError& error : result.errors) described += error.to_string() + "\n";
  if (result.policy) {
    for (const Rule& rule : result.policy->rules) {
      described += rule.name + ":";
      for (const AddressRange& range : rule.match.remote) {
        described += " " + std::to_string(range.base.bytes[0]) + "." + std::to_string(range.base.bytes[1]) + "." +
                     std::to_string(range.base.bytes[2]) + "." + std::to_string(range.base.bytes[3]) + "/" +
                     std::to_string(range.prefix_bits);
      }
      described += " local " + std::to_string(rule.match.local.size()) + "\n";
    }
  }
  return described;
}

// The same config with "/08" for "/8": AddressRange::parse takes both, the
// lifter only the canonical form, so the second is read by toml++.
void expect_same_as_toml(const std::string& text) {
  std::string unlifted = text;
  const size_t at = unlifted.find("/8\"");
  ASSERT_NE(at, std::string::npos);
  unlifted.replace(at, 3, "/08\"");
  // Keep every column: one character fewer elsewhere on that line is not
  // possible, so the canonical text gets a space where the other has "0".
  std::string lifted = text;
  lifted.replace(at, 3, "/8\" ");
  LiftedText probe;
  ASSERT_TRUE(lift_address_lists(lifted, &probe));
  const size_t lifted_lists = probe.lists.size();
  lift_address_lists(unlifted, &probe);
  ASSERT_EQ(probe.lists.size() + 1, lifted_lists);
  EXPECT_EQ(outcome(lifted), outcome(unlifted));
}

TEST(AddressLists, ReadLikeTomlOnOneLineAndOnMany) {
  expect_same_as_toml("[[rule]]\nname = \"a\"\nmatch = { remote = [\"10.0.0.0/8\", \"192.168.1.1\"], port = 0 }\n");
  expect_same_as_toml("[[rule]]\nname = \"a\"\nmatch = { direction = \"connect\", remote = [\n  \"10.0.0.0/8\",\n"
                      "  \"192.168.1.1\",\n  ], port = 0 }\nkeepalive.idle = 0\n");
  expect_same_as_toml("[[rule]]\nname = \"a\"\nmatch.remote = [ \"10.0.0.0/8\" ]  # end\nmatch.local = [\"1.2.3.4\"]\n"
                      "match.direction = \"any\"\nbogus = 1\n");
}

TEST(AddressLists, ColumnsCountCharactersNotBytes) {
  expect_same_as_toml("[[rule]]\nname = \"é\"\nmatch = { \"clé\" = 1, remote = [\"10.0.0.0/8\"] }\n");
}

TEST(AddressLists, LeavesEverythingElseToToml) {
  LiftedText lifted;
  EXPECT_FALSE(lift_address_lists("x = \"remote = [\\\"10.0.0.0/8\\\"]\"\n", &lifted));  // in a string
  EXPECT_FALSE(lift_address_lists("# remote = [\"10.0.0.0/8\"]\n", &lifted));          // in a comment
  EXPECT_FALSE(lift_address_lists("remote = [\"10.0.0.0/8\", \"fd00::/8\"]\n", &lifted));  // IPv6
  for (const char* odd : {"10.0.0.256", "01.2.3.4", "1.2.3.4/08", "1.2.3.4/33", "1.2.3", "1.2.3.4.5", "1.2.3.4/",
                          "1234.1.1.1", " 1.2.3.4", "1.2.3.4/8/8"}) {
    EXPECT_FALSE(lift_address_lists("remote = [\"" + std::string(odd) + "\"]\n", &lifted)) << odd;
  }
  ASSERT_TRUE(lift_address_lists("remote = [\"0.0.0.0/0\", \"255.255.255.255\", \"10.20.30.40/32\"]\n", &lifted));
  ASSERT_EQ(lifted.lists[0].ranges.size(), 3u);
  EXPECT_EQ(lifted.lists[0].ranges[0].prefix_bits, 0);
  EXPECT_EQ(lifted.lists[0].ranges[1].base.bytes[3], 255);
  EXPECT_EQ(lifted.lists[0].ranges[2].base.bytes[1], 20);
  EXPECT_EQ(lifted.lists[0].ranges[2].prefix_bits, 32);
  EXPECT_FALSE(lift_address_lists("remote = [\"10.0.0.0/8\" # why\n]\n", &lifted));      // comment inside
  EXPECT_FALSE(lift_address_lists("remote = []\n", &lifted));                            // empty
  EXPECT_FALSE(lift_address_lists("port = [\"10.0.0.0/8\"]\n", &lifted));                // not an address key
  EXPECT_TRUE(lift_address_lists("s = '''\nremote = 1'''\nlocal = [\"10.0.0.1\"]\n", &lifted));
  ASSERT_EQ(lifted.lists.size(), 1u);
  EXPECT_EQ(lifted.lists[0].at.line, 3u);
  EXPECT_EQ(lifted.lists[0].at.column, 9u);
  EXPECT_EQ(lifted.text, "s = '''\nremote = 1'''\nlocal = []\n");
}

}  // namespace
}  // namespace sockshim
