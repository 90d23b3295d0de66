// SPDX-License-Identifier: Apache-2.0
// The values a fresh socket has, per family and protocol: the supervisor
// sets an option of socket() at the socket's first trapped call only if it
// still has this value, so that what a program set itself before connecting
// stays, as under the preload (which sets them before the program can).
#pragma once

#include <sys/socket.h>

#include <vector>

#include "config/decide.h"

namespace sockshim::supervisor {

class KernelDefaults {
 public:
  KernelDefaults() = default;
  KernelDefaults(const KernelDefaults&) = delete;
  KernelDefaults& operator=(const KernelDefaults&) = delete;
  ~KernelDefaults();

  // Fresh sockets are made in the network namespace |netns| (a descriptor
  // this object then owns) instead of ours: a container's namespace starts
  // from the kernel's defaults (7200 s keepalive), not from the host's
  // sysctls. Needs CAP_SYS_ADMIN; without it our own namespace is used.
  void use_network_namespace(int netns);

  // Whether |current|, |current_length| bytes read from a socket for
  // |option| (by its level and name: catalogue or raw), differs from that
  // option's value on a fresh socket of that network namespace. The fresh
  // value is read once per family, protocol, level and name; false when it
  // cannot be read.
  bool differs_from_fresh(bool ipv6, bool udp, const SocketOption& option, const unsigned char* current,
                          socklen_t current_length);

 private:
  // One (family, protocol, level, name): raw options have no catalogue id,
  // so they are told apart by what the kernel knows them by.
  struct Slot {
    bool ipv6 = false;
    bool udp = false;
    int level = 0;
    int name = 0;
    bool known = false;
    socklen_t length = 0;
    unsigned char value[sizeof SocketOption::data] = {};
  };

  int fresh_socket(bool ipv6, bool udp) const;
  const Slot& slot(bool ipv6, bool udp, const SocketOption& option);

  int netns_ = -1;
  std::vector<Slot> slots_;
};

// |options| without those whose current value on |fd| is not the fresh
// socket's: the program changed them itself.
OptionList untouched_by_program(int fd, bool ipv6, bool udp, const OptionList& options,
                                KernelDefaults* defaults);

}  // namespace sockshim::supervisor
