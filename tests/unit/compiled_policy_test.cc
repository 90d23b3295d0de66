// SPDX-License-Identifier: Apache-2.0
// The compiled matcher against the plain one: random policies, random socket
// events, the same settings and the same matching rules (what explain shows).
#include "config/compiled_policy.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "config/policy_loader.h"
#include "config/policy_summary.h"

namespace sockshim {
namespace {

class RandomPolicies {
 public:
  explicit RandomPolicies(uint32_t seed) : random_(seed) {}

  int below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }
  bool chance(int percent) { return below(100) < percent; }

  // Addresses from a few neighbourhoods, so that ranges nest, touch and hit.
  IpAddress address() {
    static const uint8_t kV4Bytes[] = {0, 1, 10, 127, 128, 192, 254, 255};
    static const uint8_t kV6Bytes[] = {0, 1, 0x20, 0x80, 0xfd, 0xfe, 0xff};
    IpAddress result;
    if (chance(60)) {
      for (int i = 0; i < 4; ++i) result.bytes[i] = kV4Bytes[below(sizeof kV4Bytes)];
      return result;
    }
    result.is_v6 = true;
    for (int i = 0; i < 16; ++i) result.bytes[i] = i < 2 || i == 15 ? kV6Bytes[below(sizeof kV6Bytes)] : 0;
    return result;
  }

  AddressRange range() {
    AddressRange result;
    result.base = address();
    const int bits = result.base.is_v6 ? 128 : 32;
    static const int kV4Prefixes[] = {0, 1, 8, 9, 16, 24, 31, 32};
    static const int kV6Prefixes[] = {0, 1, 8, 16, 64, 120, 127, 128};
    result.prefix_bits = chance(10) ? below(bits + 1)
                         : bits == 32 ? kV4Prefixes[below(8)]
                                      : kV6Prefixes[below(8)];
    return result;
  }

  uint16_t port() {
    static const uint16_t kPorts[] = {1, 22, 80, 443, 5432, 8080, 8081, 65534, 65535};
    return kPorts[below(sizeof kPorts / sizeof kPorts[0])];
  }

  PortRange port_range() {
    PortRange result;
    result.first = port();
    result.last = chance(50) ? result.first : static_cast<uint16_t>(result.first + below(3000));
    if (result.last < result.first) result.last = 65535;
    return result;
  }

  Endpoint endpoint() {
    Endpoint result;
    result.known = chance(90);
    result.address = address();
    result.port = port();
    return result;
  }

  SocketSettings settings(int number) {
    SocketSettings result;
    const int options = 1 + below(3);
    for (int i = 0; i < options; ++i) {
      const OptionId id = static_cast<OptionId>(below(kOptionCount));
      if (catalogue_entry(id).kind == ValueKind::name) continue;
      result.set(id, number * 10 + i);
      if (chance(10)) result.enforced |= 1u << static_cast<int>(id);
    }
    if (chance(10)) {
      result.raw[0].level = 6;
      result.raw[0].name = 100 + below(3);
      result.raw[0].number = number;
      result.raw_count = 1;
    }
    return result;
  }

  Policy policy() {
    Policy result;
    if (chance(70)) result.defaults = settings(0);
    const int rules = below(12);
    for (int i = 0; i < rules; ++i) {
      Rule rule;
      rule.name = "rule " + std::to_string(i);
      rule.match.direction = static_cast<Direction>(below(4));
      rule.match.family = static_cast<Family>(below(3));
      rule.match.protocol = static_cast<Protocol>(below(3));
      const int remote = chance(50) ? 0 : 1 + below(5);
      for (int r = 0; r < remote; ++r) rule.match.remote.push_back(range());
      const int local = chance(70) ? 0 : 1 + below(3);
      for (int r = 0; r < local; ++r) rule.match.local.push_back(range());
      const int ports = chance(50) ? 0 : 1 + below(4);
      for (int r = 0; r < ports; ++r) rule.match.ports.push_back(port_range());
      if (chance(10)) rule.match.program_glob = chance(50) ? "py*" : "java";
      rule.settings = settings(i + 1);
      result.rules.push_back(rule);
    }
    return result;
  }

  SocketEvent event() {
    SocketEvent result;
    result.kind = static_cast<SocketEventKind>(below(4));
    result.ipv6 = chance(50);
    result.udp = chance(30);
    result.remote = endpoint();
    result.local = endpoint();
    static const char* kPrograms[] = {"python3", "java", "curl"};
    result.program = kPrograms[below(3)];
    return result;
  }

 private:
  std::mt19937 random_;
};

void expect_same_settings(const SocketSettings& compiled, const SocketSettings& plain) {
  for (int i = 0; i < kOptionCount; ++i) {
    EXPECT_EQ(compiled.values[i].has_value(), plain.values[i].has_value()) << "option " << i;
    if (compiled.values[i] && plain.values[i]) {
      EXPECT_EQ(*compiled.values[i], *plain.values[i]) << "option " << i;
    }
  }
  EXPECT_EQ(compiled.enforced, plain.enforced);
  ASSERT_EQ(compiled.raw_count, plain.raw_count);
  for (int i = 0; i < plain.raw_count; ++i) {
    EXPECT_EQ(compiled.raw[i].name, plain.raw[i].name);
    EXPECT_EQ(compiled.raw[i].number, plain.raw[i].number);
  }
}

TEST(CompiledPolicy, MatchesLikeThePlainRulesOnRandomPoliciesAndSockets) {
  RandomPolicies random(12345);
  int matches = 0;
  for (int round = 0; round < 400; ++round) {
    const Policy policy = random.policy();
    const CompiledPolicy compiled(policy);
    PolicySummary summary;
    summarise(policy, "", &summary);
    for (int n = 0; n < 200; ++n) {
      const SocketEvent event = random.event();
      const Endpoint listener = random.endpoint();
      SCOPED_TRACE("round " + std::to_string(round) + ", event " + std::to_string(n));

      std::vector<uint32_t> plain_rules;
      for (uint32_t i = 0; i < policy.rules.size(); ++i) {
        if (rule_matches(policy.rules[i], event, listener)) plain_rules.push_back(i);
      }
      std::vector<uint32_t> compiled_rules;
      compiled.for_each_match(event, listener, [&](uint32_t i) {
        compiled_rules.push_back(i);
        return true;
      });
      ASSERT_EQ(compiled_rules, plain_rules);
      matches += static_cast<int>(plain_rules.size());
      expect_same_settings(compiled.decide(event, listener), decide(policy, event, listener));
      EXPECT_EQ(compiled.any_rule_matches(event), any_rule_matches(policy, summary, event));
    }
  }
  EXPECT_GT(matches, 10000);  // the random cases do reach the rules
}

// When accept_may_change() says no, the accepted socket needs nothing beyond
// the kernel's copy of its listener: the hook may skip asking the kernel.
TEST(CompiledPolicy, AnAcceptedSocketThatCannotChangeNeedsNothingBeyondItsListener) {
  RandomPolicies random(54321);
  int skipped = 0;
  for (int round = 0; round < 400; ++round) {
    const CompiledPolicy compiled(random.policy());
    for (int n = 0; n < 100; ++n) {
      SocketEvent event = random.event();
      event.kind = SocketEventKind::accept;
      event.udp = false;
      Endpoint listener = random.endpoint();
      listener.known = true;  // a listening socket has its address
      Endpoint peer = event.remote;
      if (!compiled.accept_depends_on_peer()) peer.known = false;  // not looked up
      if (compiled.accept_may_change(peer)) continue;
      ++skipped;
      SocketEvent listening = event;
      listening.kind = SocketEventKind::listen;
      listening.local = listener;
      listening.remote = Endpoint();
      SocketTarget as_listener;
      as_listener.ipv6 = event.ipv6;
      as_listener.listener = true;
      const SocketSettings copied = copied_on_accept(applicable(compiled.decide(listening), as_listener));
      SocketTarget accepted;
      accepted.ipv6 = event.ipv6;
      accepted.accepted = true;
      const SocketSettings wanted = compiled.decide(event, listener);
      EXPECT_EQ(options_to_apply(wanted, copied, accepted).size, 0) << "round " << round;
      EXPECT_EQ(wanted.enforced, 0u);
    }
  }
  EXPECT_GT(skipped, 1000);
}

TEST(CompiledPolicy, ManyPrefixesAndRules) {
  std::string text = "[[rule]]\nmatch = { direction = \"connect\", remote = [";
  for (int i = 0; i < 2000; ++i) {
    text += (i ? ", \"" : "\"") + std::to_string(10 + i / 256) + "." + std::to_string(i % 256) + ".0.0/16\"";
  }
  text += "] }\nkeepalive.idle = 5\n";
  for (int i = 0; i < 300; ++i) {
    text += "[[rule]]\nmatch = { direction = \"connect\", port = " + std::to_string(1000 + i) +
            " }\nkeepalive.idle = " + std::to_string(100 + i) + "\n";
  }
  LoadResult loaded = load_policy(text, "large.toml");
  ASSERT_TRUE(loaded.policy);
  const CompiledPolicy compiled(*loaded.policy);
  EXPECT_EQ(compiled.size().rules, 301u);
  EXPECT_EQ(compiled.size().prefixes, 2000u);
  EXPECT_EQ(compiled.size().port_ranges, 300u);
  EXPECT_GT(compiled.size().bytes, 0u);

  SocketEvent event;
  event.kind = SocketEventKind::connect;
  event.remote.known = true;
  event.remote.address = IpAddress::parse("12.34.5.6").value();
  event.remote.port = 1007;
  EXPECT_EQ(compiled.decide(event).number(OptionId::keepalive_idle), 107);  // the later rule wins
  event.remote.port = 80;
  EXPECT_EQ(compiled.decide(event).number(OptionId::keepalive_idle), 5);
  event.remote.address = IpAddress::parse("18.0.0.1").value();
  EXPECT_FALSE(compiled.any_rule_matches(event));
}

// A set of one small range is kept inline, others in a vector: either way
// it holds the same keys after a copy, a move and a round trip through a
// compiled file's bytes (read from an aligned and from an unaligned place).
template <typename Key>
void expect_same_keys_everywhere(const std::vector<KeyRange<Key>>& ranges, const std::vector<Key>& probes) {
  const IntervalSet<Key> built(ranges);
  std::string bytes;
  ByteWriter writer(&bytes);
  built.save(writer);
  const IntervalSet<Key> copied(built);
  IntervalSet<Key> moved_from(built);
  const IntervalSet<Key> moved(std::move(moved_from));
  IntervalSet<Key> restored;
  ByteReader reader(bytes);
  ASSERT_TRUE(restored.restore(reader));
  EXPECT_TRUE(reader.at_end());
  // The same bytes one byte further on: the items are no longer aligned.
  std::string shifted_storage = std::string(1, '\0') + bytes;
  IntervalSet<Key> restored_unaligned;
  ByteReader shifted(std::string_view(shifted_storage).substr(1));
  ASSERT_TRUE(restored_unaligned.restore(shifted));
  const std::vector<const IntervalSet<Key>*> sets = {&copied, &moved, &restored, &restored_unaligned};
  for (const IntervalSet<Key>* set : sets) {
    ASSERT_EQ(set->size(), built.size());
    for (size_t i = 0; i < built.size(); ++i) {
      EXPECT_EQ(set->at(i).first, built.at(i).first);
      EXPECT_EQ(set->at(i).last, built.at(i).last);
    }
    for (Key probe : probes) EXPECT_EQ(set->contains(probe), built.contains(probe)) << static_cast<uint64_t>(probe);
  }
}

TEST(IntervalSet, OneRangeOrManyHoldTheSameKeysCopiedMovedAndRestored) {
  const std::vector<uint16_t> ports = {0, 1, 79, 80, 81, 442, 443, 444, 8079, 8080, 65535};
  expect_same_keys_everywhere<uint16_t>({}, ports);
  expect_same_keys_everywhere<uint16_t>({{80, 80}}, ports);
  expect_same_keys_everywhere<uint16_t>({{443, 443}, {80, 81}}, ports);
  expect_same_keys_everywhere<uint16_t>({{79, 80}, {81, 443}}, ports);  // adjacent: merged into one
  const std::vector<uint32_t> addresses = {0, 0x0a000000, 0x0affffff, 0x0b000000, 0xffffffff};
  expect_same_keys_everywhere<uint32_t>({{0x0a000000, 0x0affffff}}, addresses);
  expect_same_keys_everywhere<uint32_t>({{0, 0}, {0xffffff00, 0xffffffff}}, addresses);
  const std::vector<Uint128> v6 = {0, Uint128(1) << 120, ~Uint128(0)};
  expect_same_keys_everywhere<Uint128>({{Uint128(1) << 120, (Uint128(2) << 120) - 1}}, v6);
}

TEST(IntervalSet, ARestoredSingleRangeMustBeARange) {
  std::string bytes;
  ByteWriter writer(&bytes);
  const KeyRange<uint16_t> backwards{90, 80};
  writer.put_items(&backwards, 1);
  IntervalSet<uint16_t> restored;
  ByteReader reader(bytes);
  EXPECT_FALSE(restored.restore(reader));
}

}  // namespace
}  // namespace sockshim

