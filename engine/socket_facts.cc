// SPDX-License-Identifier: Apache-2.0
#include "engine/socket_facts.h"

#include <netinet/in.h>

#include <cerrno>
#include <cstring>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262  // Linux 5.6; older C library headers lack the name
#endif

namespace sockshim {

bool local_endpoint(SocketOps& ops, int fd, Endpoint* endpoint, bool* ipv6) {
  sockaddr_storage address;
  socklen_t length = sizeof address;
  if (ops.getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return false;
  return endpoint_from(reinterpret_cast<sockaddr*>(&address), length, endpoint, ipv6);
}

bool peer_endpoint(SocketOps& ops, int fd, Endpoint* endpoint) {
  sockaddr_storage address;
  socklen_t length = sizeof address;
  bool ipv6 = false;
  if (ops.getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return false;
  return endpoint_from(reinterpret_cast<sockaddr*>(&address), length, endpoint, &ipv6);
}

bool tcp_or_udp(SocketOps& ops, int fd, bool* udp) {
  int protocol = 0;
  socklen_t length = sizeof protocol;
  if (ops.getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &length) != 0) return false;
  *udp = protocol == IPPROTO_UDP;
  return protocol == IPPROTO_TCP || protocol == IPPROTO_MPTCP || protocol == IPPROTO_UDP;
}

bool classify(SocketOps& ops, int fd, SocketKind* kind) {
  int domain = 0;
  socklen_t length = sizeof domain;
  if (ops.getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) != 0) return false;
  if (domain != AF_INET && domain != AF_INET6) return false;
  kind->ipv6 = domain == AF_INET6;
  return tcp_or_udp(ops, fd, &kind->udp);
}

bool connected_or_listening(SocketOps& ops, int fd) {
  sockaddr_storage peer;
  socklen_t length = sizeof peer;
  if (ops.getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) == 0) return true;
  int value = 0;
  socklen_t value_length = sizeof value;
  return ops.getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &value, &value_length) == 0 && value;
}

bool tcp_or_udp(int domain, int type, int protocol, bool* udp) {
  if (domain != AF_INET && domain != AF_INET6) return false;
  const int base_type = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (base_type == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP || protocol == IPPROTO_MPTCP)) {
    *udp = false;
    return true;
  }
  if (base_type == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP)) {
    *udp = true;
    return true;
  }
  return false;
}

}  // namespace sockshim
