// SPDX-License-Identifier: Apache-2.0
// The values a fresh socket has, per family and protocol: the supervisor
// sets an option of socket() at the socket's first trapped call only if it
// still has this value, so that what a program set itself before connecting
// stays, as under the preload (which sets them before the program can).
#pragma once

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

  // |option|'s value on a fresh socket of that network namespace; read once.
  bool value(bool ipv6, bool udp, const SocketOption& option, int* value);

 private:
  int fresh_socket(bool ipv6, bool udp) const;

  int netns_ = -1;
  struct Slot {
    bool read = false;
    bool known = false;
    int value = 0;
  };
  Slot slots_[2][2][static_cast<int>(OptionId::count_)];
};

// |options| without those whose current value on |fd| is not the fresh
// socket's: the program changed them itself.
OptionList untouched_by_program(int fd, bool ipv6, bool udp, const OptionList& options,
                                KernelDefaults* defaults);

}  // namespace sockshim::supervisor
