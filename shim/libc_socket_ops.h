// SPDX-License-Identifier: Apache-2.0
// The engine's way to the kernel in the preload: the program's own
// descriptor, with setsockopt going past the library's own hook (which
// would keep enforced values) to the C library's.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include "engine/socket_ops.h"
#include "shim/real_calls.h"

namespace sockshim {

class LibcSocketOps final : public SocketOps {
 public:
  int setsockopt(int fd, int level, int name, const void* value, socklen_t length) override {
    return real::setsockopt(fd, level, name, value, length);
  }
  int getsockopt(int fd, int level, int name, void* value, socklen_t* length) override {
    return ::getsockopt(fd, level, name, value, length);
  }
  int getsockname(int fd, sockaddr* address, socklen_t* length) override {
    return ::getsockname(fd, address, length);
  }
  int getpeername(int fd, sockaddr* address, socklen_t* length) override {
    return ::getpeername(fd, address, length);
  }
  // Not asked by the preload, which sets socket()'s options before the
  // program can change them (no untouched rule); given for completeness.
  int fresh_socket(bool ipv6, bool udp) override {
    return real::socket(ipv6 ? AF_INET6 : AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  }
  void close(int fd) override { ::close(fd); }
};

}  // namespace sockshim
