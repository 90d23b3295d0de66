// SPDX-License-Identifier: Apache-2.0
// What the kernel knows about a socket, in the terms decide() uses.
#pragma once

#include <sys/socket.h>

#include <cerrno>

#include "config/decide.h"
#include "config/endpoint.h"

namespace sockshim {

// getsockname()/getpeername() as Endpoints; false for non-IP sockets.
bool local_endpoint(int fd, Endpoint* endpoint, bool* ipv6);
bool peer_endpoint(int fd, Endpoint* endpoint);

// TCP or UDP (SO_PROTOCOL); false for anything else (SCTP, raw, unix...).
// Multipath TCP counts as TCP: its sockets take the keepalive and buffer
// options (Linux 6.x refuses only TCP_USER_TIMEOUT, which is then reported).
bool tcp_or_udp(int fd, bool* udp);

// socket()'s arguments: TCP (or MPTCP) or UDP over IPv4/IPv6; the type's
// SOCK_NONBLOCK/SOCK_CLOEXEC bits do not matter.
bool tcp_or_udp(int domain, int type, int protocol, bool* udp);

// Restores errno when leaving the scope: the hooks' own calls never leak it.
class ErrnoGuard {
 public:
  ErrnoGuard() : saved_(errno) {}
  ~ErrnoGuard() { errno = saved_; }
  ErrnoGuard(const ErrnoGuard&) = delete;
  ErrnoGuard& operator=(const ErrnoGuard&) = delete;

 private:
  int saved_;
};

}  // namespace sockshim
