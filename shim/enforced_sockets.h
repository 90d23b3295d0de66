// Which sockets carry enforced options, by descriptor, for the setsockopt
// hook: the program's own call for such an option is answered with success
// and not passed on, so the configured value stays. Lock-free and
// allocation-free on the hot path: the table is mapped, on demand, once a
// config enforces anything.
#pragma once

#include <cstdint>

namespace sockshim {

// Once, when the parsed policy enforces some option.
void start_enforcing();

// After sockshim set options on |fd|: |options| is the set that
// enforced_on() gives for it (bit per OptionId; 0 forgets the descriptor).
void remember_enforced(int fd, uint32_t options);

// For the setsockopt hook: true when setsockopt(fd, level, name) would change
// an option sockshim enforces on this very socket. One load and one
// comparison while no config enforces anything.
bool keeps_configured_value(int fd, int level, int name);

}  // namespace sockshim
