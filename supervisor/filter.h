// SPDX-License-Identifier: Apache-2.0
// The seccomp filter the supervised program runs under: which system calls
// stop for the supervisor, and nothing else.
#pragma once

#include <linux/filter.h>

#include <utility>
#include <vector>

namespace sockshim::supervisor {

// (level, name) of a setsockopt call.
using OptionKey = std::pair<int, int>;

struct TrapList {
  bool connect = false;
  bool listen = false;
  bool bind = false;
  bool accept = false;  // accept and accept4
  // setsockopt is trapped only for these (level, name) pairs, matched on the
  // call's arguments in the filter itself.
  std::vector<OptionKey> setsockopt;

  bool empty() const { return !connect && !listen && !bind && !accept && setsockopt.empty(); }
};

// A classic BPF program: a foreign architecture and every system call not in
// |traps| are allowed without a round trip; the others return
// SECCOMP_RET_USER_NOTIF.
std::vector<sock_filter> build_filter(const TrapList& traps);

}  // namespace sockshim::supervisor
