// SPDX-License-Identifier: Apache-2.0
// The seccomp listener: whether this kernel offers user notification, the
// filter's installation in the program's process, and one notification's
// round trip.
#pragma once

#include <linux/seccomp.h>

#include <string>
#include <vector>

#include "supervisor/filter.h"

namespace sockshim::supervisor {

// Empty when user notification works here; otherwise one sentence naming
// what is missing and the fix. Asks the kernel (SECCOMP_GET_ACTION_AVAIL),
// not its version number.
std::string user_notification_unavailable();

// In the child, before execve: no_new_privs, then the filter with a new
// listener. The listener's descriptor, or -errno.
int install_filter_with_listener(const std::vector<sock_filter>& program);

// One sentence for install_filter_with_listener()'s -errno.
std::string describe_install_error(int error);

// Wakes the supervisor's thread on the program's CPU when a call stops, and
// the program on the supervisor's when it is answered (Linux 6.6+); false
// where the kernel does not offer it.
bool request_synchronous_wake_up(int listener);

// Whether the last process under the listener's filter has gone (POLLHUP),
// or |listener| is no descriptor any more; asked without waiting.
bool listener_hung_up(int listener);

// SECCOMP_IOCTL_NOTIF_ID_VALID: the call that stopped is still waiting, so
// the thread (and the memory read for it) still belongs to it.
bool notification_still_valid(int listener, __u64 id);

// Empty when |fd| is a seccomp listener; otherwise what it is instead, as
// /proc/self/fd names it ("pipe:[1234]", "socket:[99]", "/etc/passwd").
// The kernel's own name for the listener's file ("anon_inode:seccomp
// notify") is asked rather than a probing ioctl, which on a device's
// descriptor could mean something else to its driver.
std::string not_a_seccomp_listener(int fd);

// Lets the stopped call run as if no filter were there.
bool answer_continue(int listener, __u64 id);
// Completes the stopped call without running it, with |value| (or -1 and
// |error|).
bool answer_result(int listener, __u64 id, long long value, int error);

// Sizes of the kernel's notification structures (SECCOMP_GET_NOTIF_SIZES).
struct NotificationBuffers {
  std::vector<unsigned char> request;
  std::vector<unsigned char> response;
  bool allocate();
  seccomp_notif* notification() { return reinterpret_cast<seccomp_notif*>(request.data()); }
};

// The next stopped call on |listener| (SECCOMP_IOCTL_NOTIF_RECV), or nullptr
// when none was there after all: another reader took it, a signal
// interrupted the call, or the last process under the filter has gone.
// Waits for one when none is there yet. Only a kernel that offers the
// synchronous wake-up (6.6+) also returns when the last process goes; on
// an older one, wait with poll() first, or the thread may wait for ever.
const seccomp_notif* receive_notification(int listener, NotificationBuffers* buffers);

}  // namespace sockshim::supervisor
