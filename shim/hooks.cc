// SPDX-License-Identifier: Apache-2.0
// The exported hooks. Each calls the real function, keeps its result, and
// hands the socket to the event handlers below, which leave errno as they
// found it. setsockopt is the one hook that may not call the real function:
// for an option the config enforces on that socket (config/enforce.h).
#include <sys/socket.h>

#include "config/decide.h"
#include "config/enforce.h"
#include "config/policy_summary.h"
#include "shim/apply.h"
#include "shim/enforced_sockets.h"
#include "shim/real_calls.h"
#include "shim/runtime.h"
#include "shim/socket_facts.h"

#define SOCKSHIM_EXPORT __attribute__((visibility("default")))

namespace sockshim {
namespace {

SocketSettings decide_for(const Runtime& state, SocketEvent event, const Endpoint& listener = {}) {
  event.program = state.program;
  return state.policy->decide(event, listener);
}

void on_socket_created(int fd, int domain, int type, int protocol) {
  bool udp = false;
  if (!tcp_or_udp(domain, type, protocol, &udp)) return;
  const Runtime* state = runtime();
  if (!state || !state->policy) return;
  const OptionList& options = state->summary.creation_options[domain == AF_INET6][udp];
  if (options.size > 0) apply_options(fd, options, "socket");  // keeps errno
  remember_enforced(fd, state->summary.creation_enforced[domain == AF_INET6][udp]);  // keeps errno
}

// Sets what |wanted| adds to |already| on |fd|, and remembers what is
// enforced on it from now on.
void apply_and_remember(int fd, const SocketSettings& wanted, const SocketSettings& already,
                        SocketTarget target, const char* event_name) {
  apply_options(fd, options_to_apply(wanted, already, target), event_name);
  remember_enforced(fd, enforced_on(wanted, target));
}

// Before the real connect(): options that shape the SYN must be in place.
// Only when a rule matches the destination is the kernel asked whether the
// socket is TCP or UDP.
void before_connect(int fd, const struct sockaddr* address, socklen_t length) {
  const Runtime* found = runtime();
  if (!found || !found->policy || !found->summary.connect_rules) return;
  const Runtime& state = *found;
  SocketEvent event;
  event.kind = SocketEventKind::connect;
  event.program = state.program;
  if (!endpoint_from(address, length, &event.remote, &event.ipv6)) return;
  if (!state.policy->any_rule_matches(event)) return;
  ErrnoGuard keep_errno;
  if (!tcp_or_udp(fd, &event.udp)) return;
  apply_and_remember(fd, decide_for(state, event), state.summary.at_creation[event.ipv6][event.udp],
                     SocketTarget{event.ipv6, event.udp}, "connect");
}

// Rules for the bound address ("listen" direction): for TCP before the real
// listen(), since the kernel copies a listener's options into every socket
// it accepts; for UDP after bind(), since UDP has no listen().
void apply_bound_address_rules(int fd, bool udp, const char* event_name) {
  const Runtime* found = runtime();
  if (!found || !found->policy || !found->summary.listen_rules) return;
  const Runtime& state = *found;
  ErrnoGuard keep_errno;
  SocketEvent event;
  event.kind = SocketEventKind::listen;
  if (!tcp_or_udp(fd, &event.udp) || event.udp != udp) return;
  if (!local_endpoint(fd, &event.local, &event.ipv6)) return;
  apply_and_remember(fd, decide_for(state, event), state.summary.at_creation[event.ipv6][udp],
                     SocketTarget{event.ipv6, udp, /*listener=*/!udp}, event_name);
}

// Only what differs from what the kernel copied from the listener is set:
// accept rules, and the options the kernel does not copy. The rules are
// matched on the peer first, as at connect(); the kernel is asked about the
// socket only when one can match.
// |capacity| is the size of the caller's address buffer: the kernel reports
// the full length even when it truncated the address.
void after_accept(int listener_fd, int fd, const struct sockaddr* address,
                  const socklen_t* length, socklen_t capacity) {
  const Runtime* found = runtime();
  if (!found || !found->policy || !found->summary.accept_rules) return;
  const Runtime& state = *found;
  ErrnoGuard keep_errno;
  SocketEvent event;
  event.kind = SocketEventKind::accept;
  bool peer_ipv6 = false;
  const socklen_t filled = length && *length < capacity ? *length : capacity;
  if (!endpoint_from(address, filled, &event.remote, &peer_ipv6) && state.policy->accept_depends_on_peer()) {
    peer_endpoint(fd, &event.remote);
  }
  if (!state.policy->accept_may_change(event.remote)) return;
  if (!local_endpoint(fd, &event.local, &event.ipv6)) return;
  if (!tcp_or_udp(fd, &event.udp) || event.udp) return;
  if (!event.remote.known) peer_endpoint(fd, &event.remote);
  SocketEvent listening;
  listening.kind = SocketEventKind::listen;
  listening.ipv6 = event.ipv6;
  local_endpoint(listener_fd, &listening.local, &peer_ipv6);
  const SocketTarget as_listener{event.ipv6, /*udp=*/false, /*listener=*/true};
  const SocketSettings copied = copied_on_accept(applicable(decide_for(state, listening), as_listener));
  apply_and_remember(fd, decide_for(state, event, listening.local), copied,
                     SocketTarget{event.ipv6, /*udp=*/false, /*listener=*/false, /*accepted=*/true}, "accept");
}

}  // namespace
}  // namespace sockshim

extern "C" {

SOCKSHIM_EXPORT int socket(int domain, int type, int protocol) {
  const int fd = sockshim::real::socket(domain, type, protocol);
  if (fd >= 0) {
    sockshim::on_socket_created(fd, domain, type, protocol);
  }
  return fd;
}

SOCKSHIM_EXPORT int bind(int fd, const struct sockaddr* address, socklen_t length) {
  const int result = sockshim::real::bind(fd, address, length);
  if (result == 0) {
    sockshim::apply_bound_address_rules(fd, /*udp=*/true, "bind");
  }
  return result;
}

SOCKSHIM_EXPORT int listen(int fd, int backlog) {
  sockshim::apply_bound_address_rules(fd, /*udp=*/false, "listen");
  return sockshim::real::listen(fd, backlog);
}

SOCKSHIM_EXPORT int connect(int fd, const struct sockaddr* address, socklen_t length) {
  sockshim::before_connect(fd, address, length);
  return sockshim::real::connect(fd, address, length);
}

SOCKSHIM_EXPORT int accept(int fd, struct sockaddr* address, socklen_t* length) {
  const socklen_t capacity = address && length ? *length : 0;
  const int connection = sockshim::real::accept(fd, address, length);
  if (connection >= 0) {
    sockshim::after_accept(fd, connection, address, length, capacity);
  }
  return connection;
}

// Enforcement: the program's value for an option the config enforces on this
// socket is not passed on; the call succeeds and the configured value stays.
SOCKSHIM_EXPORT int setsockopt(int fd, int level, int name, const void* value, socklen_t length) {
  if (sockshim::keeps_configured_value(fd, level, name)) {
    return 0;
  }
  return sockshim::real::setsockopt(fd, level, name, value, length);
}

SOCKSHIM_EXPORT int accept4(int fd, struct sockaddr* address, socklen_t* length, int flags) {
  const socklen_t capacity = address && length ? *length : 0;
  const int connection = sockshim::real::accept4(fd, address, length, flags);
  if (connection >= 0) {
    sockshim::after_accept(fd, connection, address, length, capacity);
  }
  return connection;
}

}  // extern "C"
