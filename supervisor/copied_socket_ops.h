// SPDX-License-Identifier: Apache-2.0
// The engine's way to the kernel in the supervisor: the C library's calls on
// the supervisor's pidfd_getfd copy of the program's descriptor (the same
// socket), and fresh sockets made in the program's network namespace.
#pragma once

#include "engine/socket_ops.h"
#include "supervisor/trap_timing.h"

namespace sockshim::supervisor {

class CopiedSocketOps final : public SocketOps {
 public:
  CopiedSocketOps() = default;
  CopiedSocketOps(const CopiedSocketOps&) = delete;
  CopiedSocketOps& operator=(const CopiedSocketOps&) = delete;
  ~CopiedSocketOps();

  // Fresh sockets are made in the network namespace |netns| (a descriptor
  // this object then owns) instead of ours: a container's namespace starts
  // from the kernel's defaults (7200 s keepalive), not from the host's
  // sysctls. Needs CAP_SYS_ADMIN; without it our own namespace is used.
  void use_network_namespace(int netns);

  // Laps of the engine's getsockopt and setsockopt calls, for the benchmark.
  void time_with(TrapTiming* timing) { timing_ = timing; }

  int setsockopt(int fd, int level, int name, const void* value, socklen_t length) override;
  int getsockopt(int fd, int level, int name, void* value, socklen_t* length) override;
  int getsockname(int fd, sockaddr* address, socklen_t* length) override;
  int getpeername(int fd, sockaddr* address, socklen_t* length) override;
  int fresh_socket(bool ipv6, bool udp) override;
  void close(int fd) override;

 private:
  int netns_ = -1;
  TrapTiming* timing_ = nullptr;
};

}  // namespace sockshim::supervisor
