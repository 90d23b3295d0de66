// SPDX-License-Identifier: Apache-2.0
#include "config/endpoint.h"

#include <netinet/in.h>

#include <cstring>

namespace sockshim {

bool endpoint_from(const struct sockaddr* address, socklen_t length, Endpoint* endpoint,
                   bool* ipv6) {
  if (!address || length < sizeof(sa_family_t)) return false;
  if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    sockaddr_in in4;
    std::memcpy(&in4, address, sizeof in4);
    uint8_t bytes[4];
    std::memcpy(bytes, &in4.sin_addr, sizeof bytes);
    endpoint->address = IpAddress::v4(bytes);
    endpoint->port = ntohs(in4.sin_port);
    *ipv6 = false;
  } else if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6;
    std::memcpy(&in6, address, sizeof in6);
    uint8_t bytes[16];
    std::memcpy(bytes, &in6.sin6_addr, sizeof bytes);
    endpoint->address = IpAddress::v6(bytes);
    endpoint->port = ntohs(in6.sin6_port);
    *ipv6 = true;
  } else {
    return false;
  }
  endpoint->known = true;
  return true;
}

}  // namespace sockshim
