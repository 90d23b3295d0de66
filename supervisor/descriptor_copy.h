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
// /proc/TID/status. -errno on failure. |names_tid|, when given, says
// whether the pidfd is |tid|'s own (a thread pidfd, or |tid| leads its
// group) rather than its group leader's.
int open_thread_pidfd(pid_t tid, bool* names_tid = nullptr);

// The pidfds of the threads that made trapped calls, kept open. Only a
// pidfd that names the thread itself is kept: a pidfd names one task, not a
// number, so a cached one either is still that thread's (a live thread's id
// is unique) or fails with ESRCH once it is gone, whatever process gets its
// id next (forget() and open again). A group leader's pidfd found for
// another thread is not kept: the thread could end and its id go to a
// thread of another process while the leader lives.
class PidfdCache {
 public:
  struct Pidfd {
    int fd = -1;          // owned by the cache, or -errno
    bool reused = false;  // from the cache: it names the thread that |tid| named when it was opened
  };
  PidfdCache() = default;
  PidfdCache(const PidfdCache&) = delete;
  PidfdCache& operator=(const PidfdCache&) = delete;
  ~PidfdCache();
  // The cached or a new pidfd for |tid|.
  Pidfd open(pid_t tid);
  void forget(pid_t tid);
  size_t size() const { return pidfds_.size(); }

 private:
  std::unordered_map<pid_t, int> pidfds_;
  int uncached_ = -1;  // the last pidfd not kept, closed at the next open()
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
