// SPDX-License-Identifier: Apache-2.0
// The compiled file format (config/compiled_file.h): a policy comes back as
// it was saved, and a file made from another text, by another version, cut
// short or damaged is refused with its reason, never half-read.
#include "config/compiled_file.h"

#include <gtest/gtest.h>

#include <string>

#include "config/policy_loader.h"

namespace sockshim {
namespace {

// Every kind of field the payload holds: top-level values, enforce, raw
// options with a number and with bytes, IPv4 and IPv6 ranges, remote and
// local, ports and port ranges, a program glob, a name value (congestion).
constexpr char kConfig[] = R"(
enforce = ["keepalive"]
[keepalive]
idle = 30
interval = 10
count = 3
[tcp]
congestion = "cubic"
nodelay = true
[[raw]]
level = "IPPROTO_TCP"
name = "TCP_QUICKACK"
value = 1
[[rule]]
name = "database"
match = { direction = "connect", remote = ["10.0.0.0/8", "fd00::/8", "192.0.2.7"], port = [5432, "6379-6380"] }
keepalive = { idle = 5 }
buffers = { receive = "1MiB" }
[[rule]]
name = "listener"
match = { direction = "listen", local = ["127.0.0.1", "::1"], port = 8080, program = "nginx*" }
tcp = { user_timeout = "20s" }
[[rule.raw]]
level = 6
name = 12
value = [1, 0, 0, 0]
when = "listen"
[[rule]]
match = { direction = "accept", family = "ipv6", protocol = "any" }
socket = { linger = 3 }
)";

Policy loaded(const std::string& text) {
  LoadResult result = load_policy(text, "test.toml");
  for (const std::string& line : error_lines(result)) ADD_FAILURE() << line;
  return std::move(*result.policy);
}

TEST(CompiledFileTest, APolicyComesBackAsItWasSaved) {
  const Policy policy = loaded(kConfig);
  const std::string file = encode_compiled_file(policy, kConfig);
  Policy read;
  ASSERT_EQ(decode_compiled_file(file, kConfig, &read), CompiledFileVerdict::used);
  // Saved again, the same bytes: every field the format holds came back.
  EXPECT_EQ(encode_compiled_file(read, kConfig), file);
  ASSERT_EQ(read.rules.size(), 3u);
  EXPECT_EQ(read.rules[0].name, "database");
  EXPECT_EQ(read.rules[0].match.remote.size(), 3u);
  EXPECT_TRUE(read.rules[0].match.remote[1].base.is_v6);
  EXPECT_EQ(read.rules[0].match.remote[1].prefix_bits, 8);
  EXPECT_EQ(read.rules[0].match.ports[1].first, 6379);
  EXPECT_EQ(read.rules[0].match.ports[1].last, 6380);
  EXPECT_EQ(read.rules[1].match.program_glob, "nginx*");
  EXPECT_EQ(read.rules[1].match.direction, Direction::listen);
  EXPECT_EQ(read.rules[1].settings.raw_count, 1);
  EXPECT_TRUE(read.rules[1].settings.raw[0].listeners_only);
  EXPECT_EQ(read.rules[1].settings.raw[0].length, 4);
  EXPECT_EQ(read.rules[2].match.family, Family::ipv6);
  EXPECT_EQ(read.rules[2].match.protocol, Protocol::any);
  EXPECT_EQ(read.defaults.number(OptionId::keepalive_idle), 30);
  EXPECT_STREQ(read.defaults.get(OptionId::congestion)->text, "cubic");
  EXPECT_EQ(read.defaults.enforced, policy.defaults.enforced);
  EXPECT_NE(read.defaults.enforced, 0u);
}

TEST(CompiledFileTest, AnEmptyPolicyToo) {
  const Policy policy = loaded("# nothing\n");
  Policy read;
  read.rules.resize(2);
  ASSERT_EQ(decode_compiled_file(encode_compiled_file(policy, "# nothing\n"), "# nothing\n", &read),
            CompiledFileVerdict::used);
  EXPECT_TRUE(read.empty());
}

TEST(CompiledFileTest, AFileMadeFromAnotherTextIsRefused) {
  const std::string file = encode_compiled_file(loaded(kConfig), kConfig);
  std::string changed = kConfig;
  changed[changed.find("idle = 30")] = 'I';  // same length, one byte apart
  Policy read;
  EXPECT_EQ(decode_compiled_file(file, changed, &read), CompiledFileVerdict::other_config);
  EXPECT_EQ(decode_compiled_file(file, std::string(kConfig) + "\n", &read), CompiledFileVerdict::other_config);
  EXPECT_TRUE(read.rules.empty()) << "a refused file leaves the policy untouched";
}

TEST(CompiledFileTest, AnotherVersionOrFormatIsRefused) {
  const std::string file = encode_compiled_file(loaded(kConfig), kConfig);
  const size_t version_at = file.find(SOCKSHIM_VERSION);
  ASSERT_NE(version_at, std::string::npos);
  std::string other = file;
  other[version_at] = other[version_at] == '9' ? '8' : '9';
  Policy read;
  EXPECT_EQ(decode_compiled_file(other, kConfig, &read), CompiledFileVerdict::other_version);
  other = file;
  other[12] ^= 1;  // the format version, after the magic and the byte order
  EXPECT_EQ(decode_compiled_file(other, kConfig, &read), CompiledFileVerdict::other_version);
}

TEST(CompiledFileTest, WhatIsNotACompiledFileIsSaidSo) {
  Policy read;
  EXPECT_EQ(decode_compiled_file("", kConfig, &read), CompiledFileVerdict::not_compiled);
  EXPECT_EQ(decode_compiled_file(kConfig, kConfig, &read), CompiledFileVerdict::not_compiled);
}

TEST(CompiledFileTest, EveryTruncationIsRefused) {
  const std::string file = encode_compiled_file(loaded(kConfig), kConfig);
  for (size_t length = 0; length < file.size(); ++length) {
    Policy read;
    EXPECT_NE(decode_compiled_file(file.substr(0, length), kConfig, &read), CompiledFileVerdict::used) << length;
    EXPECT_TRUE(read.rules.empty()) << length;
  }
}

TEST(CompiledFileTest, EveryDamagedPayloadByteIsRefused) {
  const std::string file = encode_compiled_file(loaded(kConfig), kConfig);
  constexpr size_t kHeaderBytes = 96;
  ASSERT_GT(file.size(), kHeaderBytes);
  for (size_t at = kHeaderBytes; at < file.size(); ++at) {
    std::string damaged = file;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x40);
    Policy read;
    EXPECT_EQ(decode_compiled_file(damaged, kConfig, &read), CompiledFileVerdict::corrupt) << at;
  }
}

TEST(CompiledFileTest, TheHashTellsCloseTextsApart) {
  std::string text(1000, 'a');
  const uint64_t original = content_hash(text);
  for (size_t at = 0; at < text.size(); at += 37) {
    std::string other = text;
    other[at] = 'b';
    EXPECT_NE(content_hash(other), original) << at;
  }
  EXPECT_NE(content_hash(text.substr(1)), original);
  EXPECT_NE(content_hash(""), content_hash(std::string(1, '\0')));
}

TEST(CompiledFileTest, TheFileSitsBesideItsConfig) {
  EXPECT_EQ(compiled_file_path("/etc/sockshim.toml"), "/etc/sockshim.toml.compiled");
}

}  // namespace
}  // namespace sockshim
