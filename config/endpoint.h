// SPDX-License-Identifier: Apache-2.0
// A socket address as rules see it: an IP address (IPv4-mapped IPv6 counted
// as IPv4) and a port.
#pragma once

#include <sys/socket.h>

#include <cstdint>

#include "config/address.h"

namespace sockshim {

struct Endpoint {
  bool known = false;
  IpAddress address;
  uint16_t port = 0;
};

// An AF_INET/AF_INET6 address as an Endpoint; false for any other family or
// a length too short for it. |ipv6| tells the address family.
bool endpoint_from(const struct sockaddr* address, socklen_t length, Endpoint* endpoint,
                   bool* ipv6);

}  // namespace sockshim
