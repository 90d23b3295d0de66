// SPDX-License-Identifier: Apache-2.0
#include "config/prefault.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "config/runs_at_load.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14; older C library headers lack it
#endif

namespace sockshim {

// At load too: reading the config calls it.
SOCKSHIM_RUNS_AT_LOAD void prefault_for_writing(void* begin, size_t length) {
  constexpr uintptr_t kPage = 4096;
  // Below this, the system call costs about what the faults it saves do.
  constexpr size_t kMinimumPages = 8;
  const uintptr_t first = (reinterpret_cast<uintptr_t>(begin) + kPage - 1) & ~(kPage - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(begin) + length) & ~(kPage - 1);
  if (end <= first || (end - first) / kPage < kMinimumPages) return;
  const int saved_errno = errno;
  madvise(reinterpret_cast<void*>(first), end - first, MADV_POPULATE_WRITE);
  errno = saved_errno;
}

}  // namespace sockshim
