// Reading the socket options actually in effect on another process's TCP and
// UDP sockets: each descriptor is duplicated with pidfd_getfd(2) (Linux 5.6,
// needs ptrace rights over the process) and asked with getsockopt.
#pragma once

#include <sys/types.h>

#include <string>
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
};

// The IPv4/IPv6 TCP and UDP sockets of |pid|; false and |error| set when the
// process cannot be read.
bool inspect_process_sockets(pid_t pid, std::vector<InspectedSocket>* sockets, std::string* error);

}  // namespace sockshim
