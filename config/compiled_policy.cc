// SPDX-License-Identifier: Apache-2.0
#include "config/compiled_policy.h"

#include <fnmatch.h>

#include <utility>

#include "config/prefault.h"

namespace sockshim {
namespace {

KeyRange<uint32_t> key_range_v4(const AddressRange& range) {
  const uint32_t mask = range.prefix_bits == 0 ? 0 : ~uint32_t(0) << (32 - range.prefix_bits);
  const uint32_t first = address_key_v4(range.base) & mask;
  return {first, first | ~mask};
}

KeyRange<Uint128> key_range_v6(const AddressRange& range) {
  const Uint128 mask = range.prefix_bits == 0 ? 0 : ~Uint128(0) << (128 - range.prefix_bits);
  const Uint128 first = address_key_v6(range.base) & mask;
  return {first, first | ~mask};
}

// |ranges| as one set of keys per address family.
void address_sets(const std::vector<AddressRange>& ranges, IntervalSet<uint32_t>* v4, IntervalSet<Uint128>* v6) {
  std::vector<KeyRange<uint32_t>> v4_ranges;
  std::vector<KeyRange<Uint128>> v6_ranges;
  v4_ranges.reserve(ranges.size());
  for (const AddressRange& range : ranges) {
    if (range.base.is_v6) {
      v6_ranges.push_back(key_range_v6(range));
    } else {
      v4_ranges.push_back(key_range_v4(range));
    }
  }
  *v4 = IntervalSet<uint32_t>(std::move(v4_ranges));
  *v6 = IntervalSet<Uint128>(std::move(v6_ranges));
}

IntervalSet<uint16_t> port_set(const std::vector<PortRange>& ports) {
  std::vector<KeyRange<uint16_t>> ranges;
  for (const PortRange& port : ports) ranges.push_back({port.first, port.last});
  return IntervalSet<uint16_t>(std::move(ranges));
}

// Whether |settings| holds anything the kernel does not copy from a listener
// to the connections it accepts: those are set again after accept().
bool beyond_copy(const SocketSettings& settings) {
  for (const CatalogueEntry& entry : kCatalogue) {
    if (!entry.inherited && settings.get(entry.id)) return true;
  }
  return settings.enforced != 0 || settings.raw_count > 0;
}
bool beyond_copy(const CompactSettings& settings) {
  for (const CompactSettings::Value& value : settings.values()) {
    if (!kCatalogue[static_cast<int>(value.id)].inherited) return true;
  }
  return settings.enforced() != 0 || !settings.raw().empty();
}

constexpr SocketEventKind kKinds[] = {SocketEventKind::create, SocketEventKind::connect, SocketEventKind::listen,
                                      SocketEventKind::accept};

}  // namespace

CompiledPolicy::CompiledPolicy(Policy policy) : policy_(std::move(policy)) {
  // An accepted connection gets its listener's settings from the kernel's
  // copy; rules that match it the same way at listen() and accept() (listen
  // rules, address-free "any" rules) add nothing unless they set what is
  // not copied. Others look at the connection's own local address or port
  // (which may differ from the listener's) or at the peer (looked up).
  accept_beyond_copy_ = beyond_copy(policy_.defaults);
  for (const Rule& rule : policy_.rules) {
    const Match& match = rule.match;
    accept_beyond_copy_ |= beyond_copy(rule.settings);
    accept_beyond_copy_ |= match.remote.empty() &&
                           (match.direction == Direction::accept ||
                            (match.direction == Direction::any && (!match.local.empty() || !match.ports.empty())));
  }
  rules_.resize(policy_.rules.size());
  for (uint32_t i = 0; i < policy_.rules.size(); ++i) {
    const Match& match = policy_.rules[i].match;
    CompiledRule& rule = rules_[i];
    rule.direction = match.direction;
    rule.family = match.family;
    rule.protocol = match.protocol;
    rule.any_port = match.ports.empty();
    rule.any_local = match.local.empty();
    rule.ports = port_set(match.ports);
    address_sets(match.local, &rule.local_v4, &rule.local_v6);
    IntervalSet<uint32_t> remote_v4;
    IntervalSet<Uint128> remote_v6;
    address_sets(match.remote, &remote_v4, &remote_v6);
    udp_rules_ |= match.protocol != Protocol::tcp;
    size_.prefixes += match.remote.size() + match.local.size();
    size_.port_ranges += match.ports.size();

    for (SocketEventKind kind : kKinds) {
      if (!direction_matches(match.direction, kind)) continue;
      KindIndex& index = kinds_[static_cast<int>(kind)];
      if (kind == SocketEventKind::create) {
        // A new socket has no address yet: only address-free rules apply.
        if (!match.needs_address()) index.always.push_back(i);
      } else if (!match.remote.empty()) {
        index.remote_v4.add(i, remote_v4);
        index.remote_v6.add(i, remote_v6);
      } else if (!match.ports.empty()) {
        const bool on_listener_port = kind == SocketEventKind::accept && match.direction == Direction::listen;
        (on_listener_port ? index.listener_ports : index.ports).add(i, rule.ports);
      } else {
        index.always.push_back(i);
      }
    }
  }
  size_.rules = rules_.size();
  size_.bytes = rules_.capacity() * sizeof(CompiledRule);
  for (const CompiledRule& rule : rules_) {
    size_.bytes += rule.ports.bytes() + rule.local_v4.bytes() + rule.local_v6.bytes();
  }
  for (KindIndex& index : kinds_) {
    index.remote_v4.build();
    index.remote_v6.build();
    index.ports.build();
    index.listener_ports.build();
    size_.bytes += index.bytes();
  }
}

void CompiledPolicy::save(ByteWriter& out) const {
  out.put(static_cast<uint32_t>(rules_.size()));
  for (const CompiledRule& rule : rules_) {
    out.put(static_cast<uint8_t>(rule.direction));
    out.put(static_cast<uint8_t>(rule.family));
    out.put(static_cast<uint8_t>(rule.protocol));
    out.put(static_cast<uint8_t>(rule.any_port));
    out.put(static_cast<uint8_t>(rule.any_local));
    rule.ports.save(out);
    rule.local_v4.save(out);
    rule.local_v6.save(out);
  }
  for (const KindIndex& index : kinds_) {
    index.remote_v4.save(out);
    index.remote_v6.save(out);
    index.ports.save(out);
    index.listener_ports.save(out);
    out.put_vector(index.always);
  }
  out.put(static_cast<uint8_t>(udp_rules_));
  out.put(static_cast<uint8_t>(accept_beyond_copy_));
  out.put(static_cast<uint64_t>(size_.prefixes));
  out.put(static_cast<uint64_t>(size_.port_ranges));
}

bool CompiledPolicy::restore(Policy policy, ByteReader& in, CompiledPolicy* out) {
  out->policy_ = std::move(policy);
  const uint32_t rule_count = static_cast<uint32_t>(out->policy_.rules.size());
  uint32_t saved_rules = 0;
  if (!in.get(&saved_rules) || saved_rules != rule_count) return false;
  out->rules_.reserve(rule_count);
  prefault_for_writing(out->rules_.data(), rule_count * sizeof(CompiledRule));
  out->rules_.resize(rule_count);
  auto flag = [&](bool* value) {
    uint8_t raw = 0;
    if (!in.get(&raw) || raw > 1) return false;
    *value = raw;
    return true;
  };
  for (CompiledRule& rule : out->rules_) {
    if (!in.get_enum(&rule.direction, static_cast<uint8_t>(Direction::accept)) ||
        !in.get_enum(&rule.family, static_cast<uint8_t>(Family::ipv6)) ||
        !in.get_enum(&rule.protocol, static_cast<uint8_t>(Protocol::any)) || !flag(&rule.any_port) ||
        !flag(&rule.any_local) || !rule.ports.restore(in) || !rule.local_v4.restore(in) || !rule.local_v6.restore(in)) {
      return false;
    }
  }
  for (KindIndex& index : out->kinds_) {
    if (!index.remote_v4.restore(in, rule_count) || !index.remote_v6.restore(in, rule_count) ||
        !index.ports.restore(in, rule_count) || !index.listener_ports.restore(in, rule_count) ||
        !in.get_vector(&index.always, rule_count)) {
      return false;
    }
    for (uint32_t entry : index.always) {
      if (entry >= rule_count) return false;
    }
  }
  uint64_t prefixes = 0, port_ranges = 0;
  if (!flag(&out->udp_rules_) || !flag(&out->accept_beyond_copy_) || !in.get(&prefixes) || !in.get(&port_ranges)) {
    return false;
  }
  out->size_ = Size{rule_count, static_cast<size_t>(prefixes), static_cast<size_t>(port_ranges), 0};
  out->size_.bytes = out->rules_.capacity() * sizeof(CompiledRule);
  for (const CompiledRule& rule : out->rules_) {
    out->size_.bytes += rule.ports.bytes() + rule.local_v4.bytes() + rule.local_v6.bytes();
  }
  for (const KindIndex& index : out->kinds_) out->size_.bytes += index.bytes();
  return true;
}

size_t CompiledPolicy::KindIndex::bytes() const {
  return remote_v4.bytes() + remote_v6.bytes() + ports.bytes() + listener_ports.bytes() +
         always.capacity() * sizeof(uint32_t);
}

CompiledPolicy::Size CompiledPolicy::size() const { return size_; }

bool CompiledPolicy::accept_depends_on_peer() const {
  const KindIndex& accept = kinds_[static_cast<int>(SocketEventKind::accept)];
  return !accept_beyond_copy_ && (!accept.remote_v4.empty() || !accept.remote_v6.empty());
}

bool CompiledPolicy::accept_may_change(const Endpoint& peer) const {
  if (accept_beyond_copy_) return true;
  const KindIndex& accept = kinds_[static_cast<int>(SocketEventKind::accept)];
  if (!peer.known) return !accept.remote_v4.empty() || !accept.remote_v6.empty();
  const EntrySpan found = peer.address.is_v6 ? accept.remote_v6.find(address_key_v6(peer.address))
                                        : accept.remote_v4.find(address_key_v4(peer.address));
  return found.begin != found.end;
}

bool CompiledPolicy::verify(uint32_t index, const SocketEvent& event, const Endpoint& listener) const {
  const CompiledRule& rule = rules_[index];
  if (rule.family == Family::ipv4 && event.ipv6) return false;
  if (rule.family == Family::ipv6 && !event.ipv6) return false;
  if (rule.protocol == Protocol::tcp && event.udp) return false;
  if (rule.protocol == Protocol::udp && !event.udp) return false;
  const std::string& glob = policy_.rules[index].match.program_glob;
  if (!glob.empty() && fnmatch(glob.c_str(), event.program, 0) != 0) return false;
  if (event.kind == SocketEventKind::create) return true;

  // The same choice of addresses as rule_matches().
  const bool inherited_from_listener = event.kind == SocketEventKind::accept && rule.direction == Direction::listen;
  if (inherited_from_listener && !listener.known) return false;
  const Endpoint& local = inherited_from_listener ? listener : event.local;
  const Endpoint& port_owner = event.kind == SocketEventKind::connect ? event.remote : local;
  if (!rule.any_port && !(port_owner.known && rule.ports.contains(port_owner.port))) return false;
  if (!rule.any_local) {
    if (!local.known) return false;
    const bool inside = local.address.is_v6 ? rule.local_v6.contains(address_key_v6(local.address))
                                            : rule.local_v4.contains(address_key_v4(local.address));
    if (!inside) return false;
  }
  // The remote address: a rule that has one was found through it.
  return true;
}

SocketSettings CompiledPolicy::decide(const SocketEvent& event, const Endpoint& listener) const {
  SocketSettings settings;
  if (!event.udp) settings = policy_.defaults;
  for_each_match(event, listener, [&](uint32_t index) {
    settings.overlay(policy_.rules[index].settings);
    return true;
  });
  return settings;
}

bool CompiledPolicy::any_rule_matches(const SocketEvent& event) const {
  bool found = false;
  auto stop_at_first = [&](uint32_t) {
    found = true;
    return false;
  };
  for_each_match(event, Endpoint(), stop_at_first);
  if (found || !udp_rules_ || event.udp) return found;
  SocketEvent as_udp = event;  // not yet known at connect(): either may match
  as_udp.udp = true;
  for_each_match(as_udp, Endpoint(), stop_at_first);
  return found;
}

}  // namespace sockshim
