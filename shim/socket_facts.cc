// SPDX-License-Identifier: Apache-2.0
#include "shim/socket_facts.h"

#include <netinet/in.h>

#include <cerrno>
#include <cstring>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262  // Linux 5.6; older C library headers lack the name
#endif

namespace sockshim {

bool local_endpoint(int fd, Endpoint* endpoint, bool* ipv6) {
  sockaddr_storage address;
  socklen_t length = sizeof address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return false;
  return endpoint_from(reinterpret_cast<sockaddr*>(&address), length, endpoint, ipv6);
}

bool peer_endpoint(int fd, Endpoint* endpoint) {
  sockaddr_storage address;
  socklen_t length = sizeof address;
  bool ipv6 = false;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return false;
  return endpoint_from(reinterpret_cast<sockaddr*>(&address), length, endpoint, &ipv6);
}

bool tcp_or_udp(int fd, bool* udp) {
  int protocol = 0;
  socklen_t length = sizeof protocol;
  if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &length) != 0) return false;
  *udp = protocol == IPPROTO_UDP;
  return protocol == IPPROTO_TCP || protocol == IPPROTO_MPTCP || protocol == IPPROTO_UDP;
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
