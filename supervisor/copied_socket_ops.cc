// SPDX-License-Identifier: Apache-2.0
#include "supervisor/copied_socket_ops.h"

#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace sockshim::supervisor {

CopiedSocketOps::~CopiedSocketOps() {
  if (netns_ >= 0) ::close(netns_);
}

void CopiedSocketOps::use_network_namespace(int netns) {
  if (netns_ >= 0) ::close(netns_);
  netns_ = netns;
}

int CopiedSocketOps::setsockopt(int fd, int level, int name, const void* value, socklen_t length) {
  if (timing_) timing_->engine_call_starts();
  const int result = ::setsockopt(fd, level, name, value, length);
  if (timing_) timing_->engine_call_ends(TrapPart::option_writes);
  return result;
}

int CopiedSocketOps::getsockopt(int fd, int level, int name, void* value, socklen_t* length) {
  if (timing_) timing_->engine_call_starts();
  const int result = ::getsockopt(fd, level, name, value, length);
  if (timing_) timing_->engine_call_ends(TrapPart::untouched_reads);
  return result;
}

int CopiedSocketOps::getsockname(int fd, sockaddr* address, socklen_t* length) {
  return ::getsockname(fd, address, length);
}

int CopiedSocketOps::getpeername(int fd, sockaddr* address, socklen_t* length) {
  return ::getpeername(fd, address, length);
}

int CopiedSocketOps::fresh_socket(bool ipv6, bool udp) {
  const int domain = ipv6 ? AF_INET6 : AF_INET;
  const int type = (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC;
  int fd = -1;
  if (netns_ >= 0) {
    // A thread's network namespace is its own: this one enters the other,
    // makes the socket there, and ends; the descriptor stays ours.
    std::thread maker([&] {
      if (setns(netns_, CLONE_NEWNET) == 0) fd = ::socket(domain, type, 0);
    });
    maker.join();
  }
  return fd >= 0 ? fd : ::socket(domain, type, 0);
}

void CopiedSocketOps::close(int fd) { ::close(fd); }

}  // namespace sockshim::supervisor
