// SPDX-License-Identifier: Apache-2.0
// Reading a stopped call's arguments out of the program's memory.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace sockshim::supervisor {

// Copies |length| bytes at |address| in thread |tid|'s memory: with
// process_vm_readv, or from /proc/TID/mem where that is refused. False when
// nothing could be read (a bad pointer: the kernel will say EFAULT itself).
bool read_program_memory(pid_t tid, uint64_t address, void* buffer, size_t length);

}  // namespace sockshim::supervisor
