// SPDX-License-Identifier: Apache-2.0
// The compiled file format (config/compiled_file.h): a policy comes back as
// it was saved, and a file made from another text, by another version, cut
// short or damaged is refused with its reason, never half-read.
#include "config/compiled_file.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/byte_stream.h"
#include "config/decide.h"
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
  CompiledFile compiled;
  ASSERT_EQ(decode_compiled_file(file, kConfig, "nginx", &compiled), CompiledFileVerdict::used);
  EXPECT_EQ(compiled.rules_in_config, 3u);
  const Policy& read = compiled.policy.policy();
  // Saved again, the same bytes as the program's policy: every field the
  // format holds came back.
  EXPECT_EQ(encode_compiled_file(read, kConfig), encode_compiled_file(for_program(policy, "nginx"), kConfig));
  ASSERT_EQ(read.rules.size(), 3u);
  EXPECT_EQ(read.rules[0].name, "database");
  EXPECT_EQ(read.rules[0].match.remote.size(), 3u);
  EXPECT_TRUE(read.rules[0].match.remote[1].base.is_v6);
  EXPECT_EQ(read.rules[0].match.remote[1].prefix_bits, 8);
  EXPECT_EQ(read.rules[0].match.ports[1].first, 6379);
  EXPECT_EQ(read.rules[0].match.ports[1].last, 6380);
  EXPECT_EQ(read.rules[1].match.direction, Direction::listen);
  EXPECT_EQ(read.rules[1].settings.raw().size(), 1u);
  EXPECT_TRUE(read.rules[1].settings.raw()[0].listeners_only);
  EXPECT_EQ(read.rules[1].settings.raw()[0].length, 4);
  EXPECT_EQ(read.rules[2].match.family, Family::ipv6);
  EXPECT_EQ(read.rules[2].match.protocol, Protocol::any);
  EXPECT_EQ(read.defaults.number(OptionId::keepalive_idle), 30);
  EXPECT_STREQ(read.defaults.get(OptionId::congestion)->text, "cubic");
  EXPECT_EQ(read.defaults.enforced, policy.defaults.enforced);
  EXPECT_NE(read.defaults.enforced, 0u);
  // The rule of another program is not this one's.
  CompiledFile other;
  ASSERT_EQ(decode_compiled_file(file, kConfig, "curl", &other), CompiledFileVerdict::used);
  EXPECT_EQ(other.rules_in_config, 3u);
  ASSERT_EQ(other.policy.policy().rules.size(), 2u);
  EXPECT_EQ(other.policy.policy().rules[1].match.family, Family::ipv6);
}

std::string saved_lookups(const CompiledPolicy& compiled) {
  std::string bytes;
  ByteWriter out(&bytes);
  compiled.save(out);
  return bytes;
}

// Many rules with ranges that nest and overlap, remote and local, IPv4 and
// IPv6, ports and listener ports: every lookup structure has content.
std::string many_rules_config() {
  std::string text = "keepalive.idle = 60\n";
  const char* directions[] = {"connect", "listen", "accept", "any"};
  for (int rule = 0; rule < 200; ++rule) {
    const std::string direction = directions[rule % 4];
    text += "[[rule]]\nmatch = { direction = \"" + direction + "\"";
    if (rule % 3 == 0 && direction != "listen") {
      text += ", remote = [\"10." + std::to_string(rule % 7) + ".0.0/16\", \"10." + std::to_string(rule % 7) + "." +
              std::to_string(rule) + ".0/24\", \"fd00:" + std::to_string(rule % 5) + "::/32\"]";
    }
    if (rule % 5 == 1 && direction != "connect") text += ", local = \"127.0.0." + std::to_string(rule % 9) + "/30\"";
    if (rule % 2 == 1) text += ", port = [" + std::to_string(1000 + rule % 13) + ", \"2000-" + std::to_string(2000 + rule) + "\"]";
    text += " }\nkeepalive.count = " + std::to_string(1 + rule % 9) + "\n";
  }
  return text;
}

TEST(CompiledFileTest, TheLookupStructuresComeBackAsBuilt) {
  const std::string text = many_rules_config();
  const Policy policy = loaded(text);
  CompiledFile read;
  ASSERT_EQ(decode_compiled_file(encode_compiled_file(policy, text), text, "any", &read), CompiledFileVerdict::used);
  const CompiledPolicy built(policy);
  EXPECT_EQ(saved_lookups(read.policy), saved_lookups(built));
  EXPECT_EQ(read.policy.size().prefixes, built.size().prefixes);
  // And they find the same rules.
  for (int kind = 1; kind < 4; ++kind) {
    for (int host = 0; host < 40; ++host) {
      SocketEvent event;
      event.kind = static_cast<SocketEventKind>(kind);
      event.remote.known = event.local.known = true;
      const uint8_t remote[4] = {10, static_cast<uint8_t>(host % 7), static_cast<uint8_t>(host * 5), 1};
      const uint8_t local[4] = {127, 0, 0, static_cast<uint8_t>(host % 9)};
      event.remote.address = IpAddress::v4(remote);
      event.local.address = IpAddress::v4(local);
      event.remote.port = event.local.port = static_cast<uint16_t>(host % 2 ? 1000 + host % 13 : 2000 + host);
      std::vector<uint32_t> from_file, from_built;
      read.policy.for_each_match(event, Endpoint(), [&](uint32_t i) { return from_file.push_back(i), true; });
      built.for_each_match(event, Endpoint(), [&](uint32_t i) { return from_built.push_back(i), true; });
      EXPECT_EQ(from_file, from_built) << kind << " " << host;
    }
  }
}

TEST(CompiledFileTest, AnEmptyPolicyToo) {
  const Policy policy = loaded("# nothing\n");
  CompiledFile read;
  read.rules_in_config = 2;
  ASSERT_EQ(decode_compiled_file(encode_compiled_file(policy, "# nothing\n"), "# nothing\n", "any", &read),
            CompiledFileVerdict::used);
  EXPECT_TRUE(read.policy.policy().empty());
  EXPECT_EQ(read.rules_in_config, 0u);
}

TEST(CompiledFileTest, AFileMadeFromAnotherTextIsRefused) {
  const std::string file = encode_compiled_file(loaded(kConfig), kConfig);
  std::string changed = kConfig;
  changed[changed.find("idle = 30")] = 'I';  // same length, one byte apart
  CompiledFile read;
  EXPECT_EQ(decode_compiled_file(file, changed, "any", &read), CompiledFileVerdict::other_config);
  EXPECT_EQ(decode_compiled_file(file, std::string(kConfig) + "\n", "any", &read), CompiledFileVerdict::other_config);
  EXPECT_TRUE(read.policy.policy().rules.empty()) << "a refused file leaves the policy untouched";
}

TEST(CompiledFileTest, AnotherVersionOrFormatIsRefused) {
  const std::string file = encode_compiled_file(loaded(kConfig), kConfig);
  const size_t version_at = file.find(SOCKSHIM_VERSION);
  ASSERT_NE(version_at, std::string::npos);
  std::string other = file;
  other[version_at] = other[version_at] == '9' ? '8' : '9';
  CompiledFile read;
  EXPECT_EQ(decode_compiled_file(other, kConfig, "any", &read), CompiledFileVerdict::other_version);
  other = file;
  other[12] ^= 1;  // the format version, after the magic and the byte order
  EXPECT_EQ(decode_compiled_file(other, kConfig, "any", &read), CompiledFileVerdict::other_version);
}

TEST(CompiledFileTest, WhatIsNotACompiledFileIsSaidSo) {
  CompiledFile read;
  EXPECT_EQ(decode_compiled_file("", kConfig, "any", &read), CompiledFileVerdict::not_compiled);
  EXPECT_EQ(decode_compiled_file(kConfig, kConfig, "any", &read), CompiledFileVerdict::not_compiled);
}

TEST(CompiledFileTest, EveryTruncationIsRefused) {
  const std::string file = encode_compiled_file(loaded(kConfig), kConfig);
  for (size_t length = 0; length < file.size(); ++length) {
    CompiledFile read;
    EXPECT_NE(decode_compiled_file(file.substr(0, length), kConfig, "any", &read), CompiledFileVerdict::used) << length;
    EXPECT_TRUE(read.policy.policy().rules.empty()) << length;
  }
}

TEST(CompiledFileTest, EveryDamagedPayloadByteIsRefused) {
  const std::string file = encode_compiled_file(loaded(kConfig), kConfig);
  constexpr size_t kHeaderBytes = 96;
  ASSERT_GT(file.size(), kHeaderBytes);
  for (size_t at = kHeaderBytes; at < file.size(); ++at) {
    std::string damaged = file;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x40);
    CompiledFile read;
    EXPECT_EQ(decode_compiled_file(damaged, kConfig, "any", &read), CompiledFileVerdict::corrupt) << at;
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
