// SPDX-License-Identifier: Apache-2.0
// A policy compiled at load into lookup structures, so that matching one
// socket event costs the same with three rules as with a thousand, and with
// one prefix as with ten thousand. Gives exactly what decide() gives: the
// same rules match, and they apply in file order (later rules win).
// Pure, like decide(); lookups only read and never allocate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "config/decide.h"
#include "config/interval_index.h"
#include "config/policy.h"

namespace sockshim {

// An address as one number, most significant byte first, so that a CIDR
// range is an interval of numbers.
inline uint32_t address_key_v4(const IpAddress& address) {
  return static_cast<uint32_t>(address.bytes[0]) << 24 | static_cast<uint32_t>(address.bytes[1]) << 16 |
         static_cast<uint32_t>(address.bytes[2]) << 8 | address.bytes[3];
}
inline Uint128 address_key_v6(const IpAddress& address) {
  Uint128 key = 0;
  for (uint8_t byte : address.bytes) key = key << 8 | byte;
  return key;
}

class CompiledPolicy {
 public:
  CompiledPolicy() = default;
  explicit CompiledPolicy(Policy policy);

  const Policy& policy() const { return policy_; }

  // The lookup structures, for a compiled file (config/compiled_file.h):
  // restore() gives what the constructor would build from |policy|, given
  // what save() wrote for it, without building it again. False when the
  // bytes cannot be that (|out| is then unusable).
  void save(ByteWriter& out) const;
  static bool restore(Policy policy, ByteReader& in, CompiledPolicy* out);

  // decide(policy(), event, listener), by lookup.
  SocketSettings decide(const SocketEvent& event, const Endpoint& listener = Endpoint()) const;

  // any_rule_matches(policy(), summary, event), by lookup: at connect() the
  // protocol is not known yet, so with UDP rules either protocol counts.
  bool any_rule_matches(const SocketEvent& event) const;

  // Calls |visit(index)| for each rule of policy().rules that matches, in
  // file order, until it returns false. What rule_matches() says of each.
  template <typename Visit>
  void for_each_match(const SocketEvent& event, const Endpoint& listener, Visit visit) const;

  // At accept(), before the kernel is asked anything: false when no rule
  // can give a connection from |peer| more than the kernel copied from its
  // listener (whose address is known), so that it needs no work. An
  // unknown |peer| may be any.
  bool accept_may_change(const Endpoint& peer) const;
  // Whether accept_may_change() depends on the peer's address.
  bool accept_depends_on_peer() const;

  struct Size {
    size_t rules = 0;
    size_t prefixes = 0;  // address ranges in the rules, remote and local
    size_t port_ranges = 0;
    size_t bytes = 0;     // the lookup structures
  };
  Size size() const;

 private:
  // One rule's match, in the form the lookups verify.
  struct CompiledRule {
    Direction direction = Direction::any;
    Family family = Family::any;
    Protocol protocol = Protocol::tcp;
    bool any_port = true;
    bool any_local = true;
    IntervalSet<uint16_t> ports;
    IntervalSet<uint32_t> local_v4;
    IntervalSet<Uint128> local_v6;
  };

  // Per kind of event, the rules whose direction lets them match it, each
  // in one place: by remote address if it has one, else by port if it has
  // one, else in |always|. A rule is found in at most one of them.
  struct KindIndex {
    IntervalIndex<uint32_t> remote_v4;
    IntervalIndex<Uint128> remote_v6;
    IntervalIndex<uint16_t> ports;           // connect: the destination's; otherwise the local port
    IntervalIndex<uint16_t> listener_ports;  // accept: listen rules, on their listener's port
    std::vector<uint32_t> always;
    size_t bytes() const;
  };

  // The checks the index did not make (all but the remote address).
  bool verify(uint32_t index, const SocketEvent& event, const Endpoint& listener) const;

  Policy policy_;
  std::vector<CompiledRule> rules_;
  KindIndex kinds_[4];  // by SocketEventKind
  bool udp_rules_ = false;
  // Some accepted connection may need more than its listener's copy
  // whatever its peer (see the constructor).
  bool accept_beyond_copy_ = false;
  Size size_;
};

template <typename Visit>
void CompiledPolicy::for_each_match(const SocketEvent& event, const Endpoint& listener, Visit visit) const {
  const KindIndex& kind = kinds_[static_cast<int>(event.kind)];
  // At most four sorted lists of candidates, merged in file order.
  const uint32_t* heads[4] = {};
  const uint32_t* ends[4] = {};
  int lists = 0;
  auto take = [&](const uint32_t* begin, const uint32_t* end) {
    if (begin == end) return;
    heads[lists] = begin;
    ends[lists] = end;
    ++lists;
  };
  if (event.kind != SocketEventKind::create) {
    if (event.remote.known) {
      if (event.remote.address.is_v6) {
        const auto span = kind.remote_v6.find(address_key_v6(event.remote.address));
        take(span.begin, span.end);
      } else {
        const auto span = kind.remote_v4.find(address_key_v4(event.remote.address));
        take(span.begin, span.end);
      }
    }
    const Endpoint& port_owner = event.kind == SocketEventKind::connect ? event.remote : event.local;
    if (port_owner.known) {
      const auto span = kind.ports.find(port_owner.port);
      take(span.begin, span.end);
    }
    if (listener.known) {
      const auto span = kind.listener_ports.find(listener.port);
      take(span.begin, span.end);
    }
  }
  take(kind.always.data(), kind.always.data() + kind.always.size());
  while (lists > 0) {
    int first = 0;
    for (int i = 1; i < lists; ++i) {
      if (*heads[i] < *heads[first]) first = i;
    }
    const uint32_t index = *heads[first]++;
    if (heads[first] == ends[first]) {
      heads[first] = heads[lists - 1];
      ends[first] = ends[lists - 1];
      --lists;
    }
    if (verify(index, event, listener) && !visit(index)) return;
  }
}

}  // namespace sockshim
