// SPDX-License-Identifier: Apache-2.0
// Several getsockopt/setsockopt calls on one socket in one system call: an
// io_uring of our own with IORING_OP_URING_CMD's socket commands
// (SOCKET_URING_OP_GETSOCKOPT, SOCKET_URING_OP_SETSOCKOPT, Linux 6.7+). On
// a machine where every kernel entry is costly, the supervisor's per-call
// option reads and writes are most of its work beyond the round trip.
//
// Raw system calls, no liburing: the static command is built with musl, and
// older C library headers lack these commands' fields. Where the kernel has
// no io_uring, refuses it (kernel.io_uring_disabled, a container's seccomp
// profile) or lacks the socket commands, available() is false and the
// caller makes its plain calls.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>

namespace sockshim::supervisor {

class SocketOptionRing {
 public:
  // One command; |result| is filled in: getsockopt's length written (>= 0)
  // or setsockopt's 0, else -errno.
  struct Command {
    bool set = false;
    int level = 0;
    int name = 0;
    void* value = nullptr;
    socklen_t length = 0;
    int result = 0;
  };
  static constexpr int kCapacity = 32;

  SocketOptionRing() = default;
  SocketOptionRing(const SocketOptionRing&) = delete;
  SocketOptionRing& operator=(const SocketOptionRing&) = delete;
  ~SocketOptionRing();

  // Made and probed at the first call (a socket of our own: one read and
  // one write go through it as they would without the ring).
  bool available();

  // All |count| (at most kCapacity) commands on |fd| with one io_uring_enter.
  // Only the getsockopt of level SOL_SOCKET exists as a command (the
  // kernel's choice): other levels must not be given. |fd| must be a socket:
  // another file's URING_CMD means something else to its driver. False when
  // the ring failed (then it is closed, available() is false from then on,
  // and the caller makes its plain calls; a write already made is made
  // again, which changes nothing).
  bool run(int fd, Command* commands, int count);

 private:
  bool open();
  void close();
  bool probe();

  enum class State { untried, usable, unusable };
  State state_ = State::untried;
  int ring_ = -1;
  void* rings_ = nullptr;
  size_t rings_size_ = 0;
  void* entries_ = nullptr;
  size_t entries_size_ = 0;
  unsigned* submission_tail_ = nullptr;
  unsigned submission_mask_ = 0;
  unsigned* completion_head_ = nullptr;
  unsigned* completion_tail_ = nullptr;
  unsigned completion_mask_ = 0;
  void* completions_ = nullptr;
};

}  // namespace sockshim::supervisor
