// SPDX-License-Identifier: Apache-2.0
// A duplicate, in the supervisor, of a descriptor of the program's.
#pragma once

#include <sys/types.h>

#include <string>
#include <unordered_map>

namespace sockshim::supervisor {

// A pidfd for the thread group of |tid|, which must be stopped in a trapped
// call (check the notification afterwards, so that |tid| cannot have been
// reused): a thread pidfd on Linux 6.9+, else the group leader's, found in
// /proc/TID/status. -errno on failure.
int open_thread_pidfd(pid_t tid);

// The pidfds of the threads that made trapped calls, kept open: a pidfd
// names one task, not a number, so a cached one either is the caller's (a
// live thread's id is unique) or fails with ESRCH (forget() and open again).
class PidfdCache {
 public:
  PidfdCache() = default;
  PidfdCache(const PidfdCache&) = delete;
  PidfdCache& operator=(const PidfdCache&) = delete;
  ~PidfdCache();
  // The cached or a new pidfd (owned by the cache), or -errno.
  int open(pid_t tid);
  void forget(pid_t tid);

 private:
  std::unordered_map<pid_t, int> pidfds_;
};

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
