// SPDX-License-Identifier: Apache-2.0
#include "config/decide.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <vector>

#include "config/policy_loader.h"
#include "tests/unit/valid_policy.h"

namespace sockshim {
namespace {

Endpoint endpoint(const char* address, uint16_t port) {
  Endpoint result;
  result.known = true;
  result.address = IpAddress::parse(address).value();
  result.port = port;
  return result;
}

SocketEvent connect_to(const char* address, uint16_t port, bool ipv6 = false) {
  SocketEvent event;
  event.kind = SocketEventKind::connect;
  event.ipv6 = ipv6;
  event.remote = endpoint(address, port);
  event.program = "client";
  return event;
}

SocketEvent listen_on(const char* address, uint16_t port, bool ipv6 = false) {
  SocketEvent event;
  event.kind = SocketEventKind::listen;
  event.ipv6 = ipv6;
  event.local = endpoint(address, port);
  event.program = "server";
  return event;
}

SocketEvent accepted(const char* local, uint16_t port, const char* peer, bool ipv6 = false) {
  SocketEvent event;
  event.kind = SocketEventKind::accept;
  event.ipv6 = ipv6;
  event.local = endpoint(local, port);
  event.remote = endpoint(peer, 40000);
  event.program = "server";
  return event;
}

SocketEvent created(bool ipv6 = false, bool udp = false, const char* program = "client") {
  SocketEvent event;
  event.ipv6 = ipv6;
  event.udp = udp;
  event.program = program;
  return event;
}

SocketTarget udp_socket() {
  SocketTarget target;
  target.udp = true;
  return target;
}

constexpr char kDatabaseRule[] = R"(
[keepalive]
idle = 60
[[rule]]
name  = "database"
match = { direction = "connect", remote = ["10.0.0.0/8", "fd00::/8"], port = [5432, "6379-6380"] }
keepalive = { idle = 5, interval = 2, count = 3 }
)";

// A rule keeps only what it sets (CompactSettings); overlaying it must give
// what overlaying the full settings gives, raw options and enforcement too.
TEST(CompactSettingsTest, OverlaysAndExpandsAsTheFullSettings) {
  SocketSettings earlier;
  earlier.set(OptionId::keepalive_idle, 60);
  earlier.set(OptionId::nodelay, 1);
  RawOption first_raw;
  first_raw.level = SOL_SOCKET;
  first_raw.name = SO_REUSEPORT;
  first_raw.number = 1;
  earlier.raw[earlier.raw_count++] = first_raw;

  SocketSettings later;
  later.set(OptionId::keepalive_idle, 5);
  later.set(OptionId::receive_buffer, 1 << 20);
  later.enforced = 1u << static_cast<int>(OptionId::keepalive_idle);
  RawOption replacing_raw = first_raw;
  replacing_raw.number = 0;
  RawOption new_raw;
  new_raw.level = IPPROTO_TCP;
  new_raw.name = TCP_NOTSENT_LOWAT;
  new_raw.number = 16384;
  later.raw[later.raw_count++] = replacing_raw;
  later.raw[later.raw_count++] = new_raw;

  const CompactSettings compact(later);
  EXPECT_EQ(compact.values().size(), 2u);
  EXPECT_EQ(compact.number(OptionId::keepalive_idle), 5);
  EXPECT_EQ(compact.get(OptionId::nodelay), std::nullopt);
  EXPECT_TRUE(compact.is_enforced(OptionId::keepalive_idle));
  EXPECT_TRUE(compact.has_tcp_only_settings());

  SocketSettings through_full = earlier, through_compact = earlier;
  through_full.overlay(later);
  through_compact.overlay(compact);
  for (int i = 0; i < kOptionCount; ++i) EXPECT_EQ(through_compact.values[i], through_full.values[i]) << i;
  EXPECT_EQ(through_compact.enforced, through_full.enforced);
  ASSERT_EQ(through_compact.raw_count, 2);
  ASSERT_EQ(through_full.raw_count, 2);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(through_compact.raw[i].level, through_full.raw[i].level);
    EXPECT_EQ(through_compact.raw[i].name, through_full.raw[i].name);
    EXPECT_EQ(through_compact.raw[i].number, through_full.raw[i].number);
  }

  const SocketSettings expanded = compact.expanded();
  for (int i = 0; i < kOptionCount; ++i) EXPECT_EQ(expanded.values[i], later.values[i]) << i;
  EXPECT_EQ(expanded.enforced, later.enforced);
  EXPECT_EQ(expanded.raw_count, later.raw_count);
  EXPECT_TRUE(CompactSettings().empty());
  EXPECT_FALSE(CompactSettings().has_tcp_only_settings());
}

TEST(DecideTest, TopLevelSettingsApplyToEveryTcpSocketAtCreation) {
  const Policy policy = valid_policy(kDatabaseRule);
  EXPECT_EQ(decide(policy, created()).number(OptionId::keepalive_idle), 60);
  EXPECT_EQ(decide(policy, created(true)).number(OptionId::keepalive_idle), 60);
  EXPECT_EQ(decide(policy, created(false, true)).number(OptionId::keepalive_idle), std::nullopt);  // UDP
}

TEST(DecideTest, ConnectRuleMatchesIpv4AndPorts) {
  const Policy policy = valid_policy(kDatabaseRule);
  EXPECT_EQ(decide(policy, connect_to("10.1.2.3", 5432)).number(OptionId::keepalive_idle), 5);
  EXPECT_EQ(decide(policy, connect_to("10.1.2.3", 6379)).number(OptionId::keepalive_idle), 5);
  EXPECT_EQ(decide(policy, connect_to("10.1.2.3", 6380)).number(OptionId::keepalive_idle), 5);
  EXPECT_EQ(decide(policy, connect_to("10.1.2.3", 6381)).number(OptionId::keepalive_idle), 60);
  EXPECT_EQ(decide(policy, connect_to("192.168.0.1", 5432)).number(OptionId::keepalive_idle), 60);
}

TEST(DecideTest, ConnectRuleMatchesIpv6AndMappedIpv4) {
  const Policy policy = valid_policy(kDatabaseRule);
  EXPECT_EQ(decide(policy, connect_to("fd00::5", 5432, true)).number(OptionId::keepalive_idle), 5);
  EXPECT_EQ(decide(policy, connect_to("fe80::5", 5432, true)).number(OptionId::keepalive_idle), 60);
  EXPECT_EQ(decide(policy, connect_to("::ffff:10.0.0.9", 5432, true)).number(OptionId::keepalive_idle), 5);
}

TEST(DecideTest, DirectionsSelectEvents) {
  const Policy policy = valid_policy(R"(
[[rule]]
match = { direction = "connect" }
buffers.receive = 1
[[rule]]
match = { direction = "listen" }
buffers.receive = 2
[[rule]]
match = { direction = "accept" }
buffers.send = 3
)");
  EXPECT_EQ(decide(policy, connect_to("10.0.0.1", 1)).number(OptionId::receive_buffer), 1);
  EXPECT_EQ(decide(policy, listen_on("0.0.0.0", 80)).number(OptionId::receive_buffer), 2);
  EXPECT_EQ(decide(policy, listen_on("0.0.0.0", 80)).number(OptionId::send_buffer), std::nullopt);
  // An accepted socket gets its listener's rules and the accept rules.
  const SocketSettings connection =
      decide(policy, accepted("127.0.0.1", 80, "127.0.0.2"), endpoint("0.0.0.0", 80));
  EXPECT_EQ(connection.number(OptionId::receive_buffer), 2);
  EXPECT_EQ(connection.number(OptionId::send_buffer), 3);
  // Directed rules wait for their event.
  EXPECT_TRUE(decide(policy, created()).empty());
}

TEST(DecideTest, ListenRulesMatchTheBoundAddressAndPort) {
  const Policy policy = valid_policy(R"(
[[rule]]
match = { direction = "listen", port = 8080, local = "127.0.0.0/8" }
buffers.receive = 4096
)");
  EXPECT_EQ(decide(policy, listen_on("127.0.0.1", 8080)).number(OptionId::receive_buffer), 4096);
  EXPECT_EQ(decide(policy, listen_on("127.0.0.1", 8081)).number(OptionId::receive_buffer), std::nullopt);
  EXPECT_EQ(decide(policy, listen_on("0.0.0.0", 8080)).number(OptionId::receive_buffer), std::nullopt);
  // Its accepted connections follow the listener, not their own local address.
  EXPECT_EQ(decide(policy, accepted("127.0.0.1", 8080, "127.0.0.1"), endpoint("0.0.0.0", 8080))
                .number(OptionId::receive_buffer),
            std::nullopt);
  EXPECT_EQ(decide(policy, accepted("127.0.0.1", 8080, "127.0.0.1"), endpoint("127.0.0.1", 8080))
                .number(OptionId::receive_buffer),
            4096);
}

TEST(DecideTest, AcceptRulesMatchThePeerAndTheLocalPort) {
  const Policy policy = valid_policy(R"(
[[rule]]
match = { direction = "accept", remote = "192.168.0.0/16", port = 443 }
tcp.user_timeout = 5000
)");
  const Endpoint listener = endpoint("0.0.0.0", 443);
  EXPECT_EQ(decide(policy, accepted("10.0.0.1", 443, "192.168.3.4"), listener).number(OptionId::user_timeout), 5000);
  EXPECT_EQ(decide(policy, accepted("10.0.0.1", 443, "172.16.0.1"), listener).number(OptionId::user_timeout), std::nullopt);
  EXPECT_EQ(decide(policy, accepted("10.0.0.1", 80, "192.168.3.4"), endpoint("0.0.0.0", 80)).number(OptionId::user_timeout),
            std::nullopt);
}

TEST(DecideTest, LaterRulesOverrideEarlierOnesFieldByField) {
  const Policy policy = valid_policy(R"(
keepalive = { idle = 100, interval = 50, count = 9 }
[[rule]]
match.port = 5432
keepalive = { idle = 10, interval = 5 }
[[rule]]
match.port = "5000-6000"
keepalive = { idle = 20 }
)");
  const SocketSettings s = decide(policy, connect_to("10.0.0.1", 5432));
  EXPECT_EQ(s.number(OptionId::keepalive_idle), 20);     // the last rule
  EXPECT_EQ(s.number(OptionId::keepalive_interval), 5);  // the first rule
  EXPECT_EQ(s.number(OptionId::keepalive_count), 9);       // the top level
}

TEST(DecideTest, FamilyAndProtocolMatchers) {
  const Policy policy = valid_policy(R"(
[[rule]]
match = { family = "ipv6" }
buffers.send = 6
[[rule]]
match = { family = "ipv4", protocol = "udp" }
buffers.send = 4
[[rule]]
match = { protocol = "any", family = "any" }
buffers.receive = 9
)");
  EXPECT_EQ(decide(policy, created(true)).number(OptionId::send_buffer), 6);
  EXPECT_EQ(decide(policy, created(false)).number(OptionId::send_buffer), std::nullopt);
  EXPECT_EQ(decide(policy, created(false, true)).number(OptionId::send_buffer), 4);
  EXPECT_EQ(decide(policy, created(true, true)).number(OptionId::send_buffer), std::nullopt);
  EXPECT_EQ(decide(policy, created(true, true)).number(OptionId::receive_buffer), 9);
  EXPECT_EQ(decide(policy, created(false, false)).number(OptionId::receive_buffer), 9);
}

TEST(DecideTest, ProgramGlobs) {
  const Policy policy = valid_policy(R"(
[[rule]]
match.program = "python3*"
keepalive.idle = 7
[[rule]]
match.program = "[jJ]ava"
keepalive.idle = 8
)");
  EXPECT_EQ(decide(policy, created(false, false, "python3.11")).number(OptionId::keepalive_idle), 7);
  EXPECT_EQ(decide(policy, created(false, false, "python3")).number(OptionId::keepalive_idle), 7);
  EXPECT_EQ(decide(policy, created(false, false, "java")).number(OptionId::keepalive_idle), 8);
  EXPECT_EQ(decide(policy, created(false, false, "curl")).number(OptionId::keepalive_idle), std::nullopt);
}

TEST(DecideTest, ForProgramKeepsOnlyTheRulesOfThisProgram) {
  const Policy policy = valid_policy(R"(
keepalive.idle = 1
[[rule]]
match.program = "python3*"
keepalive.idle = 7
[[rule]]
match.program = "java"
keepalive.idle = 8
[[rule]]
match.port = 80
keepalive.idle = 9
)");
  const Policy python = for_program(policy, "python3.11");
  ASSERT_EQ(python.rules.size(), 2u);
  EXPECT_TRUE(python.rules[0].match.program_glob.empty());
  EXPECT_EQ(python.rules[0].settings.number(OptionId::keepalive_idle), 7);
  EXPECT_EQ(python.rules[1].settings.number(OptionId::keepalive_idle), 9);
  EXPECT_EQ(python.defaults.number(OptionId::keepalive_idle), 1);
  // Whatever name an event carries, the specialised policy has decided.
  EXPECT_EQ(decide(python, created(false, false, "other")).number(OptionId::keepalive_idle), 7);
  EXPECT_EQ(for_program(policy, "curl").rules.size(), 1u);
}

TEST(DecideTest, AddressRulesDoNotMatchAtCreation) {
  const Policy policy = valid_policy("[[rule]]\nmatch.port = 80\nbuffers.receive = 4096\n");
  EXPECT_EQ(decide(policy, created()).number(OptionId::receive_buffer), std::nullopt);
  EXPECT_EQ(decide(policy, connect_to("1.2.3.4", 80)).number(OptionId::receive_buffer), 4096);
  EXPECT_EQ(decide(policy, listen_on("0.0.0.0", 80)).number(OptionId::receive_buffer), 4096);
}

TEST(OptionsToApplyTest, OrderedBuffersFirstAndKernelNames) {
  SocketSettings wanted;
  wanted.set(OptionId::keepalive, 1);
  wanted.set(OptionId::keepalive_idle, 30);
  wanted.set(OptionId::keepalive_interval, 10);
  wanted.set(OptionId::keepalive_count, 3);
  wanted.set(OptionId::receive_buffer, 4096);
  wanted.set(OptionId::send_buffer, 8192);
  wanted.set(OptionId::user_timeout, 20000);
  wanted.set(OptionId::nodelay, 1);
  const OptionList list = options_to_apply(wanted, SocketSettings(), SocketTarget());
  ASSERT_EQ(list.size, 8);
  EXPECT_EQ(list.items[0].name, SO_RCVBUF);
  EXPECT_EQ(list.items[0].value, 4096);
  EXPECT_EQ(list.items[1].name, SO_SNDBUF);
  EXPECT_EQ(list.items[2].name, TCP_KEEPIDLE);
  EXPECT_EQ(list.items[2].level, IPPROTO_TCP);
  EXPECT_EQ(list.items[5].name, SO_KEEPALIVE);
  EXPECT_EQ(list.items[5].level, SOL_SOCKET);
  EXPECT_EQ(list.items[6].name, TCP_USER_TIMEOUT);
  EXPECT_EQ(list.items[7].name, TCP_NODELAY);
}

TEST(OptionsToApplyTest, OnlyWhatDiffersFromWhatTheSocketHas) {
  SocketSettings already;
  already.set(OptionId::keepalive, 1);
  already.set(OptionId::keepalive_idle, 30);
  SocketSettings wanted = already;
  wanted.set(OptionId::keepalive_idle, 5);
  const OptionList list = options_to_apply(wanted, already, SocketTarget());
  ASSERT_EQ(list.size, 1);
  EXPECT_EQ(list.items[0].name, TCP_KEEPIDLE);
  EXPECT_EQ(list.items[0].value, 5);
}

TEST(OptionsToApplyTest, UdpGetsNoTcpLevelOptions) {
  SocketSettings wanted;
  wanted.set(OptionId::receive_buffer, 65536);
  wanted.set(OptionId::keepalive, 1);
  wanted.set(OptionId::nodelay, 1);
  const OptionList list = options_to_apply(wanted, SocketSettings(), udp_socket());
  ASSERT_EQ(list.size, 1);
  EXPECT_EQ(list.items[0].name, SO_RCVBUF);
}

// Up to four values are kept inline, more in a vector: every count holds
// the same options, in catalogue order, built at once or one by one, and
// after a copy.
TEST(CompactSettingsTest, AnyNumberOfValuesInlineOrNot) {
  for (int count = 0; count <= kOptionCount; ++count) {
    SocketSettings full;
    for (int i = 0; i < count; ++i) {
      OptionValue value;
      value.number = 100 + i;
      full.values[i] = value;
    }
    CompactSettings one_by_one;
    one_by_one.reserve(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) one_by_one.append(static_cast<OptionId>(i)).number = 100 + i;
    const CompactSettings at_once(full);
    CompactSettings copied;
    copied = one_by_one;
    const std::vector<const CompactSettings*> all = {&at_once, &one_by_one, &copied};
    for (const CompactSettings* compact : all) {
      ASSERT_EQ(compact->values().size(), static_cast<size_t>(count));
      for (int i = 0; i < count; ++i) {
        EXPECT_EQ(compact->values()[static_cast<size_t>(i)].id, static_cast<OptionId>(i));
        EXPECT_EQ(compact->number(static_cast<OptionId>(i)), 100 + i) << count << " " << i;
      }
      const SocketSettings expanded = compact->expanded();
      for (int i = 0; i < kOptionCount; ++i) EXPECT_EQ(expanded.values[i], full.values[i]) << count << " " << i;
      EXPECT_EQ(compact->empty(), count == 0);
    }
  }
}

}  // namespace
}  // namespace sockshim
