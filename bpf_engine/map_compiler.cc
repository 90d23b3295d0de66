// SPDX-License-Identifier: Apache-2.0
#include "bpf_engine/map_compiler.h"

#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <optional>

#include "bpf_engine/recording_socket_ops.h"
#include "config/compiled_policy.h"
#include "config/policy_summary.h"
#include "engine/socket_engine.h"

namespace sockshim::bpf_engine {
namespace {

struct Prefix {
  uint8_t bytes[16] = {};
  int bits = 0;
  bool operator<(const Prefix& other) const {
    const int order = std::memcmp(bytes, other.bytes, sizeof bytes);
    return order != 0 ? order < 0 : bits < other.bits;
  }
};

bool bit_of(const uint8_t* bytes, int index) { return bytes[index / 8] >> (7 - index % 8) & 1; }

void clear_from(uint8_t* bytes, int first_bit, int total_bits) {
  for (int bit = first_bit; bit < total_bits; ++bit) bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> bit % 8));
}

// Whether |outer| contains the whole of |inner|.
bool covers(const Prefix& outer, const Prefix& inner) {
  if (outer.bits > inner.bits) return false;
  for (int bit = 0; bit < outer.bits; ++bit) {
    if (bit_of(outer.bytes, bit) != bit_of(inner.bytes, bit)) return false;
  }
  return true;
}

// An address of |node| in no prefix of |others| (which are all inside
// |node|'s parent); nullopt when they cover all of it.
std::optional<Prefix> uncovered_address(const Prefix& node, const std::vector<Prefix>& others, int total_bits) {
  std::vector<Prefix> inside;
  for (const Prefix& other : others) {
    if (covers(other, node)) return std::nullopt;
    if (covers(node, other)) inside.push_back(other);
  }
  if (inside.empty()) {
    Prefix address = node;
    address.bits = total_bits;
    return address;
  }
  for (int half = 0; half < 2; ++half) {
    Prefix child = node;
    child.bits = node.bits + 1;
    if (half) child.bytes[node.bits / 8] |= static_cast<uint8_t>(0x80u >> node.bits % 8);
    if (std::optional<Prefix> found = uncovered_address(child, inside, total_bits)) return found;
  }
  return std::nullopt;
}

// An address that the LPM lookup gives |prefix| for, among |all|.
std::optional<Prefix> representative(const Prefix& prefix, const std::vector<Prefix>& all, int total_bits) {
  std::vector<Prefix> longer;
  for (const Prefix& other : all) {
    if (other.bits > prefix.bits && covers(prefix, other)) longer.push_back(other);
  }
  return uncovered_address(prefix, longer, total_bits);
}

SocketEventKind event_kind(int direction) {
  return direction == SOCKSHIM_CONNECT ? SocketEventKind::connect
         : direction == SOCKSHIM_LISTEN ? SocketEventKind::listen
                                         : SocketEventKind::accept;
}

bool rule_applies_to_table(const Rule& rule, int direction, bool ipv6, bool udp) {
  const Match& match = rule.match;
  if (!direction_matches(match.direction, event_kind(direction))) return false;
  if ((match.family == Family::ipv4 && ipv6) || (match.family == Family::ipv6 && !ipv6)) return false;
  return !((match.protocol == Protocol::tcp && udp) || (match.protocol == Protocol::udp && !udp));
}

// The addresses that the table's rules able to match |port| look at, in the
// socket's form, with the roots every address falls under. A rule whose
// ports leave |port| out cannot change decide()'s answer for its port
// class, so its prefixes are no region of that class (the trie's key
// holds the class): 1,000 rules of a port each give each class its own
// few prefixes, not every rule's.
std::vector<Prefix> table_prefixes(const Policy& policy, int direction, bool ipv6, bool udp, uint16_t port) {
  std::vector<Prefix> prefixes;
  Prefix root;
  prefixes.push_back(root);  // 0.0.0.0/0 or ::/0
  if (ipv6) {
    Prefix mapped;  // ::ffff:0:0/96: IPv4 peers of a dual-stack socket
    mapped.bytes[10] = mapped.bytes[11] = 0xff;
    mapped.bits = 96;
    prefixes.push_back(mapped);
  }
  for (const Rule& rule : policy.rules) {
    if (!rule_applies_to_table(rule, direction, ipv6, udp)) continue;
    if (!rule.match.ports.empty() &&
        std::none_of(rule.match.ports.begin(), rule.match.ports.end(),
                     [&](const PortRange& range) { return range.contains(port); })) {
      continue;
    }
    const std::vector<AddressRange>& ranges = direction == SOCKSHIM_LISTEN ? rule.match.local : rule.match.remote;
    for (const AddressRange& range : ranges) {
      Prefix prefix;
      if (range.base.is_v6) {
        if (!ipv6) continue;  // an IPv4 socket has no IPv6 peer
        std::memcpy(prefix.bytes, range.base.bytes, 16);
        prefix.bits = range.prefix_bits;
      } else if (ipv6) {
        prefix.bytes[10] = prefix.bytes[11] = 0xff;
        std::memcpy(prefix.bytes + 12, range.base.bytes, 4);
        prefix.bits = 96 + range.prefix_bits;
      } else {
        std::memcpy(prefix.bytes, range.base.bytes, 4);
        prefix.bits = range.prefix_bits;
      }
      clear_from(prefix.bytes, prefix.bits, 128);
      prefixes.push_back(prefix);
    }
  }
  std::sort(prefixes.begin(), prefixes.end());
  prefixes.erase(std::unique(prefixes.begin(), prefixes.end(),
                             [](const Prefix& a, const Prefix& b) { return !(a < b) && !(b < a); }),
                 prefixes.end());
  return prefixes;
}

// Port classes of a table: ports whose set of matching rules is the same
// share a class. |representatives| gets one port of each class.
void table_port_classes(const Policy& policy, int direction, bool ipv6, bool udp, std::vector<uint16_t>* classes,
                        std::vector<uint16_t>* representatives) {
  std::vector<const Rule*> port_rules;
  std::vector<uint32_t> boundaries{0, 65536};
  for (const Rule& rule : policy.rules) {
    if (!rule_applies_to_table(rule, direction, ipv6, udp) || rule.match.ports.empty()) continue;
    port_rules.push_back(&rule);
    for (const PortRange& range : rule.match.ports) {
      boundaries.push_back(range.first);
      boundaries.push_back(static_cast<uint32_t>(range.last) + 1);
    }
  }
  std::sort(boundaries.begin(), boundaries.end());
  boundaries.erase(std::unique(boundaries.begin(), boundaries.end()), boundaries.end());
  classes->assign(65536, 0);
  representatives->clear();
  std::map<std::vector<bool>, uint16_t> class_of_signature;
  for (size_t i = 0; i + 1 < boundaries.size(); ++i) {
    const uint16_t first = static_cast<uint16_t>(boundaries[i]);
    std::vector<bool> signature;
    for (const Rule* rule : port_rules) {
      signature.push_back(std::any_of(rule->match.ports.begin(), rule->match.ports.end(),
                                      [&](const PortRange& range) { return range.contains(first); }));
    }
    auto [found, inserted] = class_of_signature.emplace(signature, static_cast<uint16_t>(representatives->size()));
    if (inserted) representatives->push_back(first);
    std::fill(classes->begin() + boundaries[i], classes->begin() + boundaries[i + 1], found->second);
  }
}

Endpoint endpoint_of(const uint8_t* bytes, bool ipv6, uint16_t port) {
  Endpoint endpoint;
  endpoint.known = true;
  endpoint.port = port;
  if (ipv6) {
    uint8_t address[16];
    std::memcpy(address, bytes, 16);
    endpoint.address = IpAddress::v6(address);  // unmaps IPv4-mapped addresses, as decide() sees them
  } else {
    uint8_t address[4];
    std::memcpy(address, bytes, 4);
    endpoint.address = IpAddress::v4(address);
  }
  return endpoint;
}

socklen_t sockaddr_of(const uint8_t* bytes, bool ipv6, uint16_t port, sockaddr_storage* out) {
  std::memset(out, 0, sizeof *out);
  if (ipv6) {
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(port);
    std::memcpy(&in6.sin6_addr, bytes, 16);
    std::memcpy(out, &in6, sizeof in6);
    return sizeof in6;
  }
  sockaddr_in in4{};
  in4.sin_family = AF_INET;
  in4.sin_port = htons(port);
  std::memcpy(&in4.sin_addr, bytes, 4);
  std::memcpy(out, &in4, sizeof in4);
  return sizeof in4;
}

// The engine's events for one socket of a region, as one option list: the
// last value of each (level, name), in the catalogue's order.
PlannedList plan(const CompiledPolicy& compiled, const PolicySummary& summary, const char* program, int direction,
                 SocketKind kind, const uint8_t* address, uint16_t port) {
  const Endpoint wildcard = endpoint_of(std::array<uint8_t, 16>{}.data(), kind.ipv6, port);
  const Endpoint at_address = endpoint_of(address, kind.ipv6, port);
  uint32_t enforced = 0;
  std::vector<RecordedOption> recorded;
  if (direction < 0) {  // socket() alone
    RecordingSocketOps ops(kind, wildcard, Endpoint(), wildcard);
    SocketEngine engine(ops, compiled, summary, program);
    enforced |= engine.created(RecordingSocketOps::kSocket, kind).enforced;
    recorded = ops.recorded();
  } else if (direction == SOCKSHIM_CONNECT) {
    RecordingSocketOps ops(kind, wildcard, at_address, wildcard);
    SocketEngine engine(ops, compiled, summary, program);
    enforced |= engine.created(RecordingSocketOps::kSocket, kind).enforced;
    ops.set_at_socket(false);
    sockaddr_storage destination;
    const socklen_t length = sockaddr_of(address, kind.ipv6, port, &destination);
    enforced |= engine.connecting(RecordingSocketOps::kSocket, reinterpret_cast<sockaddr*>(&destination), length,
                                  &kind).enforced;
    recorded = ops.recorded();
  } else if (direction == SOCKSHIM_LISTEN) {
    RecordingSocketOps ops(kind, at_address, Endpoint(), at_address);
    SocketEngine engine(ops, compiled, summary, program);
    enforced |= engine.created(RecordingSocketOps::kSocket, kind).enforced;
    ops.set_at_socket(false);
    enforced |= engine.bound(RecordingSocketOps::kSocket, kind.udp, &kind, &at_address).enforced;
    recorded = ops.recorded();
  } else {
    Endpoint peer = endpoint_of(address, kind.ipv6, 0);
    RecordingSocketOps ops(kind, wildcard, peer, wildcard);
    ops.set_at_socket(false);
    SocketEngine engine(ops, compiled, summary, program);
    sockaddr_storage from;
    const socklen_t length = sockaddr_of(address, kind.ipv6, 0, &from);
    enforced |= engine.accepted(RecordingSocketOps::kListener, RecordingSocketOps::kSocket,
                                reinterpret_cast<sockaddr*>(&from), length).enforced;
    recorded = ops.recorded();
  }
  PlannedList list;
  for (const RecordedOption& call : recorded) {
    auto same = std::find_if(list.begin(), list.end(), [&](const PlannedOption& planned) {
      return planned.option.level == call.option.level && planned.option.name == call.option.name;
    });
    PlannedOption planned;
    planned.option = call.option;
    planned.at_socket = call.at_socket;
    planned.enforced = call.option.id != OptionId::count_ && (enforced >> static_cast<int>(call.option.id) & 1);
    if (same != list.end()) {
      *same = planned;
    } else {
      list.push_back(planned);
    }
  }
  std::stable_sort(list.begin(), list.end(),
                   [](const PlannedOption& a, const PlannedOption& b) { return a.option.id < b.option.id; });
  return list;
}

std::string list_bytes(const PlannedList& list) {
  std::string bytes;
  for (const PlannedOption& planned : list) {
    char head[16];
    const int flags = planned.enforced | planned.at_socket << 1;
    std::memcpy(head, &planned.option.level, 4);
    std::memcpy(head + 4, &planned.option.name, 4);
    std::memcpy(head + 8, &planned.option.length, 4);
    std::memcpy(head + 12, &flags, 4);
    bytes.append(head, sizeof head);
    bytes.append(reinterpret_cast<const char*>(planned.option.data), planned.option.length);
  }
  return bytes;
}

// The lookups the programs can skip in each table of |maps|.
void find_table_shortcuts(CompiledMaps* maps) {
  for (int table = 0; table < SOCKSHIM_TABLES; ++table) {
    const std::vector<uint16_t>& classes = maps->port_classes[table];
    if (std::any_of(classes.begin(), classes.end(), [](uint16_t port_class) { return port_class != 0; })) {
      maps->port_classed_tables |= 1u << table;
    }
  }
  std::array<bool, SOCKSHIM_TABLES> differ{};
  for (const Region& region : maps->regions) {
    std::optional<uint32_t>& whole = maps->whole_table_list[region.table];
    if (differ[region.table]) continue;
    if (!whole) {
      whole = region.list;
    } else if (*whole != region.list) {
      differ[region.table] = true;
      whole.reset();
    }
  }
}

}  // namespace

std::string task_name(const std::string& program) { return program.substr(0, 15); }

bool compile_maps(const Policy& policy, CompiledMaps* maps, std::string* error) {
  *maps = CompiledMaps();
  std::vector<std::string> program_globs;  // as the rules give them, index 1, 2, ...
  for (const Rule& rule : policy.rules) {
    const std::string& glob = rule.match.program_glob;
    if (glob.empty() || std::find(program_globs.begin(), program_globs.end(), glob) != program_globs.end()) continue;
    program_globs.push_back(glob);
    maps->programs.push_back(task_name(glob));
  }
  if (program_globs.size() > 255) {
    *error = "more than 255 program names in the rules";
    return false;
  }
  std::map<std::string, uint32_t> list_of_bytes;
  for (size_t program = 0; program <= program_globs.size(); ++program) {
    // Index 0: a task named as no rule says ("" matches no exact name).
    const std::string name = program == 0 ? std::string() : program_globs[program - 1];
    const CompiledPolicy compiled(for_program(policy, name.c_str()));
    PolicySummary summary;
    summarise(compiled.policy(), name.c_str(), &summary);
    auto list_index = [&](const PlannedList& list) {
      auto [found, inserted] = list_of_bytes.emplace(list_bytes(list), static_cast<uint32_t>(maps->lists.size()));
      if (inserted) maps->lists.push_back(list);
      return found->second;
    };
    auto& socket_lists = maps->socket_lists.emplace_back();
    for (int ipv6 = 0; ipv6 < 2; ++ipv6) {
      for (int udp = 0; udp < 2; ++udp) {
        const uint8_t none[16] = {};
        socket_lists[ipv6][udp] =
            1 + list_index(plan(compiled, summary, name.c_str(), -1, SocketKind{ipv6 != 0, udp != 0}, none, 0));
      }
    }
    for (int direction = SOCKSHIM_CONNECT; direction <= SOCKSHIM_ACCEPT; ++direction) {
      for (int ipv6 = 0; ipv6 < 2; ++ipv6) {
        for (int udp = 0; udp < 2; ++udp) {
          if (udp && direction == SOCKSHIM_ACCEPT) continue;  // UDP accepts nothing
          const int table = SOCKSHIM_TABLE(direction, ipv6, udp);
          std::vector<uint16_t> representatives;
          table_port_classes(policy, direction, ipv6, udp, &maps->port_classes[table], &representatives);
          const int total_bits = ipv6 ? 128 : 32;
          for (size_t port_class = 0; port_class < representatives.size(); ++port_class) {
            const std::vector<Prefix> prefixes =
                table_prefixes(policy, direction, ipv6, udp, representatives[port_class]);
            for (const Prefix& prefix : prefixes) {
              const std::optional<Prefix> address = representative(prefix, prefixes, total_bits);
              if (!address) continue;  // longer prefixes cover it all: never the longest match
              const PlannedList list = plan(compiled, summary, name.c_str(), direction, SocketKind{ipv6 != 0, udp != 0},
                                            address->bytes, representatives[port_class]);
              Region region;
              region.table = static_cast<uint8_t>(table);
              region.program = static_cast<uint8_t>(program);
              region.port_class = static_cast<uint16_t>(port_class);
              std::memcpy(region.address, prefix.bytes, sizeof region.address);
              region.prefix_bits = prefix.bits;
              region.list = list_index(list);
              maps->regions.push_back(region);
            }
          }
        }
      }
    }
  }
  if (maps->lists.size() > SOCKSHIM_LISTS_PER_GENERATION) {
    *error = "the config gives " + std::to_string(maps->lists.size()) + " distinct option lists; the engine holds " +
             std::to_string(SOCKSHIM_LISTS_PER_GENERATION);
    return false;
  }
  if (maps->regions.size() > SOCKSHIM_MAX_REGIONS / SOCKSHIM_GENERATIONS) {
    *error = "the config gives " + std::to_string(maps->regions.size()) + " regions; the engine holds " +
             std::to_string(SOCKSHIM_MAX_REGIONS / SOCKSHIM_GENERATIONS);
    return false;
  }
  for (const PlannedList& list : maps->lists) {
    if (list.size() > SOCKSHIM_MAX_OPTIONS) {
      *error = "an option list longer than the engine holds";
      return false;
    }
  }
  find_table_shortcuts(maps);
  return true;
}

}  // namespace sockshim::bpf_engine
