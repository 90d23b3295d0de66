// SPDX-License-Identifier: Apache-2.0
#include "supervisor/kernel_defaults.h"

#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace sockshim::supervisor {

KernelDefaults::~KernelDefaults() {
  if (netns_ >= 0) close(netns_);
}

void KernelDefaults::use_network_namespace(int netns) {
  if (netns_ >= 0) close(netns_);
  netns_ = netns;
}

int KernelDefaults::fresh_socket(bool ipv6, bool udp) const {
  const int domain = ipv6 ? AF_INET6 : AF_INET;
  const int type = (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC;
  int fd = -1;
  if (netns_ >= 0) {
    // A thread's network namespace is its own: this one enters the other,
    // makes the socket there, and ends; the descriptor stays ours.
    std::thread maker([&] {
      if (setns(netns_, CLONE_NEWNET) == 0) fd = socket(domain, type, 0);
    });
    maker.join();
  }
  return fd >= 0 ? fd : socket(domain, type, 0);
}

bool KernelDefaults::value(bool ipv6, bool udp, const SocketOption& option, int* value) {
  Slot& slot = slots_[ipv6][udp][static_cast<int>(option.id)];
  if (!slot.read) {
    slot.read = true;
    const int fd = fresh_socket(ipv6, udp);
    if (fd >= 0) {
      socklen_t length = sizeof slot.value;
      slot.known = getsockopt(fd, option.level, option.name, &slot.value, &length) == 0;
      close(fd);
    }
  }
  *value = slot.value;
  return slot.known;
}

OptionList untouched_by_program(int fd, bool ipv6, bool udp, const OptionList& options,
                                KernelDefaults* defaults) {
  OptionList kept;
  for (int i = 0; i < options.size; ++i) {
    const SocketOption& option = options.items[i];
    int fresh = 0, current = 0;
    socklen_t length = sizeof current;
    if (defaults->value(ipv6, udp, option, &fresh) &&
        getsockopt(fd, option.level, option.name, &current, &length) == 0 && current != fresh) {
      continue;  // the program's own value
    }
    kept.items[kept.size++] = option;
  }
  return kept;
}

}  // namespace sockshim::supervisor
