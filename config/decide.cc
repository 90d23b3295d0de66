// SPDX-License-Identifier: Apache-2.0
#include "config/decide.h"

#include <fnmatch.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>

#include "config/value_kinds.h"

namespace sockshim {

bool direction_matches(Direction direction, SocketEventKind kind) {
  switch (direction) {
    case Direction::any: return true;
    case Direction::connect: return kind == SocketEventKind::connect;
    // A listen rule also covers the connections its listener accepts.
    case Direction::listen: return kind == SocketEventKind::listen || kind == SocketEventKind::accept;
    case Direction::accept: return kind == SocketEventKind::accept;
  }
  return false;
}

namespace {

bool in_ranges(const std::vector<AddressRange>& ranges, const Endpoint& endpoint) {
  if (ranges.empty()) return true;
  if (!endpoint.known) return false;
  for (const AddressRange& range : ranges) {
    if (range.contains(endpoint.address)) return true;
  }
  return false;
}

bool in_ports(const std::vector<PortRange>& ports, const Endpoint& endpoint) {
  if (ports.empty()) return true;
  if (!endpoint.known) return false;
  for (const PortRange& range : ports) {
    if (range.contains(endpoint.port)) return true;
  }
  return false;
}

}  // namespace

bool rule_matches(const Rule& rule, const SocketEvent& event, const Endpoint& listener) {
  const Match& match = rule.match;
  if (!direction_matches(match.direction, event.kind)) return false;
  if (match.family == Family::ipv4 && event.ipv6) return false;
  if (match.family == Family::ipv6 && !event.ipv6) return false;
  if (match.protocol == Protocol::tcp && event.udp) return false;
  if (match.protocol == Protocol::udp && !event.udp) return false;
  if (!match.program_glob.empty() &&
      fnmatch(match.program_glob.c_str(), event.program, 0) != 0) {
    return false;
  }
  if (event.kind == SocketEventKind::create) return !match.needs_address();

  // Which address each matcher looks at depends on the event.
  const bool inherited_from_listener =
      event.kind == SocketEventKind::accept && match.direction == Direction::listen;
  const Endpoint& local = inherited_from_listener ? listener : event.local;
  const Endpoint& port_owner = event.kind == SocketEventKind::connect ? event.remote : local;
  if (inherited_from_listener && !listener.known) return false;
  // Ports first: the cheapest test, and the one most rules narrow on.
  return in_ports(match.ports, port_owner) && in_ranges(match.remote, event.remote) &&
         in_ranges(match.local, local);
}

Policy for_program(Policy policy, const char* program) {
  // In place: a policy with thousands of prefixes is not copied again.
  size_t kept = 0;
  for (Rule& rule : policy.rules) {
    if (!rule.match.program_glob.empty() && fnmatch(rule.match.program_glob.c_str(), program, 0) != 0) {
      continue;
    }
    rule.match.program_glob.clear();
    if (&rule != &policy.rules[kept]) policy.rules[kept] = std::move(rule);
    ++kept;
  }
  policy.rules.erase(policy.rules.begin() + static_cast<std::ptrdiff_t>(kept), policy.rules.end());
  return policy;
}

SocketSettings decide(const Policy& policy, const SocketEvent& event, const Endpoint& listener) {
  SocketSettings settings;
  if (!event.udp) settings = policy.defaults;
  for (const Rule& rule : policy.rules) {
    if (rule_matches(rule, event, listener)) settings.overlay(rule.settings);
  }
  return settings;
}

namespace {

bool applies_to(const CatalogueEntry& entry, SocketTarget target) {
  if (target.udp && !entry.udp) return false;
  if (entry.stage == Stage::before_listen) return target.listener;
  return true;
}

}  // namespace

SocketSettings applicable(const SocketSettings& settings, SocketTarget target) {
  SocketSettings result = settings;
  for (const CatalogueEntry& entry : kCatalogue) {
    if (!applies_to(entry, target)) result.values[static_cast<int>(entry.id)].reset();
  }
  result.raw_count = 0;
  for (int i = 0; i < settings.raw_count; ++i) {
    if (settings.raw[i].listeners_only && !target.listener) continue;
    result.raw[result.raw_count++] = settings.raw[i];
  }
  return result;
}

SocketSettings copied_on_accept(const SocketSettings& listener) {
  SocketSettings result;
  for (const CatalogueEntry& entry : kCatalogue) {
    if (entry.inherited) result.values[static_cast<int>(entry.id)] = listener.get(entry.id);
  }
  // Raw options are not known to be copied: they are set again.
  return result;
}

OptionList options_to_apply(const SocketSettings& wanted, const SocketSettings& already,
                            SocketTarget target) {
  OptionList list;
  for (const CatalogueEntry& entry : kCatalogue) {
    const std::optional<OptionValue>& want = wanted.get(entry.id);
    if (!want || want == already.get(entry.id) || !applies_to(entry, target)) continue;
    if (target.accepted && entry.stage == Stage::before_listen) continue;
    const LevelName where = target.ipv6 ? entry.ipv6 : entry.ipv4;
    SocketOption& option = list.items[list.size++];
    option.id = entry.id;
    option.level = where.level;
    option.name = where.name;
    encode_value(entry, *want, &option);
    if (target.ipv6 && entry.ipv6_also_sets_ipv4) {
      SocketOption& ipv4 = list.items[list.size++];
      ipv4 = option;
      ipv4.level = entry.ipv4.level;
      ipv4.name = entry.ipv4.name;
    }
  }
  for (int i = 0; i < wanted.raw_count; ++i) {
    const RawOption& raw = wanted.raw[i];
    if (raw.listeners_only && !target.listener) continue;
    bool same = false;
    for (int j = 0; j < already.raw_count && !same; ++j) {
      const RawOption& have = already.raw[j];
      same = have.level == raw.level && have.name == raw.name && have.length == raw.length &&
             have.number == raw.number && std::memcmp(have.bytes, raw.bytes, sizeof raw.bytes) == 0;
    }
    if (same) continue;
    SocketOption& option = list.items[list.size++];
    option.level = raw.level;
    option.name = raw.name;
    option.value = raw.number;
    if (raw.length == 0) {
      std::memcpy(option.data, &raw.number, sizeof raw.number);
      option.length = sizeof raw.number;
    } else {
      std::memcpy(option.data, raw.bytes, raw.length);
      option.length = raw.length;
    }
  }
  return list;
}

const char* option_name(const SocketOption& option) {
  if (option.id == OptionId::count_) return "raw option";
  const CatalogueEntry& entry = catalogue_entry(option.id);
  const bool ipv6_name = option.level == entry.ipv6.level && option.name == entry.ipv6.name &&
                         (entry.ipv6.level != entry.ipv4.level || entry.ipv6.name != entry.ipv4.name);
  return kernel_name(entry, ipv6_name);
}

}  // namespace sockshim
