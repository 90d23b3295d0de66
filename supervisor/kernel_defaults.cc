// SPDX-License-Identifier: Apache-2.0
#include "supervisor/kernel_defaults.h"

#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
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

const KernelDefaults::Slot& KernelDefaults::slot(bool ipv6, bool udp, const SocketOption& option) {
  for (const Slot& known : slots_) {
    if (known.ipv6 == ipv6 && known.udp == udp && known.level == option.level && known.name == option.name) {
      return known;
    }
  }
  Slot fresh;
  fresh.ipv6 = ipv6;
  fresh.udp = udp;
  fresh.level = option.level;
  fresh.name = option.name;
  const int fd = fresh_socket(ipv6, udp);
  if (fd >= 0) {
    socklen_t length = sizeof fresh.value;
    fresh.known = getsockopt(fd, option.level, option.name, fresh.value, &length) == 0;
    fresh.length = length;
    close(fd);
  }
  slots_.push_back(fresh);
  return slots_.back();
}

bool KernelDefaults::differs_from_fresh(bool ipv6, bool udp, const SocketOption& option,
                                        const unsigned char* current, socklen_t current_length) {
  const Slot& fresh = slot(ipv6, udp, option);
  return fresh.known &&
         (fresh.length != current_length || std::memcmp(fresh.value, current, current_length) != 0);
}

OptionList untouched_by_program(int fd, bool ipv6, bool udp, const OptionList& options,
                                KernelDefaults* defaults) {
  OptionList kept;
  for (int i = 0; i < options.size; ++i) {
    const SocketOption& option = options.items[i];
    unsigned char current[sizeof option.data] = {};
    socklen_t length = sizeof current;
    if (getsockopt(fd, option.level, option.name, current, &length) == 0 &&
        defaults->differs_from_fresh(ipv6, udp, option, current, length)) {
      continue;  // the program's own value
    }
    kept.items[kept.size++] = option;
  }
  return kept;
}

}  // namespace sockshim::supervisor
