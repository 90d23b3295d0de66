// SPDX-License-Identifier: Apache-2.0
// What the kernel knows about a socket, in the terms decide() uses, asked
// through the front-end's SocketOps.
#pragma once

#include <sys/socket.h>

#include <cerrno>

#include "config/decide.h"
#include "config/endpoint.h"
#include "engine/socket_ops.h"

namespace sockshim {

// A socket's family and protocol, as decide() and the catalogue need them.
struct SocketKind {
  bool ipv6 = false;
  bool udp = false;
};

// getsockname()/getpeername() as Endpoints; false for non-IP sockets.
bool local_endpoint(SocketOps& ops, int fd, Endpoint* endpoint, bool* ipv6);
bool peer_endpoint(SocketOps& ops, int fd, Endpoint* endpoint);

// TCP or UDP (SO_PROTOCOL); false for anything else (SCTP, raw, unix...).
// Multipath TCP counts as TCP: its sockets take the keepalive and buffer
// options (Linux 6.x refuses only TCP_USER_TIMEOUT, which is then reported).
bool tcp_or_udp(SocketOps& ops, int fd, bool* udp);

// Family (SO_DOMAIN) and protocol; false for anything but TCP and UDP over
// IPv4/IPv6.
bool classify(SocketOps& ops, int fd, SocketKind* kind);

// A TCP socket that is already connected or listening.
bool connected_or_listening(SocketOps& ops, int fd);

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
