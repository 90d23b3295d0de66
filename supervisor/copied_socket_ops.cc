// SPDX-License-Identifier: Apache-2.0
#include "supervisor/copied_socket_ops.h"

#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace sockshim::supervisor {
namespace {

// Fewer calls than this are cheaper one by one: io_uring_enter costs more
// than one getsockopt or setsockopt, each command in it much less.
constexpr int kBatchFrom = 3;

}  // namespace

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
  if (fd == read_ahead_fd_) forget(level, name);
  return result;
}

void CopiedSocketOps::set_options(int fd, const SocketOption* options, int count, int* errors) {
  SocketOptionRing::Command commands[SocketOptionRing::kCapacity];
  if (count >= kBatchFrom && count <= SocketOptionRing::kCapacity && ring_.available()) {
    for (int i = 0; i < count; ++i) {
      commands[i].set = true;
      commands[i].level = options[i].level;
      commands[i].name = options[i].name;
      commands[i].value = const_cast<unsigned char*>(options[i].data);  // read only, by the kernel
      commands[i].length = options[i].length;
    }
    if (timing_) timing_->engine_call_starts();
    const bool ran = ring_.run(fd, commands, count);
    if (timing_) timing_->engine_call_ends(TrapPart::option_writes);
    if (ran) {
      for (int i = 0; i < count; ++i) {
        errors[i] = commands[i].result < 0 ? -commands[i].result : 0;
        if (fd == read_ahead_fd_) forget(options[i].level, options[i].name);
      }
      return;
    }
  }
  SocketOps::set_options(fd, options, count, errors);
}

void CopiedSocketOps::read_ahead(int fd, const std::vector<std::pair<int, int>>& options) {
  read_ahead_.clear();
  read_ahead_fd_ = fd;
  const int count = static_cast<int>(options.size());
  if (count < kBatchFrom || count > SocketOptionRing::kCapacity || !ring_.available()) return;
  read_ahead_.resize(options.size());
  SocketOptionRing::Command commands[SocketOptionRing::kCapacity];
  for (int i = 0; i < count; ++i) {
    read_ahead_[i].level = options[i].first;
    read_ahead_[i].name = options[i].second;
    commands[i].level = options[i].first;
    commands[i].name = options[i].second;
    commands[i].value = read_ahead_[i].value;
    commands[i].length = sizeof read_ahead_[i].value;
  }
  if (!ring_.run(fd, commands, count)) {
    read_ahead_.clear();
    return;
  }
  for (int i = 0; i < count; ++i) read_ahead_[i].result = commands[i].result;
}

void CopiedSocketOps::forget(int level, int name) {
  for (ReadAhead& entry : read_ahead_) {
    if (entry.level == level && entry.name == name) entry.level = entry.name = -1;
  }
}

const CopiedSocketOps::ReadAhead* CopiedSocketOps::read_ahead_for(int fd, int level, int name,
                                                                  socklen_t length) const {
  if (fd != read_ahead_fd_) return nullptr;
  for (const ReadAhead& entry : read_ahead_) {
    if (entry.level != level || entry.name != name) continue;
    if (entry.result < 0) return &entry;
    // The kernel writes min(length asked, the option's size): the same
    // bytes when |length| is at least what was written, unless the value
    // filled the whole buffer (it may be longer than that).
    const socklen_t written = static_cast<socklen_t>(entry.result);
    const bool same = length >= written && (written < sizeof entry.value || length == sizeof entry.value);
    return same ? &entry : nullptr;
  }
  return nullptr;
}

int CopiedSocketOps::getsockopt(int fd, int level, int name, void* value, socklen_t* length) {
  if (const ReadAhead* known = read_ahead_for(fd, level, name, *length)) {
    if (known->result < 0) {
      errno = -known->result;
      return -1;
    }
    std::memcpy(value, known->value, static_cast<size_t>(known->result));
    *length = static_cast<socklen_t>(known->result);
    return 0;
  }
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
