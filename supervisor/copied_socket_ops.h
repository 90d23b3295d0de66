// SPDX-License-Identifier: Apache-2.0
// The engine's way to the kernel in the supervisor: the C library's calls on
// the supervisor's pidfd_getfd copy of the program's descriptor (the same
// socket), and fresh sockets made in the program's network namespace.
// Where the kernel offers io_uring's socket commands, several option reads,
// and the writes of one event, take one system call instead of one each.
#pragma once

#include <utility>
#include <vector>

#include "engine/socket_ops.h"
#include "supervisor/socket_option_ring.h"
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

  // Reads the SOL_SOCKET |options| (level, name) of the socket |fd| at once,
  // where io_uring's commands work here (else nothing): a getsockopt of one
  // of them on |fd| is then answered with what was read, until a
  // setsockopt of it or forget_read_ahead(). For one trapped call, while the
  // program's thread waits: |fd| must be a socket (see SocketOptionRing).
  void read_ahead(int fd, const std::vector<std::pair<int, int>>& options);
  void forget_read_ahead() {
    read_ahead_.clear();
    read_ahead_fd_ = -1;
  }

  int setsockopt(int fd, int level, int name, const void* value, socklen_t length) override;
  int getsockopt(int fd, int level, int name, void* value, socklen_t* length) override;
  int getsockname(int fd, sockaddr* address, socklen_t* length) override;
  int getpeername(int fd, sockaddr* address, socklen_t* length) override;
  void set_options(int fd, const SocketOption* options, int count, int* errors) override;
  int fresh_socket(bool ipv6, bool udp) override;
  void close(int fd) override;

 private:
  // One option's value as read ahead (the bytes a 16-byte buffer gets).
  struct ReadAhead {
    int level = 0;
    int name = 0;
    int result = 0;  // the length read, or -errno
    unsigned char value[16] = {};
  };
  // The value read ahead for (level, name) of |fd|, where a getsockopt
  // with |length| would get the same; nullptr otherwise.
  const ReadAhead* read_ahead_for(int fd, int level, int name, socklen_t length) const;
  // A write of (level, name): what was read ahead of it is old.
  void forget(int level, int name);

  int netns_ = -1;
  TrapTiming* timing_ = nullptr;
  SocketOptionRing ring_;
  int read_ahead_fd_ = -1;
  std::vector<ReadAhead> read_ahead_;
};

}  // namespace sockshim::supervisor
