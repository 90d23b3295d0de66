// SPDX-License-Identifier: Apache-2.0
// The kernel engine's map compiler: a policy → the contents of the BPF maps
// (bpf/map_layout.h). The BPF programs make no decision; here the same
// SocketEngine that the preload and the supervisor run is run once per
// region against a recording fake kernel, and what it would set becomes
// the region's option list.
//
// A region is (direction, family, protocol) × program name × port class ×
// address prefix: ports that every rule treats alike share a class, and an
// address belongs to the longest inserted prefix that contains it (the LPM
// trie's lookup), so each prefix is planned for one address inside it that
// no longer prefix covers: every address of the region gets that answer.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bpf/map_layout.h"
#include "config/decide.h"
#include "config/policy.h"

namespace sockshim::bpf_engine {

struct PlannedOption {
  SocketOption option;
  bool enforced = false;   // the program's own setsockopt does not change it
  bool at_socket = false;  // socket()'s: skipped where the program set its own
};
using PlannedList = std::vector<PlannedOption>;

struct Region {
  uint8_t table = 0;  // SOCKSHIM_TABLE(direction, ipv6, udp)
  uint8_t program = 0;
  uint16_t port_class = 0;
  uint8_t address[16] = {};  // as the socket's family shows it: IPv4 in 4 bytes, IPv4-mapped on IPv6
  int prefix_bits = 0;       // of |address|
  uint32_t list = 0;         // index in CompiledMaps::lists
};

struct CompiledMaps {
  std::vector<std::string> programs;  // task names (15 characters at most) of program index 1, 2, ...
  std::vector<uint16_t> port_classes[SOCKSHIM_TABLES];  // 65536 each
  std::vector<PlannedList> lists;                        // distinct
  std::vector<Region> regions;
  // By program, [ipv6][udp]: 1 + the list socket() gives; 0: none.
  std::vector<std::array<std::array<uint32_t, 2>, 2>> socket_lists;
  // The lookups the programs can skip, per table (sockshim_slot_state):
  // bit SOCKSHIM_TABLE(...) set when some port of the table is in a class
  // other than 0, and the one list (index in |lists|) that all the table's
  // regions have, for every program, port class and address (none: they
  // differ, or the table has no region).
  uint32_t port_classed_tables = 0;
  std::array<std::optional<uint32_t>, SOCKSHIM_TABLES> whole_table_list{};
};

// The maps for |policy|, which the engine can do whole (unsupported_by_bpf
// says nothing of it). False with |error| when they would not fit the maps.
bool compile_maps(const Policy& policy, CompiledMaps* maps, std::string* error);

// The task name the kernel keeps for a program name: its first 15 bytes.
std::string task_name(const std::string& program);

}  // namespace sockshim::bpf_engine
