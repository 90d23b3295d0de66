// SPDX-License-Identifier: Apache-2.0
// Which sockets carry enforced options, by descriptor, for the setsockopt
// hook: the program's own call for such an option is answered with success
// and not passed on, so the configured value stays. Lock-free and
// allocation-free on the hot path: the table is mapped, on demand, once a
// config enforces anything.
#pragma once

#include <atomic>
#include <cstdint>

namespace sockshim {

namespace enforcement_detail {
extern std::atomic<bool> g_enforcing;  // constant-initialised to false
bool changes_enforced_option(int fd, int level, int name);
}  // namespace enforcement_detail

// Once, when the parsed policy enforces some option.
void start_enforcing();

// After sockshim set options on |fd|: |options| is the set that
// enforced_on() gives for it (bit per OptionId; 0 forgets the descriptor).
void remember_enforced(int fd, uint32_t options);

// For the setsockopt hook: true when setsockopt(fd, level, name) would change
// an option sockshim enforces on this very socket. Inline, so that while no
// config enforces anything the hook pays one load and one comparison.
inline bool keeps_configured_value(int fd, int level, int name) {
  if (__builtin_expect(!enforcement_detail::g_enforcing.load(std::memory_order_acquire), 1)) return false;
  return enforcement_detail::changes_enforced_option(fd, level, name);
}

}  // namespace sockshim
