// SPDX-License-Identifier: Apache-2.0
// Passing a descriptor with some bytes over a UNIX socket (SCM_RIGHTS): the
// launched program hands its listener to the supervisor this way, an OCI
// runtime hands a container's listener to the agent, and the agent and the
// listener holder pass listeners back and forth.
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace sockshim::supervisor {

// One sendmsg of |length| bytes with |fd| attached (none when fd < 0).
// Async-signal-safe: the launched child calls it between fork and exec.
// Returns sendmsg's result (-1 with errno).
ssize_t send_with_descriptor(int channel, const void* data, size_t length, int fd);

// One recvmsg into |buffer|; a descriptor that came with it is stored in
// |fd| (close-on-exec) when |fd| is still negative, else |fd| is left as it
// was. Every other descriptor that came is closed. Returns recvmsg's
// result (0 at end of file).
ssize_t receive_with_descriptor(int channel, void* buffer, size_t capacity, int* fd);

}  // namespace sockshim::supervisor
