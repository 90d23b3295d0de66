// SPDX-License-Identifier: Apache-2.0
#include "config/policy_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sockshim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Policy load_ok(const std::string& text) {
  LoadResult result = load_policy(text, "test.toml");
  for (const ConfigError& error : result.errors) ADD_FAILURE() << error.to_string();
  return result.policy.value_or(Policy());
}

// The one error |text| produces, as "test.toml:line:col: key: message".
std::string only_error(const std::string& text) {
  LoadResult result = load_policy(text, "test.toml");
  EXPECT_FALSE(result.policy.has_value());
  EXPECT_EQ(result.errors.size(), 1u) << text;
  return result.errors.empty() ? "" : result.errors.front().to_string();
}

TEST(PolicyLoaderTest, ACommentAloneIsAnEmptyPolicyButNothingAtAllIsAnError) {
  EXPECT_TRUE(load_ok("# only a comment\n").empty());
  EXPECT_EQ(only_error(""), "test.toml: is empty; expected [keepalive], [buffers], [tcp] or [[rule]] "
                            "(a comment alone makes an intentionally empty config)");
  EXPECT_THAT(only_error(" \n\t\n"), HasSubstr("is empty"));
}

TEST(PolicyLoaderTest, EveryTopLevelKey) {
  const Policy policy = load_ok(R"(
[keepalive]
enabled  = true
idle     = 30
interval = 10
count    = 3
[buffers]
receive = 262144
send    = 131072
[tcp]
user_timeout = 20000
nodelay      = true
)");
  const SocketSettings& s = policy.defaults;
  EXPECT_EQ(s.number(OptionId::keepalive), 1);
  EXPECT_EQ(s.number(OptionId::keepalive_idle), 30);
  EXPECT_EQ(s.number(OptionId::keepalive_interval), 10);
  EXPECT_EQ(s.number(OptionId::keepalive_count), 3);
  EXPECT_EQ(s.number(OptionId::receive_buffer), 262144);
  EXPECT_EQ(s.number(OptionId::send_buffer), 131072);
  EXPECT_EQ(s.number(OptionId::user_timeout), 20000);
  EXPECT_EQ(s.number(OptionId::nodelay), 1);
  EXPECT_TRUE(policy.rules.empty());
}

TEST(PolicyLoaderTest, UnitsInStrings) {
  const Policy policy = load_ok(R"(
keepalive = { idle = "5m", interval = "30s", count = 4 }
buffers = { receive = "256KiB", send = "1M" }
tcp = { user_timeout = "20s" }
)");
  EXPECT_EQ(policy.defaults.number(OptionId::keepalive_idle), 300);
  EXPECT_EQ(policy.defaults.number(OptionId::keepalive_interval), 30);
  EXPECT_EQ(policy.defaults.number(OptionId::receive_buffer), 256 * 1024);
  EXPECT_EQ(policy.defaults.number(OptionId::send_buffer), 1 << 20);
  EXPECT_EQ(policy.defaults.number(OptionId::user_timeout), 20000);
  EXPECT_EQ(load_ok("keepalive.idle = \"1h\"").defaults.number(OptionId::keepalive_idle), 3600);
  EXPECT_EQ(load_ok("tcp.user_timeout = \"1500ms\"").defaults.number(OptionId::user_timeout), 1500);
  EXPECT_EQ(load_ok("tcp.user_timeout = \"2m\"").defaults.number(OptionId::user_timeout), 120000);
}

TEST(PolicyLoaderTest, TuningKeepaliveTurnsItOn) {
  EXPECT_EQ(load_ok("keepalive.idle = 30").defaults.number(OptionId::keepalive), 1);
  EXPECT_EQ(load_ok("keepalive.count = 3").defaults.number(OptionId::keepalive), 1);
  EXPECT_EQ(load_ok("keepalive = { idle = 30, enabled = false }").defaults.number(OptionId::keepalive), 0);
  EXPECT_FALSE(load_ok("buffers.receive = 4096").defaults.number(OptionId::keepalive).has_value());
}

TEST(PolicyLoaderTest, KernelLimitsAreAccepted) {
  const Policy low = load_ok("keepalive = { idle = 1, interval = 1, count = 1 }\ntcp.user_timeout = 0");
  EXPECT_EQ(low.defaults.number(OptionId::keepalive_idle), 1);
  EXPECT_EQ(low.defaults.number(OptionId::user_timeout), 0);
  const Policy high = load_ok(
      "keepalive = { idle = 32767, interval = 32767, count = 127 }\n"
      "tcp.user_timeout = 2147483647\nbuffers = { receive = 2147483647, send = 1 }");
  EXPECT_EQ(high.defaults.number(OptionId::keepalive_idle), 32767);
  EXPECT_EQ(high.defaults.number(OptionId::keepalive_count), 127);
  EXPECT_EQ(high.defaults.number(OptionId::user_timeout), 2147483647);
  EXPECT_EQ(high.defaults.number(OptionId::receive_buffer), 2147483647);
}

TEST(PolicyLoaderTest, RulesWithEveryMatchKey) {
  const Policy policy = load_ok(R"(
[[rule]]
name  = "database"
match = { direction = "connect", remote = ["10.0.0.0/8", "fd00::/8"], port = [5432, "6379-6380"] }
keepalive = { idle = 5, interval = 2, count = 3 }
buffers   = { receive = "1MiB" }

[[rule]]
name  = "public listener"
match = { direction = "listen", port = 8080, local = "0.0.0.0/0", family = "ipv4", program = "nginx*" }
buffers = { receive = "4MiB", send = "4MiB" }
tcp = { nodelay = false }

[[rule]]
match = { direction = "accept", protocol = "any", family = "ipv6", remote = "::1" }

[[rule]]
match.protocol = "udp"
match.direction = "any"
buffers.receive = 65536
)");
  ASSERT_EQ(policy.rules.size(), 4u);
  const Rule& database = policy.rules[0];
  EXPECT_EQ(database.name, "database");
  EXPECT_EQ(database.match.direction, Direction::connect);
  EXPECT_EQ(database.match.remote.size(), 2u);
  ASSERT_EQ(database.match.ports.size(), 2u);
  EXPECT_EQ(database.match.ports[0].first, 5432);
  EXPECT_EQ(database.match.ports[1].first, 6379);
  EXPECT_EQ(database.match.ports[1].last, 6380);
  EXPECT_EQ(database.settings.number(OptionId::keepalive), 1);
  EXPECT_EQ(database.settings.number(OptionId::receive_buffer), 1 << 20);
  EXPECT_EQ(database.match.protocol, Protocol::tcp);  // the default

  const Rule& listener = policy.rules[1];
  EXPECT_EQ(listener.match.direction, Direction::listen);
  EXPECT_EQ(listener.match.family, Family::ipv4);
  EXPECT_EQ(listener.match.program_glob, "nginx*");
  EXPECT_EQ(listener.match.local.size(), 1u);
  EXPECT_EQ(listener.settings.number(OptionId::nodelay), 0);

  EXPECT_EQ(policy.rules[2].name, "rule[3]");  // unnamed rules are numbered from 1
  EXPECT_EQ(policy.rules[2].match.protocol, Protocol::any);
  EXPECT_EQ(policy.rules[2].match.family, Family::ipv6);
  EXPECT_TRUE(policy.rules[2].settings.empty());
  EXPECT_EQ(policy.rules[3].match.protocol, Protocol::udp);
  EXPECT_EQ(policy.rules[3].settings.number(OptionId::receive_buffer), 65536);
}

TEST(PolicyLoaderTest, SyntaxErrorNamesLineAndColumn) {
  EXPECT_THAT(only_error("[keepalive]\nidle = = 3\n"),
              HasSubstr("test.toml:2:"));
  EXPECT_THAT(only_error("[keepalive]\nidle = = 3\n"), HasSubstr("syntax error"));
  EXPECT_THAT(only_error("[keepalive\n"), HasSubstr("test.toml:1:"));
}

TEST(PolicyLoaderTest, DuplicateKeysAreSyntaxErrors) {
  EXPECT_THAT(only_error("[keepalive]\nidle = 3\nidle = 4\n"), HasSubstr("test.toml:3:8: syntax error: Error while parsing key-value pair: cannot redefine existing integer 'idle'"));
}

TEST(PolicyLoaderTest, UnknownKeysSuggestTheNearestName) {
  EXPECT_EQ(only_error("[keepalive]\nintreval = 10\n"),
            "test.toml:2:1: keepalive.intreval: unknown key \"intreval\"; did you mean \"interval\"?");
  EXPECT_EQ(only_error("[buffer]\nreceive = 1\n"),
            "test.toml:1:2: buffer: unknown key \"buffer\"; did you mean \"buffers\"?");
  EXPECT_EQ(only_error("[[rule]]\nmatch = { directoin = \"connect\" }\n"),
            "test.toml:2:11: rule[1].match.directoin: unknown key \"directoin\"; did you mean \"direction\"?");
  EXPECT_THAT(only_error("[tcp]\nzzzzzzzzzzzz = 1\n"),
              HasSubstr("expected one of: user_timeout nodelay"));
}

TEST(PolicyLoaderTest, WrongTypes) {
  EXPECT_EQ(only_error("keepalive = 30\n"),
            "test.toml:1:13: keepalive: expected a table, got the integer 30");
  EXPECT_EQ(only_error("[keepalive]\nenabled = \"yes\"\n"),
            "test.toml:2:11: keepalive.enabled: expected true or false, got the string \"yes\"");
  EXPECT_THAT(only_error("[keepalive]\nidle = 1.5\n"),
              HasSubstr("keepalive.idle: expected seconds in 1..32767"));
  EXPECT_THAT(only_error("[keepalive]\ncount = \"3\"\n"),
              HasSubstr("keepalive.count: expected a whole number of probes in 1..127, got the string \"3\""));
  EXPECT_THAT(only_error("[tcp]\nnodelay = 1\n"), HasSubstr("tcp.nodelay: expected true or false"));
  EXPECT_THAT(only_error("rule = 3\n"), HasSubstr("rule: expected an array of tables, written [[rule]]"));
  EXPECT_THAT(only_error("[[rule]]\nname = 5\n"), HasSubstr("rule[1].name: expected a string"));
  EXPECT_THAT(only_error("[[rule]]\nmatch = \"x\"\n"), HasSubstr("rule[1].match: expected a table"));
}

TEST(PolicyLoaderTest, ValuesOutsideWhatTheKernelAccepts) {
  EXPECT_EQ(only_error("[keepalive]\nidle = 0\n"),
            "test.toml:2:8: keepalive.idle: expected seconds in 1..32767, as an integer or a "
            "string such as \"30s\" or \"5m\", got the integer 0");
  EXPECT_THAT(only_error("keepalive.idle = 32768"), HasSubstr("keepalive.idle: expected seconds in 1..32767"));
  EXPECT_THAT(only_error("keepalive.interval = \"10h\""), HasSubstr("keepalive.interval: expected seconds in 1..32767"));
  EXPECT_THAT(only_error("keepalive.idle = \"1500ms\""), HasSubstr("a whole number of seconds"));
  EXPECT_THAT(only_error("keepalive.count = 0"), HasSubstr("1..127"));
  EXPECT_THAT(only_error("keepalive.count = 128"), HasSubstr("1..127"));
  EXPECT_THAT(only_error("tcp.user_timeout = -1"), HasSubstr("tcp.user_timeout: expected milliseconds in 0..2147483647"));
  EXPECT_THAT(only_error("tcp.user_timeout = 2147483648"), HasSubstr("0..2147483647"));
  EXPECT_THAT(only_error("tcp.user_timeout = \"1000h\""), HasSubstr("0..2147483647"));
  EXPECT_THAT(only_error("buffers.receive = 0"), HasSubstr("buffers.receive: expected bytes in 1..2147483647"));
  EXPECT_THAT(only_error("buffers.send = \"2GiB\""), HasSubstr("buffers.send: expected bytes"));
  EXPECT_THAT(only_error("buffers.send = \"1KB\""), HasSubstr("got the string \"1KB\""));
}

TEST(PolicyLoaderTest, BadMatches) {
  EXPECT_EQ(only_error("[[rule]]\nmatch = { remote = \"10.0.0.0/33\" }\n"),
            "test.toml:2:20: rule[1].match.remote: expected an address or CIDR such as "
            "\"10.0.0.0/8\" or \"fd00::/8\", got the string \"10.0.0.0/33\"");
  EXPECT_THAT(only_error("[[rule]]\nmatch = { remote = [\"10.0.0.0/8\", \"fd00::zz/8\"] }"),
              HasSubstr("test.toml:2:35: rule[1].match.remote"));
  EXPECT_THAT(only_error("[[rule]]\nmatch = { remote = [] }"), HasSubstr("at least one address"));
  EXPECT_THAT(only_error("[[rule]]\nmatch = { port = 0 }"),
              HasSubstr("rule[1].match.port: expected a port in 1..65535 or a range such as \"6379-6380\", got the integer 0"));
  EXPECT_THAT(only_error("[[rule]]\nmatch = { port = 65536 }"), HasSubstr("match.port"));
  EXPECT_THAT(only_error("[[rule]]\nmatch = { port = \"6380-6379\" }"), HasSubstr("got the string \"6380-6379\""));
  EXPECT_THAT(only_error("[[rule]]\nmatch = { port = \"80-\" }"), HasSubstr("match.port"));
  EXPECT_THAT(only_error("[[rule]]\nmatch = { port = \"http\" }"), HasSubstr("match.port"));
  EXPECT_THAT(only_error("[[rule]]\nmatch = { port = [] }"), HasSubstr("at least one port"));
  EXPECT_EQ(only_error("[[rule]]\nmatch = { direction = \"outbound\" }"),
            "test.toml:2:23: rule[1].match.direction: expected one of \"connect\" \"listen\" "
            "\"accept\" \"any\", got the string \"outbound\"");
  EXPECT_THAT(only_error("[[rule]]\nmatch = { family = \"inet\" }"),
              HasSubstr("rule[1].match.family: expected one of \"ipv4\" \"ipv6\" \"any\""));
  EXPECT_THAT(only_error("[[rule]]\nmatch = { protocol = \"sctp\" }"),
              HasSubstr("rule[1].match.protocol: expected one of \"tcp\" \"udp\" \"any\""));
  EXPECT_THAT(only_error("[[rule]]\nmatch = { program = \"\" }"), HasSubstr("rule[1].match.program"));
}

TEST(PolicyLoaderTest, RulesThatCouldNeverDoWhatTheySay) {
  EXPECT_THAT(only_error("[[rule]]\nmatch = { direction = \"connect\", local = \"10.0.0.1\" }"),
              HasSubstr("rule[1].match.local: \"local\" matches the bound address"));
  EXPECT_THAT(only_error("[[rule]]\nmatch = { direction = \"listen\", remote = \"10.0.0.1\" }"),
              HasSubstr("rule[1].match.remote: a listen rule has no remote address"));
  EXPECT_THAT(only_error("[[rule]]\nmatch = { protocol = \"udp\" }\nkeepalive.idle = 5"),
              HasSubstr("rule[1]: keepalive.idle, keepalive.enabled apply to TCP only"));
}

TEST(PolicyLoaderTest, EveryErrorIsReportedNotJustTheFirst) {
  LoadResult result = load_policy("keepalive.idle = 0\nbuffers.send = -1\n[[rule]]\nname = 1\n", "x.toml");
  ASSERT_EQ(result.errors.size(), 3u);
  EXPECT_EQ(result.errors[0].line, 1u);
  EXPECT_EQ(result.errors[1].line, 2u);
  EXPECT_EQ(result.errors[2].line, 4u);
  EXPECT_FALSE(result.policy.has_value());
}

TEST(PolicyLoaderTest, SourceNameIsTheEnvironmentVariableForInlineToml) {
  LoadResult result = load_policy("keepalive.idle = 0", "SOCKSHIM_CONFIG_TOML");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_THAT(result.errors[0].to_string(), HasSubstr("SOCKSHIM_CONFIG_TOML:1:18: keepalive.idle"));
}

// Inputs the fuzzer found reaching toml++'s TOML_UNREACHABLE (3.3 and 3.4;
// see config/CMakeLists.txt): each is a syntax error, well-defined.
TEST(PolicyLoaderTest, NonAsciiWhereTomlAllowsNoneIsASyntaxError) {
  EXPECT_THAT(only_error("e\xef\xbb\xb8\n"), HasSubstr("test.toml:1:2: syntax error"));
  EXPECT_THAT(only_error("x=0_'=0F\xc5\x92"), HasSubstr("syntax error"));
  EXPECT_THAT(only_error("2=1*......'..\xef\xbb\xbb"), HasSubstr("syntax error"));
  EXPECT_THAT(only_error("[keepalive]\nidle = 30\n\xc3\xa9 = 2\n"), HasSubstr("test.toml:3:1: syntax error"));
  // Where TOML allows it, it is fine.
  EXPECT_EQ(load_ok("# café\n[[rule]]\nname = \"café ünïcode\"\n").rules[0].name, "café ünïcode");
}

TEST(PolicyLoaderTest, BinaryInputIsASyntaxError) {
  const std::string binary("\x7f" "ELF\x02\x01\x01\x00\xff\xfe", 10);
  EXPECT_THAT(only_error(binary), HasSubstr("syntax error"));
}

}  // namespace
}  // namespace sockshim
