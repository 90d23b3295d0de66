// SPDX-License-Identifier: Apache-2.0
#include "supervisor/program_memory.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace sockshim::supervisor {

bool read_program_memory(pid_t tid, uint64_t address, void* buffer, size_t length) {
  if (address == 0 || length == 0) return false;
  iovec local = {buffer, length};
  iovec remote = {reinterpret_cast<void*>(address), length};
  const ssize_t read = process_vm_readv(tid, &local, 1, &remote, 1, 0);
  if (read == static_cast<ssize_t>(length)) return true;
  if (read >= 0 || errno == EFAULT) return false;
  // ENOSYS/EPERM (e.g. a seccomp profile forbids process_vm_readv): /proc.
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/mem", static_cast<int>(tid));
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const ssize_t got = pread(fd, buffer, length, static_cast<off_t>(address));
  close(fd);
  return got == static_cast<ssize_t>(length);
}

}  // namespace sockshim::supervisor
