// SPDX-License-Identifier: Apache-2.0
// The exported hooks. Each calls the real function, keeps its result, and
// hands the socket to the engine (engine/socket_engine.h), which leaves
// errno as it found it; connect() and listen() call the engine first, since
// their options must be in place before the real call. setsockopt is the one hook that may not call the real function:
// for an option the config enforces on that socket (config/enforce.h).
#include <sys/socket.h>

#include "engine/socket_engine.h"
#include "engine/socket_facts.h"
#include "shim/enforced_sockets.h"
#include "shim/libc_socket_ops.h"
#include "shim/real_calls.h"
#include "shim/runtime.h"

#define SOCKSHIM_EXPORT __attribute__((visibility("default")))

namespace sockshim {
namespace {

// Each hook first checks, with what the summary says about the policy, that
// the event can change something: while nothing can, a hook costs one atomic
// load. Then the engine (engine/socket_engine.h) does the work on the
// program's own descriptor, and the hook remembers what is now enforced.

void on_socket_created(int fd, int domain, int type, int protocol) {
  bool udp = false;
  if (!tcp_or_udp(domain, type, protocol, &udp)) return;
  const Runtime* state = runtime();
  if (!state || !state->policy) return;
  LibcSocketOps ops;
  SocketEngine engine(ops, *state->policy, state->summary, state->program);
  remember_enforced(fd, engine.created(fd, SocketKind{domain == AF_INET6, udp}).enforced);  // keeps errno
}

void remember(int fd, const EventOutcome& outcome) {
  if (outcome.decided) remember_enforced(fd, outcome.enforced);
}

void before_connect(int fd, const struct sockaddr* address, socklen_t length) {
  const Runtime* state = runtime();
  if (!state || !state->policy || !state->summary.connect_rules) return;
  LibcSocketOps ops;
  SocketEngine engine(ops, *state->policy, state->summary, state->program);
  remember(fd, engine.connecting(fd, address, length));
}

void apply_bound_address_rules(int fd, bool udp) {
  const Runtime* state = runtime();
  if (!state || !state->policy || !state->summary.listen_rules) return;
  LibcSocketOps ops;
  SocketEngine engine(ops, *state->policy, state->summary, state->program);
  remember(fd, engine.bound(fd, udp));
}

// |capacity| is the size of the caller's address buffer: the kernel reports
// the full length even when it truncated the address.
void after_accept(int listener_fd, int fd, const struct sockaddr* address,
                  const socklen_t* length, socklen_t capacity) {
  const Runtime* state = runtime();
  if (!state || !state->policy || !state->summary.accept_rules) return;
  const socklen_t filled = length && *length < capacity ? *length : capacity;
  LibcSocketOps ops;
  SocketEngine engine(ops, *state->policy, state->summary, state->program);
  remember(fd, engine.accepted(listener_fd, fd, address, filled));
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
    sockshim::apply_bound_address_rules(fd, /*udp=*/true);
  }
  return result;
}

SOCKSHIM_EXPORT int listen(int fd, int backlog) {
  sockshim::apply_bound_address_rules(fd, /*udp=*/false);
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
