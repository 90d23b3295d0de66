// SPDX-License-Identifier: Apache-2.0
// The limits of a config (docs/configuration.md, "Limits"), each refused
// with its position and key; the number of error lines any program prints;
// enforce naming what nothing sets; a config file's size taken from what
// reading it gives.
#include <fcntl.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "config/config_file.h"
#include "config/config_source.h"
#include "config/policy_loader.h"

namespace sockshim {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string rules(size_t count) {
  std::string text;
  for (size_t i = 0; i < count; ++i) text += "[[rule]]\n";
  return text;
}

// "a.b.c.d/32" for the |index|-th address of 10.0.0.0/8.
std::string address(size_t index) {
  return "\"10." + std::to_string(index >> 16 & 255) + "." + std::to_string(index >> 8 & 255) + "." +
         std::to_string(index & 255) + "\"";
}

std::string address_list(size_t first, size_t count) {
  std::string list = "[";
  for (size_t i = first; i < first + count; ++i) list += (i > first ? ", " : "") + address(i);
  return list + "]";
}

TEST(ConfigLimitsTest, AtMostMaxRules) {
  LoadResult largest = load_policy(rules(kMaxRules), "test.toml");
  ASSERT_TRUE(largest.policy);
  EXPECT_EQ(largest.policy->rules.size(), kMaxRules);

  LoadResult over = load_policy(rules(kMaxRules + 5), "test.toml");
  EXPECT_FALSE(over.policy);
  ASSERT_EQ(over.errors.size(), 1u);
  EXPECT_EQ(over.errors[0].to_string(),
            "test.toml:1001:1: rule[1001]: too many rules: 1005 in the config, at most 1000 (merge rules that "
            "set the same options: a rule's match.remote, match.local and match.port take lists)");
}

TEST(ConfigLimitsTest, AtMostMaxPrefixesInAllRulesTogether) {
  const size_t half = kMaxPrefixes / 2;
  const std::string within = "[[rule]]\nmatch.remote = " + address_list(0, half) + "\n[[rule]]\nmatch.direction = \"listen\"\nmatch.local = " +
                             address_list(half, kMaxPrefixes - half) + "\n";
  ASSERT_TRUE(load_policy(within, "test.toml").policy);

  // The list that goes past the limit is named, once; in toml++'s hands
  // (an IPv6 address keeps a list from the fast reader) or not.
  for (const std::string& extra : {std::string("\"10.255.255.255\""), std::string("\"fd00::1\"")}) {
    const std::string over = within + "[[rule]]\nmatch.remote = [" + extra + "]\n[[rule]]\nmatch.remote = " + extra + "\n";
    LoadResult result = load_policy(over, "test.toml");
    EXPECT_FALSE(result.policy);
    ASSERT_EQ(result.errors.size(), 1u) << extra;
    EXPECT_EQ(result.errors[0].to_string(),
              "test.toml:7:16: rule[3].match.remote: too many address prefixes: this list brings the config "
              "past 10000, the most all rules may have together");
  }
}

TEST(ConfigLimitsTest, AtMostMaxPortRanges) {
  std::string ports = "[";
  for (size_t i = 0; i < kMaxPortRanges; ++i) ports += (i ? ", " : "") + std::to_string(1 + i % 65535);
  ports += "]";
  const std::string within = "[[rule]]\nmatch.port = " + ports + "\n";
  ASSERT_TRUE(load_policy(within, "test.toml").policy);
  LoadResult over = load_policy(within + "[[rule]]\nmatch.port = \"80-90\"\n", "test.toml");
  EXPECT_FALSE(over.policy);
  ASSERT_EQ(over.errors.size(), 1u);
  EXPECT_EQ(over.errors[0].to_string(),
            "test.toml:4:14: rule[2].match.port: too many ports and port ranges: this list brings the config "
            "past 5000, the most all rules may have together");
}

TEST(ConfigLimitsTest, AtMostMaxRawTables) {
  std::string within;
  for (size_t i = 0; i < kMaxRawTables; ++i) within += "[[raw]]\nlevel = 6\nname = 12\nvalue = 1\n";
  ASSERT_TRUE(load_policy(within, "test.toml").policy);
  LoadResult over = load_policy(within + "[[rule]]\n[[rule.raw]]\nlevel = 6\nname = 12\nvalue = 1\n[[rule.raw]]\nlevel = 6\nname = 12\nvalue = 1\n", "test.toml");
  EXPECT_FALSE(over.policy);
  ASSERT_EQ(over.error_count, 1u);
  EXPECT_EQ(over.errors[0].to_string(),
            "test.toml:2002:1: rule[1].raw[1]: too many raw options: more than 500 [[raw]] and [[rule.raw]] tables "
            "in the config");
}

TEST(ConfigLimitsTest, AnEnforceListNamesEachSettingOnce) {
  LoadResult twice = load_policy("keepalive.idle = 30\nenforce = [\"keepalive\", \"keepalive.idle\", \"keepalive\"]\n", "test.toml");
  EXPECT_FALSE(twice.policy);
  ASSERT_EQ(twice.error_count, 1u);
  EXPECT_EQ(twice.errors[0].to_string(), "test.toml:2:43: enforce: \"keepalive\" is listed twice");
}

TEST(ConfigLimitsTest, TheFirstErrorsInFileOrderThenHowManyMore) {
  // Keys in reverse order of name: toml++ gives a table's keys by name, so
  // the loader finds these errors last line first.
  std::string text = "[keepalive]\n";
  const size_t count = 10000;
  for (size_t i = count; i > 0; --i) text += "z" + std::to_string(100000 + i) + " = 1\n";
  LoadResult result = load_policy(text, "test.toml");
  EXPECT_FALSE(result.policy);
  EXPECT_EQ(result.error_count, count);
  ASSERT_EQ(result.errors.size(), kMaxReportedErrors);
  for (size_t i = 0; i < kMaxReportedErrors; ++i) {
    EXPECT_EQ(result.errors[i].line, i + 2) << i;
    EXPECT_EQ(result.errors[i].key, "keepalive.z" + std::to_string(100000 + count - i));
  }
  const std::vector<std::string> lines = error_lines(result);
  ASSERT_EQ(lines.size(), kMaxReportedErrors + 1);
  EXPECT_THAT(lines[0], StartsWith("test.toml:2:1: keepalive.z110000: unknown key"));
  EXPECT_EQ(lines.back(), "test.toml: and 9980 more errors (10000 in all; the first 20 are shown)");
}

TEST(ConfigLimitsTest, AFewErrorsAreAllShown) {
  LoadResult result = load_policy("keepalive.idle = 0\nbuffers.send = -1\n", "test.toml");
  EXPECT_EQ(result.error_count, 2u);
  EXPECT_EQ(error_lines(result).size(), 2u);
}

TEST(EnforceCheckTest, EnforcingWhatNothingSetsIsAnError) {
  LoadResult section = load_policy("keepalive.idle = 30\nenforce = [\"keepalive\", \"buffers\"]\n", "test.toml");
  EXPECT_FALSE(section.policy);
  ASSERT_EQ(section.errors.size(), 1u);
  EXPECT_EQ(section.errors[0].to_string(),
            "test.toml:2:25: enforce: enforces \"buffers\", but neither the top level nor any rule sets a "
            "buffers setting; set one (such as buffers.receive = \"256KiB\") or remove \"buffers\" from enforce");

  LoadResult key = load_policy("[[rule]]\nkeepalive.idle = 30\nenforce = [\"tcp.nodelay\"]\n", "test.toml");
  EXPECT_FALSE(key.policy);
  ASSERT_EQ(key.errors.size(), 1u);
  EXPECT_THAT(key.errors[0].to_string(),
              StartsWith("test.toml:3:12: rule[1].enforce: enforces \"tcp.nodelay\", but neither the top level "
                         "nor any rule sets it; set it (such as tcp.nodelay = "));
}

TEST(EnforceCheckTest, EnforcingWhatSomeRuleOrTheTopLevelSetsIsAccepted) {
  // The top level's enforce keeps what a rule sets, and a rule's what the top level sets.
  EXPECT_TRUE(load_policy("enforce = [\"buffers\"]\n[[rule]]\nbuffers.receive = \"1MiB\"\n", "t").policy);
  EXPECT_TRUE(load_policy("buffers.send = \"1MiB\"\n[[rule]]\nenforce = [\"buffers.send\"]\n", "t").policy);
  EXPECT_TRUE(load_policy("buffers.send = \"1MiB\"\nenforce = [\"buffers\"]\n", "t").policy);
}

TEST(ConfigFileTest, SizeIsWhatReadingGivesNotWhatStatSays) {
  // /proc files have a stat size of 0.
  std::string text;
  ConfigError error;
  ASSERT_TRUE(read_config_file("/proc/self/cmdline", FileReadOptions(), &text, &error)) << error.to_string();
  std::ifstream file("/proc/self/cmdline", std::ios::binary);
  const std::string expected((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_FALSE(expected.empty());
  EXPECT_EQ(text, expected);
}

TEST(ConfigFileTest, ExactlyMaxBytesIsReadAndOneMoreIsTooLarge) {
  const std::string path = ::testing::TempDir() + "/config_limits_size.toml";
  for (size_t size : {kMaxConfigBytes, kMaxConfigBytes + 1}) {
    std::ofstream(path, std::ios::trunc) << std::string(size, '#');
    std::string text;
    ConfigError error;
    const bool read = read_config_file(path, FileReadOptions(), &text, &error);
    EXPECT_EQ(read, size == kMaxConfigBytes) << size;
    if (read) {
      EXPECT_EQ(text.size(), size);
    } else {
      EXPECT_EQ(error.to_string(), path + ": is larger than 512 KiB; expected a small TOML file");
    }
  }
  unlink(path.c_str());
}

TEST(ConfigFileTest, FailuresAreRecordedWithoutADescription) {
  char buffer[64];
  size_t length = 1;
  FileFailure failure{};
  EXPECT_FALSE(read_config_file("/nonexistent/sockshim.toml", FileReadOptions(), buffer, sizeof buffer, &length,
                                &failure));
  EXPECT_EQ(failure.problem, FileProblem::cannot_open);
  EXPECT_EQ(failure.error_number, ENOENT);
  EXPECT_EQ(describe_file_failure("/nonexistent/sockshim.toml", failure).to_string(),
            "/nonexistent/sockshim.toml: cannot open: No such file or directory");
}

}  // namespace
}  // namespace sockshim
