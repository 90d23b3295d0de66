// SPDX-License-Identifier: Apache-2.0
// The option catalogue's promises: every entry has a reader, a name, a range
// and a read-back in sockprobe; overlay, enforcement and raw options work
// for every entry. A new entry without them fails here (or does not build).
#include "config/option_catalogue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "config/decide.h"
#include "config/enforce.h"
#include "config/policy_loader.h"
#include "tests/programs/probe_options.h"

namespace sockshim {
namespace {

using ::testing::HasSubstr;

LoadResult load(const std::string& text) { return load_policy(text, "test.toml"); }

Policy load_ok(const std::string& text) {
  LoadResult result = load(text);
  for (const ConfigError& error : result.errors) ADD_FAILURE() << error.to_string();
  return result.policy.value_or(Policy());
}

bool sockprobe_reads(LevelName where) {
  for (const probe_option& probe : kProbeOptions) {
    if (probe.level == where.level && probe.name == where.name) return true;
  }
  return false;
}

TEST(CatalogueTest, EveryEntryHasAReaderANameARangeAndAReadBack) {
  for (const CatalogueEntry& entry : kCatalogue) {
    SCOPED_TRACE(entry.key);
    EXPECT_EQ(&catalogue_entry(entry.id), &entry);
    EXPECT_EQ(find_option_by_key(entry.key), &entry);
    EXPECT_NE(std::string(entry.kernel_name), "");
    EXPECT_LE(entry.minimum, entry.maximum);
    // The reader: the example loads and sets exactly this option (and the
    // keepalive switch for keepalive timings).
    const Policy policy = load_ok(std::string(entry.key) + " = " + entry.example);
    EXPECT_TRUE(policy.defaults.get(entry.id).has_value());
    // The range: one past either end is refused, naming the key.
    if (entry.kind == ValueKind::number || entry.kind == ValueKind::bytes ||
        entry.kind == ValueKind::seconds || entry.kind == ValueKind::milliseconds ||
        entry.kind == ValueKind::dscp) {
      for (long long outside : {entry.minimum - 1, entry.maximum + 1}) {
        const LoadResult refused = load(std::string(entry.key) + " = " + std::to_string(outside));
        ASSERT_EQ(refused.errors.size(), 1u) << outside;
        EXPECT_EQ(refused.errors[0].key, entry.key);
        EXPECT_THAT(refused.errors[0].message, HasSubstr(std::to_string(entry.maximum)));
      }
    }
    // The read-back: sockprobe prints it on both families.
    EXPECT_TRUE(sockprobe_reads(entry.ipv4)) << "add " << entry.kernel_name << " to tests/programs/probe_options.h";
    EXPECT_TRUE(sockprobe_reads(entry.ipv6)) << "add " << kernel_name(entry, true) << " to tests/programs/probe_options.h";
    EXPECT_EQ(find_option_by_level_name(entry.ipv4.level, entry.ipv4.name), &entry);
    EXPECT_EQ(raw_option_from_name(entry.kernel_name), entry.ipv4.name);
  }
}

TEST(CatalogueTest, LaterRulesWinForEveryOption) {
  std::string first = "[[rule]]\n";
  for (const CatalogueEntry& entry : kCatalogue) {
    first += std::string(entry.key) + " = " + entry.example + "\n";
  }
  const Policy policy = load_ok(first + "[[rule]]\nbuffers.send = 4096\n");
  const SocketSettings decided = decide(policy, SocketEvent());
  for (const CatalogueEntry& entry : kCatalogue) {
    SCOPED_TRACE(entry.key);
    if (entry.id == OptionId::send_buffer) {
      EXPECT_EQ(decided.number(entry.id), 4096);
    } else {
      EXPECT_EQ(decided.get(entry.id), policy.rules[0].settings.get(entry.id));
    }
  }
}

TEST(CatalogueTest, ValuesAsTheKernelTakesThem) {
  EXPECT_EQ(load_ok("ip.dscp = \"EF\"").defaults.number(OptionId::dscp), 46);
  EXPECT_EQ(load_ok("ip.dscp = 10").defaults.number(OptionId::dscp), 10);
  EXPECT_THAT(load("ip.dscp = \"AF44\"").errors.at(0).message, HasSubstr("a DSCP class such as \"AF41\""));
  EXPECT_EQ(load_ok("socket.linger = \"off\"").defaults.number(OptionId::linger), -1);
  EXPECT_EQ(load_ok("socket.linger = false").defaults.number(OptionId::linger), -1);
  EXPECT_EQ(load_ok("socket.linger = 0").defaults.number(OptionId::linger), 0);
  EXPECT_EQ(load_ok("socket.linger = \"2m\"").defaults.number(OptionId::linger), 120);
  EXPECT_EQ(load_ok("socket.mark = 4294967295").defaults.number(OptionId::mark), -1);  // the u32's bits
  EXPECT_STREQ(load_ok("tcp.congestion = \"bbr\"").defaults.get(OptionId::congestion)->text, "bbr");
  EXPECT_THAT(load("tcp.congestion = \"Much Too Long A Name\"").errors.at(0).message, HasSubstr("at most 15"));
  EXPECT_EQ(load_ok("tcp.defer_accept = \"7s\"").defaults.number(OptionId::defer_accept), 7);
}

TEST(CatalogueTest, AKernelNameWhereAKeyBelongsPointsToTheKey) {
  const LoadResult result = load("[tcp]\nTCP_CONGESTION = \"bbr\"\n[socket]\nrcvbuf = 1\n");
  ASSERT_EQ(result.errors.size(), 2u);
  EXPECT_EQ(result.errors[0].to_string(),
            "test.toml:2:1: tcp.TCP_CONGESTION: unknown key \"TCP_CONGESTION\"; TCP_CONGESTION is set by "
            "\"tcp.congestion\"");
  EXPECT_THAT(result.errors[1].message, HasSubstr("SO_RCVBUF is set by \"buffers.receive\""));
}

TEST(OptionsToApplyTest, DscpOnIpv6SetsTheTrafficClassAndTheIpv4Tos) {
  SocketSettings wanted = load_ok("ip.dscp = \"AF41\"").defaults;
  SocketTarget ipv6;
  ipv6.ipv6 = true;
  const OptionList list = options_to_apply(wanted, SocketSettings(), ipv6);
  ASSERT_EQ(list.size, 2);
  EXPECT_EQ(list.items[0].level, IPPROTO_IPV6);
  EXPECT_EQ(list.items[0].name, IPV6_TCLASS);
  EXPECT_STREQ(option_name(list.items[0]), "IPV6_TCLASS");
  EXPECT_EQ(list.items[1].level, IPPROTO_IP);
  EXPECT_EQ(list.items[1].name, IP_TOS);
  EXPECT_EQ(list.items[1].value, 136);
  const OptionList ipv4 = options_to_apply(wanted, SocketSettings(), SocketTarget());
  ASSERT_EQ(ipv4.size, 1);
  EXPECT_EQ(ipv4.items[0].name, IP_TOS);
}

TEST(OptionsToApplyTest, ListenerOnlyOptionsAndWhatAcceptedSocketsNeedAgain) {
  const SocketSettings wanted = load_ok("tcp.defer_accept = 7\nsocket.priority = 3\nkeepalive.idle = 9\n").defaults;
  EXPECT_EQ(options_to_apply(wanted, SocketSettings(), SocketTarget()).size, 3);  // no defer_accept
  SocketTarget listener;
  listener.listener = true;
  EXPECT_EQ(options_to_apply(wanted, SocketSettings(), listener).size, 4);
  // The kernel copies keepalive but resets the priority on accept.
  SocketTarget accepted;
  accepted.accepted = true;
  const OptionList again =
      options_to_apply(wanted, copied_on_accept(applicable(wanted, listener)), accepted);
  ASSERT_EQ(again.size, 1);
  EXPECT_EQ(again.items[0].name, SO_PRIORITY);
}

TEST(OptionsToApplyTest, LingerAndCongestionAreStructsAndNames) {
  const SocketSettings wanted = load_ok("socket.linger = 5\ntcp.congestion = \"reno\"").defaults;
  const OptionList list = options_to_apply(wanted, SocketSettings(), SocketTarget());
  ASSERT_EQ(list.size, 2);
  EXPECT_EQ(list.items[0].name, TCP_CONGESTION);
  EXPECT_EQ(list.items[0].length, 4u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(list.items[0].data), 4), "reno");
  EXPECT_EQ(list.items[1].name, SO_LINGER);
  EXPECT_EQ(list.items[1].length, sizeof(struct linger));
}

TEST(EnforceTest, KeysSectionsAndTrue) {
  const Policy policy = load_ok(R"(
keepalive = { idle = 30, interval = 10 }
tcp.nodelay = false
enforce = ["keepalive", "tcp.nodelay"]
[[rule]]
match.program = "curl"
ip.dscp = "AF41"
enforce = true
)");
  EXPECT_TRUE(policy.defaults.is_enforced(OptionId::keepalive_idle));
  EXPECT_TRUE(policy.defaults.is_enforced(OptionId::keepalive_count));  // the whole section
  EXPECT_TRUE(policy.defaults.is_enforced(OptionId::nodelay));
  EXPECT_FALSE(policy.defaults.is_enforced(OptionId::dscp));
  EXPECT_TRUE(policy.rules[0].settings.is_enforced(OptionId::dscp));
  EXPECT_FALSE(policy.rules[0].settings.is_enforced(OptionId::keepalive_idle));  // true: what the rule sets
  const LoadResult misspelt = load("enforce = [\"keepalive.idel\"]");
  ASSERT_EQ(misspelt.errors.size(), 1u);
  EXPECT_EQ(misspelt.errors[0].to_string().substr(0, 22), "test.toml:1:12: enforc");
  EXPECT_THAT(misspelt.errors[0].message, HasSubstr("a setting such as \"keepalive.idle\""));
}

TEST(EnforceTest, WhatASupervisorTrapsAndKeeps) {
  const Policy policy = load_ok(R"(
tcp.nodelay = false
enforce = ["tcp.nodelay"]
[[rule]]
match = { direction = "connect", port = 443 }
ip.dscp = "EF"
keepalive.idle = 20
enforce = ["ip.dscp"]
)");
  const std::vector<LevelName> pairs = enforceable_options(policy);
  ASSERT_EQ(pairs.size(), 3u);  // TCP_NODELAY; IP_TOS and IPV6_TCLASS
  EXPECT_EQ(pairs[0].name, TCP_NODELAY);
  EXPECT_EQ(pairs[1].name, IP_TOS);
  EXPECT_EQ(pairs[2].name, IPV6_TCLASS);
  EXPECT_TRUE(enforceable_options(load_ok("tcp.nodelay = true")).empty());

  SocketEvent connect;
  connect.kind = SocketEventKind::connect;
  connect.ipv6 = true;
  connect.remote.known = true;
  connect.remote.port = 443;
  const SocketSettings decided = decide(policy, connect);
  SocketTarget target;
  target.ipv6 = true;
  const std::optional<SocketOption> tclass = enforced_option(decided, target, IPPROTO_IPV6, IPV6_TCLASS);
  ASSERT_TRUE(tclass);
  EXPECT_EQ(tclass->value, 46 << 2);
  EXPECT_TRUE(enforced_option(decided, target, IPPROTO_IP, IP_TOS));  // dual stack
  EXPECT_TRUE(enforced_option(decided, target, IPPROTO_TCP, TCP_NODELAY));
  EXPECT_FALSE(enforced_option(decided, target, IPPROTO_TCP, TCP_KEEPIDLE));  // set, not enforced
  EXPECT_FALSE(enforced_option(decided, target, SOL_SOCKET, SO_REUSEADDR));
  // A socket the rule does not match keeps only the top level's.
  const SocketSettings elsewhere = decide(policy, SocketEvent());
  EXPECT_EQ(enforced_on(elsewhere, SocketTarget()), 1u << static_cast<int>(OptionId::nodelay));
}

TEST(RawOptionTest, LevelNameValueAndWhen) {
  const Policy policy = load_ok(R"(
[[raw]]
level = "IPPROTO_TCP"
name = "TCP_QUICKACK"
value = 1
[[rule]]
match.port = 80
[[rule.raw]]
level = 1
name = 15
value = [1, 0, 0, 0]
when = "listen"
)");
  ASSERT_EQ(policy.defaults.raw_count, 1);
  EXPECT_EQ(policy.defaults.raw[0].level, IPPROTO_TCP);
  EXPECT_EQ(policy.defaults.raw[0].name, TCP_QUICKACK);
  EXPECT_EQ(policy.defaults.raw[0].number, 1);
  const RawOption& reuseport = policy.rules[0].settings.raw()[0];
  EXPECT_EQ(reuseport.name, SO_REUSEPORT);
  EXPECT_EQ(reuseport.length, 4);
  EXPECT_TRUE(reuseport.listeners_only);
  const OptionList list = options_to_apply(policy.defaults, SocketSettings(), SocketTarget());
  ASSERT_EQ(list.size, 1);
  EXPECT_STREQ(option_name(list.items[0]), "raw option");
}

TEST(RawOptionTest, ACatalogueOptionIsRefusedWithAPointerToItsEntry) {
  for (const char* name : {"\"TCP_KEEPIDLE\"", "4"}) {
    const LoadResult refused = load(std::string("[[raw]]\nlevel = \"SOL_TCP\"\nname = ") + name + "\nvalue = 5\n");
    ASSERT_EQ(refused.errors.size(), 1u) << name;
    EXPECT_EQ(refused.errors[0].to_string(),
              "test.toml:3:8: raw[1].name: this is TCP_KEEPIDLE, which the catalogue sets as \"keepalive.idle\": "
              "write keepalive.idle = 30 instead");
  }
  EXPECT_THAT(load("[[raw]]\nlevel = 0\nname = 1\nvalue = 64\n").errors.at(0).message, HasSubstr("ip.dscp"));
  EXPECT_THAT(load("[[raw]]\nlevel = \"SOL_NOPE\"\nname = 1\nvalue = 1\n").errors.at(0).message,
              HasSubstr("a level"));
  EXPECT_THAT(load("[[raw]]\nlevel = 6\nname = 12\n").errors.at(0).message, HasSubstr("needs level, name and value"));
  std::string too_many;
  for (int name = 100; name < 109; ++name) {
    too_many += "[[raw]]\nlevel = 6\nname = " + std::to_string(name) + "\nvalue = 1\n";
  }
  EXPECT_THAT(load(too_many).errors.at(0).message, HasSubstr("at most 8 different raw options"));
}

}  // namespace
}  // namespace sockshim
