// SPDX-License-Identifier: Apache-2.0
// The kernel engine's map compiler without a kernel engine: the regions and
// port classes it makes, the option lists the engine layer gives them, and
// what it refuses. No root needed.
#include "bpf_engine/map_compiler.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "bpf_engine/needed_hooks.h"
#include "bpf_engine/unsupported_options.h"
#include "config/policy_loader.h"

namespace sockshim::bpf_engine {
namespace {

using ::testing::ElementsAre;

Policy load(const std::string& toml) {
  LoadResult result = load_policy(toml, "test");
  EXPECT_TRUE(result.policy) << (result.errors.empty() ? "" : result.errors[0].message);
  return result.policy ? *result.policy : Policy();
}

CompiledMaps compile(const std::string& toml) {
  CompiledMaps maps;
  std::string error;
  EXPECT_TRUE(compile_maps(load(toml), &maps, &error)) << error;
  return maps;
}

// The user timeout a region's list sets, or -1.
int user_timeout(const CompiledMaps& maps, const Region& region) {
  for (const PlannedOption& planned : maps.lists[region.list]) {
    if (planned.option.level == IPPROTO_TCP && planned.option.name == TCP_USER_TIMEOUT) return planned.option.value;
  }
  return -1;
}

const Region* find(const CompiledMaps& maps, int table, const char* address, int bits) {
  uint8_t bytes[4];
  inet_pton(AF_INET, address, bytes);
  for (const Region& region : maps.regions) {
    if (region.table == table && region.prefix_bits == bits && std::memcmp(region.address, bytes, 4) == 0) {
      return &region;
    }
  }
  return nullptr;
}

// A port class holds the prefixes of the rules that can match its ports
// only: 1,000 rules of one port and 10 prefixes each (bench/'s "1,000
// rules") are 1,001 classes of about 11 regions per table, not every
// prefix in every class (20 million, over what the engine holds).
TEST(MapCompilerTest, APortClassHoldsThePrefixesOfTheRulesOfItsPortsOnly) {
  std::string toml;
  for (int rule = 0; rule < 1000; ++rule) {
    toml += "[[rule]]\nmatch = { direction = \"connect\", port = " + std::to_string(1024 + rule) + ", remote = [";
    for (int k = 0; k < 10; ++k) {
      const int i = rule * 10 + k;
      toml += std::string(k ? ", " : "") + "\"11." + std::to_string(i / 128) + "." + std::to_string(i % 128 * 2) +
              ".0/24\"";
    }
    toml += "] }\ntcp.user_timeout = " + std::to_string(1000 + rule) + "\n";
  }
  const CompiledMaps maps = compile(toml);
  const int table = SOCKSHIM_TABLE(SOCKSHIM_CONNECT, 0, 0);
  size_t regions = 0;
  for (const Region& region : maps.regions) {
    if (region.table != table) continue;
    ++regions;
    // Each region's list is its own rule's or none: 11.x of rule r on r's port.
    const uint16_t port = static_cast<uint16_t>(
        std::find(maps.port_classes[table].begin(), maps.port_classes[table].end(), region.port_class) -
        maps.port_classes[table].begin());
    const int timeout = user_timeout(maps, region);
    if (region.prefix_bits == 0) {
      EXPECT_EQ(timeout, -1) << "port " << port;
    } else {
      EXPECT_EQ(timeout, 1000 + (port - 1024)) << "port " << port;
    }
  }
  EXPECT_EQ(regions, 1 + 1000 * 11u);  // the class of every other port: the root alone
}

TEST(MapCompilerTest, EachPrefixIsPlannedForAnAddressNoLongerPrefixCovers) {
  const CompiledMaps maps = compile(
      "[[rule]]\nmatch = { direction = \"connect\", remote = [\"10.0.0.0/8\"] }\ntcp.user_timeout = 5000\n"
      "[[rule]]\nmatch = { direction = \"connect\", remote = [\"10.0.0.0/9\", \"10.128.0.0/9\"] }\n"
      "tcp.user_timeout = 7000\n");
  const int table = SOCKSHIM_TABLE(SOCKSHIM_CONNECT, 0, 0);
  // 10.0.0.0/8 is covered whole by its two halves: never the longest match.
  EXPECT_EQ(find(maps, table, "10.0.0.0", 8), nullptr);
  ASSERT_NE(find(maps, table, "10.0.0.0", 9), nullptr);
  EXPECT_EQ(user_timeout(maps, *find(maps, table, "10.0.0.0", 9)), 7000);
  EXPECT_EQ(user_timeout(maps, *find(maps, table, "10.128.0.0", 9)), 7000);
  ASSERT_NE(find(maps, table, "0.0.0.0", 0), nullptr);
  EXPECT_EQ(user_timeout(maps, *find(maps, table, "0.0.0.0", 0)), -1);
}

TEST(MapCompilerTest, PortsThatEveryRuleTreatsAlikeShareAClass) {
  const CompiledMaps maps = compile(
      "[[rule]]\nmatch = { direction = \"connect\", port = \"5000-6000\" }\ntcp.user_timeout = 5000\n"
      "[[rule]]\nmatch = { direction = \"connect\", port = [5432, 7000] }\ntcp.user_timeout = 7000\n");
  const std::vector<uint16_t>& classes = maps.port_classes[SOCKSHIM_TABLE(SOCKSHIM_CONNECT, 0, 0)];
  ASSERT_EQ(classes.size(), 65536u);
  EXPECT_EQ(classes[80], classes[6001]);    // no rule
  EXPECT_EQ(classes[5000], classes[6000]);  // the range alone
  EXPECT_EQ(classes[5432 + 1], classes[5000]);
  EXPECT_NE(classes[5432], classes[5000]);  // both rules
  EXPECT_NE(classes[7000], classes[80]);    // the second rule alone
  EXPECT_NE(classes[7000], classes[5432]);
  // Listen tables have no port rules here: one class.
  const std::vector<uint16_t>& listen = maps.port_classes[SOCKSHIM_TABLE(SOCKSHIM_LISTEN, 0, 0)];
  EXPECT_EQ(listen[5432], listen[80]);
}

// The programs skip the lookups of a table whose regions all have one
// list, and the port lookup of a table without port rules: a table with
// rules by address, port or program must keep its lookups.
TEST(MapCompilerTest, ATableWhoseRegionsAllHaveOneListIsMarkedWhole) {
  const CompiledMaps top_level = compile("tcp = { user_timeout = \"5s\" }\nkeepalive = { idle = 30 }\n");
  EXPECT_EQ(top_level.port_classed_tables, 0u);
  for (int direction = SOCKSHIM_CONNECT; direction <= SOCKSHIM_ACCEPT; ++direction) {
    for (int ipv6 = 0; ipv6 < 2; ++ipv6) {
      const int table = SOCKSHIM_TABLE(direction, ipv6, 0);
      ASSERT_TRUE(top_level.whole_table_list[table].has_value()) << "table " << table;
      for (const Region& region : top_level.regions) {
        if (region.table != table) continue;
        EXPECT_EQ(region.list, *top_level.whole_table_list[table]) << "table " << table;
      }
    }
  }
  // UDP accepts nothing: no region, nothing to give without a lookup.
  EXPECT_FALSE(top_level.whole_table_list[SOCKSHIM_TABLE(SOCKSHIM_ACCEPT, 0, 1)].has_value());

  const CompiledMaps by_rule = compile(
      "tcp = { user_timeout = \"5s\" }\n"
      "[[rule]]\nmatch = { direction = \"connect\", remote = [\"10.0.0.0/8\"] }\ntcp.user_timeout = 7000\n"
      "[[rule]]\nmatch = { direction = \"listen\", port = 8080 }\nkeepalive.idle = 77\n"
      "[[rule]]\nmatch = { direction = \"accept\", remote = [\"192.168.0.0/16\"] }\ntcp.nodelay = true\n");
  const int connect4 = SOCKSHIM_TABLE(SOCKSHIM_CONNECT, 0, 0);
  const int listen4 = SOCKSHIM_TABLE(SOCKSHIM_LISTEN, 0, 0);
  const int listen6 = SOCKSHIM_TABLE(SOCKSHIM_LISTEN, 1, 0);
  EXPECT_FALSE(by_rule.whole_table_list[connect4].has_value());                                 // by address
  EXPECT_FALSE(by_rule.whole_table_list[listen4].has_value());                                  // by port
  EXPECT_FALSE(by_rule.whole_table_list[SOCKSHIM_TABLE(SOCKSHIM_ACCEPT, 0, 0)].has_value());    // by peer
  // A listener's port rule is its accepted sockets' too.
  EXPECT_NE(by_rule.port_classed_tables & (1u << listen4), 0u);
  EXPECT_NE(by_rule.port_classed_tables & (1u << listen6), 0u);
  EXPECT_EQ(by_rule.port_classed_tables & (1u << connect4), 0u);

  const CompiledMaps by_program = compile("[[rule]]\nmatch = { program = \"curl\" }\ntcp.syncnt = 2\n");
  EXPECT_FALSE(by_program.whole_table_list[connect4].has_value());
  EXPECT_EQ(by_program.port_classed_tables, 0u);
}

TEST(MapCompilerTest, ListsKeepTheCatalogueOrderAndMarkEnforcedAndSocketOptions) {
  const CompiledMaps maps = compile(
      "keepalive = { idle = 30 }\nbuffers = { receive = \"64KiB\" }\nenforce = [\"keepalive\"]\n"
      "[[rule]]\nmatch = { direction = \"connect\", remote = [\"10.0.0.0/8\"] }\ntcp.user_timeout = 5000\n");
  const Region* region = find(maps, SOCKSHIM_TABLE(SOCKSHIM_CONNECT, 0, 0), "10.0.0.0", 8);
  ASSERT_NE(region, nullptr);
  std::vector<std::string> names;
  for (const PlannedOption& planned : maps.lists[region->list]) {
    names.push_back(std::string(option_name(planned.option)) + (planned.enforced ? " enforced" : "") +
                    (planned.at_socket ? " at socket" : ""));
  }
  EXPECT_THAT(names, ElementsAre("SO_RCVBUF at socket", "TCP_KEEPIDLE enforced at socket",
                                 "SO_KEEPALIVE enforced at socket", "TCP_USER_TIMEOUT"));
  // socket()'s own list, for the program's setsockopt before connect.
  ASSERT_EQ(maps.socket_lists.size(), 1u);
  EXPECT_NE(maps.socket_lists[0][0][0], 0u);
}

TEST(MapCompilerTest, ProgramNamesGetAConfigOfTheirOwnByTaskName) {
  const CompiledMaps maps = compile(
      "[[rule]]\nmatch = { program = \"a-very-long-program-name\" }\ntcp.user_timeout = 5000\n");
  EXPECT_THAT(maps.programs, ElementsAre("a-very-long-pro"));
}

// The UDP programs run at every TCP connect() and bind() too: attached only
// for a config with an option for some UDP event.
TEST(MapCompilerTest, OnlyAConfigWithOptionsForUdpNeedsTheUdpHooks) {
  EXPECT_FALSE(config_needs_udp_hooks(compile(
      "keepalive = { enabled = true, idle = 30 }\nbuffers = { receive = 262144 }\ntcp = { nodelay = true }\n")));
  EXPECT_FALSE(config_needs_udp_hooks(compile(
      "[[rule]]\nmatch = { direction = \"connect\", remote = \"10.0.0.0/8\", port = 5432 }\nkeepalive.idle = 5\n")));
  EXPECT_TRUE(config_needs_udp_hooks(compile("[[rule]]\nmatch = { protocol = \"udp\" }\nbuffers.receive = 65536\n")));
  // One UDP event of one family is enough: its hook cannot be left out.
  EXPECT_TRUE(config_needs_udp_hooks(compile(
      "[[rule]]\nmatch = { protocol = \"udp\", direction = \"listen\", local = \"::1\" }\n"
      "buffers.send = 65536\n")));
}

// cgroup/setsockopt runs at every setsockopt of the cgroup: attached only
// when the program's own calls matter, to enforce or to keep its own value
// of an option of socket()'s.
TEST(MapCompilerTest, OnlyEnforceOrOptionsOfSocketNeedTheSetsockoptHook) {
  EXPECT_TRUE(config_needs_setsockopt_hook(compile("keepalive = { idle = 30 }\n")));  // the top level: socket()'s
  EXPECT_TRUE(config_needs_setsockopt_hook(compile(
      "[[rule]]\nmatch = { direction = \"connect\", port = 5432 }\nkeepalive.idle = 5\nenforce = [\"keepalive\"]\n")));
  // A connect rule's option is set at connect() over the program's own.
  EXPECT_FALSE(config_needs_setsockopt_hook(compile(
      "[[rule]]\nmatch = { direction = \"connect\", remote = \"10.0.0.0/8\", port = 5432 }\nkeepalive.idle = 5\n")));
}

TEST(MapCompilerTest, WhatTheKernelEngineCannotDoIsNamedBySection) {
  const Policy policy = load(
      "socket = { linger = 5 }\ntcp = { user_timeout = 1000 }\n"
      "[[rule]]\nname = \"web\"\nmatch = { direction = \"listen\", port = 80 }\ntcp = { fastopen = 16 }\n"
      "[[rule]]\nname = \"py\"\nmatch = { program = \"py*\" }\ntcp = { nodelay = true }\n"
      "[[rule]]\nname = \"fine\"\nmatch = { program = \"python3\" }\ntcp = { nodelay = true }\n");
  EXPECT_THAT(unsupported_by_bpf(policy),
              ElementsAre("top level: socket.linger", "rule \"web\": tcp.fastopen",
                          "rule \"py\": program glob \"py*\" (only exact names, of 15 characters at most)"));
  EXPECT_THAT(unsupported_by_bpf(without_unsupported_options(policy)),
              ElementsAre("rule \"py\": program glob \"py*\" (only exact names, of 15 characters at most)"));
}

}  // namespace
}  // namespace sockshim::bpf_engine
