// SPDX-License-Identifier: Apache-2.0
// A fake kernel for planning: the engine's events run against it as they
// would on a real socket, and it records the setsockopt calls they make
// instead of making them. getsockopt is answered by a fresh socket of the
// same family and protocol (the kernel's own defaults); getsockname and
// getpeername by the addresses the plan is for.
#pragma once

#include <sys/socket.h>

#include <vector>

#include "config/decide.h"
#include "config/endpoint.h"
#include "engine/socket_facts.h"
#include "engine/socket_ops.h"

namespace sockshim::bpf_engine {

// One recorded setsockopt, with the event that made it.
struct RecordedOption {
  SocketOption option;
  bool at_socket = false;  // made by socket()'s options (the untouched rule applies)
};

class RecordingSocketOps final : public SocketOps {
 public:
  // The planned socket's descriptor, and its listener's at accept.
  static constexpr int kSocket = 1000;
  static constexpr int kListener = 1001;

  RecordingSocketOps(SocketKind kind, const Endpoint& local, const Endpoint& peer, const Endpoint& listener_local);
  ~RecordingSocketOps();
  RecordingSocketOps(const RecordingSocketOps&) = delete;
  RecordingSocketOps& operator=(const RecordingSocketOps&) = delete;

  // Calls from now on come from socket() (true) or a later event (false).
  void set_at_socket(bool at_socket) { at_socket_ = at_socket; }
  const std::vector<RecordedOption>& recorded() const { return recorded_; }

  int setsockopt(int fd, int level, int name, const void* value, socklen_t length) override;
  int getsockopt(int fd, int level, int name, void* value, socklen_t* length) override;
  int getsockname(int fd, sockaddr* address, socklen_t* length) override;
  int getpeername(int fd, sockaddr* address, socklen_t* length) override;
  int fresh_socket(bool ipv6, bool udp) override;
  void close(int fd) override;

 private:
  SocketKind kind_;
  Endpoint local_, peer_, listener_local_;
  int defaults_fd_ = -1;  // a real fresh socket of |kind_|, for getsockopt
  bool at_socket_ = true;
  std::vector<RecordedOption> recorded_;
};

}  // namespace sockshim::bpf_engine
