// A duplicate, in the supervisor, of a descriptor of the program's.
#pragma once

#include <sys/types.h>

#include <string>

namespace sockshim::supervisor {

// A pidfd for the thread group of |tid|, which must be stopped in a trapped
// call (check the notification afterwards, so that |tid| cannot have been
// reused): a thread pidfd on Linux 6.9+, else the group leader's, found in
// /proc/TID/status. -errno on failure.
int open_thread_pidfd(pid_t tid);

// pidfd_getfd(2): a duplicate of |fd| of the process behind |pidfd|, or -errno
// (EBADF: the program passed a bad descriptor; EPERM: refused, see
// describe_copy_refusal()).
int copy_descriptor(int pidfd, int fd);

// Whether this process may copy a descriptor of a child of its own (as it
// would the program's): empty when it may, else one sentence saying why not.
std::string descriptor_copy_refused_here();

// One sentence for a refused copy: what forbids it here, and the fix.
std::string describe_copy_refusal(pid_t pid, int error);

}  // namespace sockshim::supervisor
