// SPDX-License-Identifier: Apache-2.0
// A kernel for the engine's in-process tests: sockets with per-descriptor
// option values, a record of every call, and chosen failures.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/socket_ops.h"

namespace sockshim::testing {

class FakeKernel final : public SocketOps {
 public:
  struct Call {
    std::string function;  // "setsockopt", "getsockopt", ...
    int fd;
    int level;
    int name;
  };

  struct Socket {
    bool ipv6 = false;
    bool udp = false;
    bool listening = false;
    sockaddr_storage local = {};
    socklen_t local_length = 0;
    sockaddr_storage peer = {};
    socklen_t peer_length = 0;  // 0: not connected
    std::map<std::pair<int, int>, std::vector<unsigned char>> options;
  };

  ~FakeKernel() = default;

  // A new socket; its options start at fresh() values.
  int add_socket(bool ipv6, bool udp) {
    const int fd = next_fd_++;
    sockets_[fd].ipv6 = ipv6;
    sockets_[fd].udp = udp;
    return fd;
  }
  Socket& socket(int fd) { return sockets_.at(fd); }

  static sockaddr_storage address(const char* text, int port, socklen_t* length) {
    sockaddr_storage storage = {};
    if (std::strchr(text, ':')) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(static_cast<uint16_t>(port));
      inet_pton(AF_INET6, text, &in6->sin6_addr);
      *length = sizeof(sockaddr_in6);
    } else {
      auto* in = reinterpret_cast<sockaddr_in*>(&storage);
      in->sin_family = AF_INET;
      in->sin_port = htons(static_cast<uint16_t>(port));
      inet_pton(AF_INET, text, &in->sin_addr);
      *length = sizeof(sockaddr_in);
    }
    return storage;
  }
  void bind(int fd, const char* text, int port) {
    socket(fd).local = address(text, port, &socket(fd).local_length);
  }
  void connect(int fd, const char* text, int port) {
    socket(fd).peer = address(text, port, &socket(fd).peer_length);
  }

  // The value a fresh socket has: 64 for IP_TTL, IPV6_UNICAST_HOPS and
  // SO_RCVLOWAT 1, 0 for anything else.
  static int fresh(int level, int name) {
    if ((level == IPPROTO_IP && name == IP_TTL) || (level == IPPROTO_IPV6 && name == IPV6_UNICAST_HOPS)) return 64;
    if (level == SOL_SOCKET && name == SO_RCVLOWAT) return 1;
    return 0;
  }

  // The option's value as an int: what the engine set, else the fresh one.
  int value(int fd, int level, int name) {
    const auto& options = socket(fd).options;
    const auto found = options.find({level, name});
    if (found == options.end()) return fresh(level, name);
    int value = 0;
    std::memcpy(&value, found->second.data(), std::min(found->second.size(), sizeof value));
    return value;
  }
  // What the program itself sets, bypassing the engine's record.
  void program_sets(int fd, int level, int name, int value) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(&value);
    socket(fd).options[{level, name}].assign(bytes, bytes + sizeof value);
  }

  void fail_setsockopt(int level, int name, int error) { failures_[{level, name}] = error; }

  // The (level, name) of every setsockopt on |fd|, in order.
  std::vector<std::pair<int, int>> set_on(int fd) const {
    std::vector<std::pair<int, int>> set;
    for (const Call& call : calls_) {
      if (call.function == "setsockopt" && call.fd == fd) set.emplace_back(call.level, call.name);
    }
    return set;
  }
  int count(const std::string& function) const {
    int n = 0;
    for (const Call& call : calls_) n += call.function == function;
    return n;
  }
  int fresh_sockets_made() const { return fresh_sockets_made_; }
  size_t open_sockets() const { return sockets_.size(); }
  void forget_calls() { calls_.clear(); }

  int setsockopt(int fd, int level, int name, const void* value, socklen_t length) override {
    calls_.push_back({"setsockopt", fd, level, name});
    if (!sockets_.count(fd)) return fail(EBADF);
    const auto failure = failures_.find({level, name});
    if (failure != failures_.end()) return fail(failure->second);
    const auto* bytes = static_cast<const unsigned char*>(value);
    socket(fd).options[{level, name}].assign(bytes, bytes + length);
    return 0;
  }

  int getsockopt(int fd, int level, int name, void* value, socklen_t* length) override {
    calls_.push_back({"getsockopt", fd, level, name});
    if (!sockets_.count(fd)) return fail(EBADF);
    const Socket& s = socket(fd);
    int number = 0;
    if (level == SOL_SOCKET && name == SO_DOMAIN) {
      number = s.ipv6 ? AF_INET6 : AF_INET;
    } else if (level == SOL_SOCKET && name == SO_PROTOCOL) {
      number = s.udp ? IPPROTO_UDP : IPPROTO_TCP;
    } else if (level == SOL_SOCKET && name == SO_ACCEPTCONN) {
      number = s.listening;
    } else {
      const auto found = s.options.find({level, name});
      if (found != s.options.end()) {
        const socklen_t size = std::min<socklen_t>(*length, static_cast<socklen_t>(found->second.size()));
        std::memcpy(value, found->second.data(), size);
        *length = size;
        return 0;
      }
      number = fresh(level, name);
    }
    const socklen_t size = std::min<socklen_t>(*length, sizeof number);
    std::memcpy(value, &number, size);
    *length = size;
    return 0;
  }

  int getsockname(int fd, sockaddr* address, socklen_t* length) override {
    calls_.push_back({"getsockname", fd, 0, 0});
    if (!sockets_.count(fd)) return fail(EBADF);
    Socket& s = socket(fd);
    if (s.local_length == 0) bind(fd, s.ipv6 ? "::" : "0.0.0.0", 0);
    return copy_address(s.local, s.local_length, address, length);
  }

  int getpeername(int fd, sockaddr* address, socklen_t* length) override {
    calls_.push_back({"getpeername", fd, 0, 0});
    if (!sockets_.count(fd)) return fail(EBADF);
    const Socket& s = socket(fd);
    if (s.peer_length == 0) return fail(ENOTCONN);
    return copy_address(s.peer, s.peer_length, address, length);
  }

  int fresh_socket(bool ipv6, bool udp) override {
    calls_.push_back({"fresh_socket", -1, 0, 0});
    ++fresh_sockets_made_;
    return add_socket(ipv6, udp);
  }

  void close(int fd) override {
    calls_.push_back({"close", fd, 0, 0});
    sockets_.erase(fd);
  }

 private:
  static int fail(int error) {
    errno = error;
    return -1;
  }
  static int copy_address(const sockaddr_storage& from, socklen_t from_length, sockaddr* to, socklen_t* length) {
    std::memcpy(to, &from, std::min(*length, from_length));
    *length = from_length;
    return 0;
  }

  int next_fd_ = 100;
  int fresh_sockets_made_ = 0;
  std::map<int, Socket> sockets_;
  std::map<std::pair<int, int>, int> failures_;
  std::vector<Call> calls_;
};

}  // namespace sockshim::testing
