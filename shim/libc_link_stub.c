/* SPDX-License-Identifier: Apache-2.0
 * Linked against, never loaded: a stand-in for glibc 2.17's libc.so.6 that
 * defines, at libc.so.6's own symbol versions (libc_link_stub.map), every
 * C library function the portable library imports. zig's glibc 2.17 stubs
 * put libpthread.so.0 before libc.so.6 on the link line, and libpthread
 * also exports read, write, open, close, __errno_location and the mutex
 * functions, so the library would bind those to libpthread.so.0 and make
 * every process load it. Linked first, this file's soname (libc.so.6) makes
 * the linker skip zig's libc.so.6 stub, so that a function missing here is
 * an undefined-symbol error at link time, or a libpthread.so.0 binding that
 * tests/portable/glibc_floor_check.sh refuses. Real glibc 2.17 libc.so.6
 * exports each of these at these versions. */
#define STUB(name) \
  void name(void);  \
  void name(void) {}

STUB(__errno_location)
STUB(__register_atfork)
STUB(_exit)
STUB(abort)
STUB(access)
STUB(bcmp)
STUB(close)
STUB(dl_iterate_phdr)
STUB(fnmatch)
STUB(free)
STUB(getcwd)
STUB(geteuid)
STUB(getpeername)
STUB(getpid)
STUB(getrlimit)
STUB(getsockname)
STUB(getsockopt)
STUB(inet_pton)
STUB(malloc)
STUB(memchr)
STUB(memcmp)
STUB(memcpy)
STUB(memmove)
STUB(memset)
STUB(madvise)
STUB(mmap)
STUB(munmap)
STUB(open)
STUB(pthread_mutex_lock)
STUB(pthread_mutex_unlock)
STUB(pthread_self)
STUB(read)
STUB(sched_yield)
STUB(secure_getenv)
STUB(snprintf)
STUB(strcmp)
STUB(strerror)
STUB(strlen)
STUB(strncmp)
STUB(strncpy)
STUB(strnlen)
STUB(syscall)
STUB(vsnprintf)
STUB(write)

char* program_invocation_short_name;
