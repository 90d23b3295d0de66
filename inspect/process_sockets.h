// SPDX-License-Identifier: Apache-2.0
// Reading the socket options actually in effect on another process's TCP and
// UDP sockets: each descriptor is duplicated with pidfd_getfd(2) (Linux 5.6,
// needs ptrace rights over the process) and asked with getsockopt.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include <string>

#include "config/option_catalogue.h"
#include <vector>

namespace sockshim {

struct InspectedSocket {
  int fd = -1;
  bool udp = false;
  bool ipv6 = false;
  std::string local;   // "127.0.0.1:8080", "[::1]:443"
  std::string remote;  // empty when not connected
  bool listening = false;
  int keepalive = -1;
  int keepalive_idle_s = -1;
  int keepalive_interval_s = -1;
  int keepalive_count = -1;
  int receive_buffer = -1;
  int send_buffer = -1;
  int user_timeout_ms = -1;
  int nodelay = -1;
  // Every catalogue option as the kernel reports it, by OptionId: a number
  // (linger: -1 off, else seconds), a name (congestion), or empty when not
  // known (UDP for TCP options, sock_diag).
  std::string options[kOptionCount];
  // Read from sock_diag instead of the socket itself: only addresses,
  // buffers and a running keepalive timer are known; the rest stays -1.
  bool from_sock_diag = false;
};

// "127.0.0.1:8080" or "[::1]:443" from raw address bytes (network order) and
// a port in network order, as both the socket API and sock_diag give them.
std::string format_ip_endpoint(int family, const void* address, uint16_t network_port);

enum class InspectMethod {
  automatic,  // pidfd_getfd, and sock_diag where that is not allowed
  sock_diag,  // sock_diag only
};

// The IPv4/IPv6 TCP and UDP sockets of |pid|; false and |error| set when the
// process cannot be read at all: /proc/PID/fd, which both methods need,
// needs PTRACE_MODE_READ (the error says so). With automatic, a refused
// pidfd_getfd (PTRACE_MODE_ATTACH, or a seccomp filter) falls back to
// sock_diag, and |fallback_reason| says why and what would be needed.
bool inspect_process_sockets(pid_t pid, std::vector<InspectedSocket>* sockets, std::string* error,
                             InspectMethod method = InspectMethod::automatic, std::string* fallback_reason = nullptr);

}  // namespace sockshim
