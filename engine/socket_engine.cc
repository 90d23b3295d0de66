// SPDX-License-Identifier: Apache-2.0
#include "engine/socket_engine.h"

#include "config/enforce.h"
#include "engine/apply.h"

namespace sockshim {
namespace {

// The catalogue options in |options|, as a set like enforced_on()'s.
uint32_t option_bits(const OptionList& options) {
  uint32_t bits = 0;
  for (int i = 0; i < options.size; ++i) {
    if (options.items[i].id != OptionId::count_) bits |= 1u << static_cast<unsigned>(options.items[i].id);
  }
  return bits;
}

}  // namespace

SocketSettings SocketEngine::decide(SocketEvent event, const Endpoint& listener) const {
  event.program = program_;
  return policy_.decide(event, listener);
}

EventOutcome SocketEngine::apply(int fd, const OptionList& options, const char* event_name) {
  EventOutcome outcome;
  outcome.decided = true;
  outcome.refused = apply_options(ops_, fd, options, event_name);  // keeps errno
  outcome.applied = options.size - outcome.refused;
  return outcome;
}

EventOutcome SocketEngine::apply(int fd, const SocketSettings& wanted, const SocketSettings& already,
                                 SocketTarget target, const char* event_name) {
  EventOutcome outcome = apply(fd, options_to_apply(wanted, already, target), event_name);
  outcome.enforced = enforced_on(wanted, target);
  return outcome;
}

EventOutcome SocketEngine::created(int fd, SocketKind kind, FreshValues* fresh) {
  const OptionList& options = summary_.creation_options[kind.ipv6][kind.udp];
  const uint32_t enforced = summary_.creation_enforced[kind.ipv6][kind.udp];
  if (!fresh) {
    EventOutcome outcome = apply(fd, options, "socket");
    outcome.enforced = enforced;
    return outcome;
  }
  ErrnoGuard keep_errno;
  const OptionList untouched = untouched_by_program(ops_, fd, kind, options, fresh);
  EventOutcome outcome = apply(fd, untouched, "socket");
  // Enforced only where the config's value was set: the program's own stays.
  outcome.enforced = enforced & option_bits(untouched);
  return outcome;
}

EventOutcome SocketEngine::connecting(int fd, const sockaddr* address, socklen_t length, const SocketKind* kind) {
  if (!summary_.connect_rules) return {};
  SocketEvent event;
  event.kind = SocketEventKind::connect;
  event.program = program_;
  bool remote_ipv6 = false;
  if (!endpoint_from(address, length, &event.remote, kind ? &remote_ipv6 : &event.ipv6)) return {};
  if (kind) {
    event.ipv6 = kind->ipv6;
    event.udp = kind->udp;
  }
  if (!policy_.any_rule_matches(event)) return {};
  ErrnoGuard keep_errno;
  if (!kind && !tcp_or_udp(ops_, fd, &event.udp)) return {};
  return apply(fd, decide(event), summary_.at_creation[event.ipv6][event.udp], SocketTarget{event.ipv6, event.udp},
               "connect");
}

EventOutcome SocketEngine::bound(int fd, bool udp, const SocketKind* kind, const Endpoint* local) {
  if (!summary_.listen_rules) return {};
  ErrnoGuard keep_errno;
  SocketEvent event;
  event.kind = SocketEventKind::listen;
  if (kind) {
    event.ipv6 = kind->ipv6;
    event.udp = kind->udp;
  } else if (!tcp_or_udp(ops_, fd, &event.udp)) {
    return {};
  }
  if (event.udp != udp) return {};
  bool local_ipv6 = false;
  if (local) {
    event.local = *local;
  } else if (!local_endpoint(ops_, fd, &event.local, kind ? &local_ipv6 : &event.ipv6)) {
    return {};
  }
  return apply(fd, decide(event), summary_.at_creation[event.ipv6][udp],
               SocketTarget{event.ipv6, udp, /*listener=*/!udp}, udp ? "bind" : "listen");
}

// The rules are matched on the peer first, as at connect(); the kernel is
// asked about the socket only when one can match.
EventOutcome SocketEngine::accepted(int listener_fd, int fd, const sockaddr* address, socklen_t filled) {
  if (!summary_.accept_rules) return {};
  ErrnoGuard keep_errno;
  SocketEvent event;
  event.kind = SocketEventKind::accept;
  bool peer_ipv6 = false;
  if (!endpoint_from(address, filled, &event.remote, &peer_ipv6) && policy_.accept_depends_on_peer()) {
    peer_endpoint(ops_, fd, &event.remote);
  }
  if (!policy_.accept_may_change(event.remote)) return {};
  if (!local_endpoint(ops_, fd, &event.local, &event.ipv6)) return {};
  if (!tcp_or_udp(ops_, fd, &event.udp) || event.udp) return {};
  if (!event.remote.known) peer_endpoint(ops_, fd, &event.remote);
  SocketEvent listening;
  listening.kind = SocketEventKind::listen;
  listening.ipv6 = event.ipv6;
  local_endpoint(ops_, listener_fd, &listening.local, &peer_ipv6);
  const SocketTarget as_listener{event.ipv6, /*udp=*/false, /*listener=*/true};
  const SocketSettings copied = copied_on_accept(applicable(decide(listening), as_listener));
  return apply(fd, decide(event, listening.local), copied,
               SocketTarget{event.ipv6, /*udp=*/false, /*listener=*/false, /*accepted=*/true}, "accept");
}

uint32_t SocketEngine::inherited_enforcement(int fd, bool ipv6) {
  ErrnoGuard keep_errno;
  SocketEvent listen_event;
  listen_event.kind = SocketEventKind::listen;
  listen_event.ipv6 = ipv6;
  bool local_ipv6 = false;
  local_endpoint(ops_, fd, &listen_event.local, &local_ipv6);
  // Enforced on it: what its listener had enforced and the kernel copied.
  const SocketSettings listener = applicable(decide(listen_event), SocketTarget{ipv6, /*udp=*/false, /*listener=*/true});
  const OptionList copied =
      options_to_apply(copied_on_accept(listener), SocketSettings(), SocketTarget{ipv6, /*udp=*/false});
  return enforced_on(listener, SocketTarget{ipv6, /*udp=*/false}) & option_bits(copied);
}

bool keeps_enforced_value(uint32_t enforced_on_socket, int level, int name) {
  return (enforcement_bit(level, name) & enforced_on_socket) != 0;
}

}  // namespace sockshim
