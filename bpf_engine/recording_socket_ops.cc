// SPDX-License-Identifier: Apache-2.0
#include "bpf_engine/recording_socket_ops.h"

#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sockshim::bpf_engine {
namespace {

// |endpoint| as a socket of family |ipv6| reports it (IPv4 on an IPv6
// socket: IPv4-mapped).
socklen_t to_sockaddr(const Endpoint& endpoint, bool ipv6, sockaddr_storage* out) {
  std::memset(out, 0, sizeof *out);
  if (!ipv6) {
    sockaddr_in in4{};
    in4.sin_family = AF_INET;
    in4.sin_port = htons(endpoint.port);
    std::memcpy(&in4.sin_addr, endpoint.address.bytes, 4);
    std::memcpy(out, &in4, sizeof in4);
    return sizeof in4;
  }
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(endpoint.port);
  if (endpoint.address.is_v6) {
    std::memcpy(&in6.sin6_addr, endpoint.address.bytes, 16);
  } else {
    in6.sin6_addr.s6_addr[10] = in6.sin6_addr.s6_addr[11] = 0xff;
    std::memcpy(&in6.sin6_addr.s6_addr[12], endpoint.address.bytes, 4);
  }
  std::memcpy(out, &in6, sizeof in6);
  return sizeof in6;
}

int answer_address(const Endpoint& endpoint, bool ipv6, sockaddr* address, socklen_t* length) {
  sockaddr_storage storage;
  const socklen_t full = to_sockaddr(endpoint, ipv6, &storage);
  std::memcpy(address, &storage, *length < full ? *length : full);
  *length = full;
  return 0;
}

}  // namespace

RecordingSocketOps::RecordingSocketOps(SocketKind kind, const Endpoint& local, const Endpoint& peer,
                                       const Endpoint& listener_local)
    : kind_(kind), local_(local), peer_(peer), listener_local_(listener_local) {
  defaults_fd_ = fresh_socket(kind.ipv6, kind.udp);
}

RecordingSocketOps::~RecordingSocketOps() {
  if (defaults_fd_ >= 0) ::close(defaults_fd_);
}

int RecordingSocketOps::setsockopt(int, int level, int name, const void* value, socklen_t length) {
  RecordedOption recorded;
  const CatalogueEntry* entry = find_option_by_level_name(level, name);
  recorded.option.id = entry ? entry->id : OptionId::count_;
  recorded.option.level = level;
  recorded.option.name = name;
  if (length > sizeof recorded.option.data) {
    errno = EINVAL;
    return -1;
  }
  recorded.option.length = length;
  std::memcpy(recorded.option.data, value, length);
  if (length == sizeof(int)) std::memcpy(&recorded.option.value, value, sizeof(int));
  recorded.at_socket = at_socket_;
  recorded_.push_back(recorded);
  return 0;
}

int RecordingSocketOps::getsockopt(int, int level, int name, void* value, socklen_t* length) {
  if (defaults_fd_ < 0) {
    errno = EBADF;
    return -1;
  }
  return ::getsockopt(defaults_fd_, level, name, value, length);
}

int RecordingSocketOps::getsockname(int fd, sockaddr* address, socklen_t* length) {
  return answer_address(fd == kListener ? listener_local_ : local_, kind_.ipv6, address, length);
}

int RecordingSocketOps::getpeername(int fd, sockaddr* address, socklen_t* length) {
  if (fd == kListener || !peer_.known) {
    errno = ENOTCONN;
    return -1;
  }
  return answer_address(peer_, kind_.ipv6, address, length);
}

int RecordingSocketOps::fresh_socket(bool ipv6, bool udp) {
  return ::socket(ipv6 ? AF_INET6 : AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
}

void RecordingSocketOps::close(int fd) {
  if (fd != kSocket && fd != kListener) ::close(fd);
}

}  // namespace sockshim::bpf_engine
