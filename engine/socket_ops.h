// SPDX-License-Identifier: Apache-2.0
// How the engine reaches the kernel: every call it makes on a socket goes
// through this interface, which each front-end implements for the
// descriptor it holds (the preload: the program's own, with the C library's
// real setsockopt behind its hook; the supervisor: a pidfd_getfd copy). The
// tests implement it with a fake kernel. Passed in, not swapped at link
// time, so that both front-ends and the tests link the same engine.
#pragma once

#include <sys/socket.h>

#include <cerrno>

#include "config/decide.h"

namespace sockshim {

class SocketOps {
 public:
  // As the C functions: 0 or -1 with errno.
  virtual int setsockopt(int fd, int level, int name, const void* value, socklen_t length) = 0;
  virtual int getsockopt(int fd, int level, int name, void* value, socklen_t* length) = 0;
  virtual int getsockname(int fd, sockaddr* address, socklen_t* length) = 0;
  virtual int getpeername(int fd, sockaddr* address, socklen_t* length) = 0;
  // setsockopt of each of the |count| |options| on |fd|, in order;
  // |errors|[i] is 0 or the errno of options[i]. A front-end that can make
  // several calls in one system call (the supervisor) does so here.
  virtual void set_options(int fd, const SocketOption* options, int count, int* errors) {
    for (int i = 0; i < count; ++i) {
      errors[i] = setsockopt(fd, options[i].level, options[i].name, options[i].data, options[i].length) == 0 ? 0 : errno;
    }
  }
  // A new socket of this family and protocol as the program would get it
  // (the supervisor: in the program's network namespace), to read what a
  // fresh socket's options are; -1 when none can be made.
  virtual int fresh_socket(bool ipv6, bool udp) = 0;
  virtual void close(int fd) = 0;

 protected:
  // Implementations live on the stack or in their front-end's object; the
  // engine never deletes one (and the preload links no operator delete).
  ~SocketOps() = default;
};

}  // namespace sockshim
