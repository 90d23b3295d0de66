// SPDX-License-Identifier: Apache-2.0
#include "shim/enforced_sockets.h"

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <atomic>
#include <cstddef>

#include "engine/socket_engine.h"
#include "engine/socket_facts.h"

namespace sockshim {
namespace {

// Descriptors above this are not enforced (8 MiB of address space, mapped
// lazily: only the pages of descriptors in use are ever touched).
constexpr size_t kMaxDescriptors = size_t{1} << 20;

// Per descriptor: the socket's inode (low 32 bits) above the enforced set.
// The inode tells a descriptor number reused by another socket or file (a
// close() is not hooked) from the socket sockshim set the options on.
std::atomic<uint64_t>* g_slots = nullptr;
size_t g_capacity = 0;

uint32_t socket_identity(int fd) {
  struct stat status;
  if (fstat(fd, &status) != 0) return 0;
  return static_cast<uint32_t>(status.st_ino);
}

}  // namespace

namespace enforcement_detail {

std::atomic<bool> g_enforcing{false};

bool changes_enforced_option(int fd, int level, int name) {
  if (fd < 0 || static_cast<size_t>(fd) >= g_capacity) return false;
  const uint64_t slot = g_slots[fd].load(std::memory_order_relaxed);
  if (!keeps_enforced_value(static_cast<uint32_t>(slot), level, name)) return false;
  ErrnoGuard keep_errno;
  return socket_identity(fd) == static_cast<uint32_t>(slot >> 32);
}

}  // namespace enforcement_detail

using enforcement_detail::g_enforcing;

void start_enforcing() {
  struct rlimit limit = {};
  size_t capacity = kMaxDescriptors;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_max != RLIM_INFINITY && limit.rlim_max < capacity) {
    capacity = static_cast<size_t>(limit.rlim_max);
  }
  void* table = mmap(nullptr, capacity * sizeof(std::atomic<uint64_t>), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (table == MAP_FAILED) return;  // enforcement off; options are still set
  g_slots = static_cast<std::atomic<uint64_t>*>(table);
  g_capacity = capacity;
  g_enforcing.store(true, std::memory_order_release);
}

void remember_enforced(int fd, uint32_t options) {
  if (!g_enforcing.load(std::memory_order_acquire) || fd < 0 || static_cast<size_t>(fd) >= g_capacity) return;
  const uint64_t slot = options ? (uint64_t{socket_identity(fd)} << 32) | options : 0;
  g_slots[fd].store(slot, std::memory_order_relaxed);
}

}  // namespace sockshim
