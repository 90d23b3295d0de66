// SPDX-License-Identifier: Apache-2.0
// The kernel's seccomp user-notification and pidfd interfaces, through
// syscall(2): neither libc wraps all of them, and older headers lack the
// newest constants, which are defined here with the kernel's values.
#pragma once

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS  // Linux 6.6
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP  // Linux 6.6
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif
#ifndef SECCOMP_ADDFD_FLAG_SEND  // Linux 5.14
#define SECCOMP_ADDFD_FLAG_SEND (1UL << 1)
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef PIDFD_THREAD  // Linux 6.9: a pidfd for one thread (O_EXCL)
#define PIDFD_THREAD 0200
#endif

#if defined(__x86_64__)
#define SOCKSHIM_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SOCKSHIM_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "sockshim's supervisor knows the system call numbers of x86_64 and aarch64 only"
#endif

namespace sockshim::supervisor {

inline int seccomp_call(unsigned operation, unsigned flags, void* argument) {
  return static_cast<int>(::syscall(SYS_seccomp, operation, flags, argument));
}
inline int pidfd_open(pid_t pid, unsigned flags) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, flags));
}
inline int pidfd_getfd(int pidfd, int fd) {
  return static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd, fd, 0));
}

}  // namespace sockshim::supervisor
