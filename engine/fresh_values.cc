// SPDX-License-Identifier: Apache-2.0
#include "engine/fresh_values.h"

#include <cstring>

namespace sockshim {

const FreshValues::Slot& FreshValues::slot(SocketKind kind, const SocketOption& option) {
  for (const Slot& known : slots_) {
    if (known.ipv6 == kind.ipv6 && known.udp == kind.udp && known.level == option.level &&
        known.name == option.name) {
      return known;
    }
  }
  Slot fresh;
  fresh.ipv6 = kind.ipv6;
  fresh.udp = kind.udp;
  fresh.level = option.level;
  fresh.name = option.name;
  const int fd = ops_.fresh_socket(kind.ipv6, kind.udp);
  if (fd >= 0) {
    socklen_t length = sizeof fresh.value;
    fresh.known = ops_.getsockopt(fd, option.level, option.name, fresh.value, &length) == 0;
    fresh.length = length;
    ops_.close(fd);
  }
  slots_.push_back(fresh);
  return slots_.back();
}

bool FreshValues::differs_from_fresh(SocketKind kind, const SocketOption& option, const unsigned char* current,
                                     socklen_t current_length) {
  const Slot& fresh = slot(kind, option);
  return fresh.known &&
         (fresh.length != current_length || std::memcmp(fresh.value, current, current_length) != 0);
}

OptionList untouched_by_program(SocketOps& ops, int fd, SocketKind kind, const OptionList& options,
                                FreshValues* fresh) {
  OptionList kept;
  for (int i = 0; i < options.size; ++i) {
    const SocketOption& option = options.items[i];
    unsigned char current[sizeof option.data] = {};
    socklen_t length = sizeof current;
    if (ops.getsockopt(fd, option.level, option.name, current, &length) == 0 &&
        fresh->differs_from_fresh(kind, option, current, length)) {
      continue;  // the program's own value
    }
    kept.items[kept.size++] = option;
  }
  return kept;
}

}  // namespace sockshim
