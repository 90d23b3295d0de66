// SPDX-License-Identifier: Apache-2.0
// shim/apply.cc sets options through sockshim::real::setsockopt, which in
// the preload goes past the library's own setsockopt hook. The supervisor
// has no hooks: the C library's setsockopt is the real one.
#include <sys/socket.h>

#include "shim/real_calls.h"

namespace sockshim::real {

int setsockopt(int fd, int level, int name, const void* value, socklen_t length) {
  return ::setsockopt(fd, level, name, value, length);
}

}  // namespace sockshim::real
