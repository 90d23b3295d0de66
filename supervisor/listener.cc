// SPDX-License-Identifier: Apache-2.0
#include "supervisor/listener.h"

#include <poll.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "supervisor/seccomp_api.h"

namespace sockshim::supervisor {

std::string user_notification_unavailable() {
  unsigned action = SECCOMP_RET_USER_NOTIF;
  if (seccomp_call(SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0) {
    // Letting a stopped call continue came in 5.5, pidfd_getfd in 5.6:
    // without them a trapped call could never be answered.
    if (pidfd_getfd(-1, 0) < 0 && errno == ENOSYS) {
      return "this kernel has seccomp user notification but no pidfd_getfd (Linux 5.6): the supervisor needs "
             "Linux 5.9 or later; use the preload for dynamically linked programs instead";
    }
    return "";
  }
  const int error = errno;
  if (error == ENOSYS) {
    return "this kernel has no seccomp system call (or a seccomp profile hides it): the supervisor needs "
           "Linux 5.9 or later with CONFIG_SECCOMP_FILTER; in a container, allow seccomp(2) in its profile";
  }
  if (error == EOPNOTSUPP) {
    return "this kernel does not offer seccomp user notification (SECCOMP_RET_USER_NOTIF): the supervisor "
           "needs Linux 5.9 or later; use the preload for dynamically linked programs instead";
  }
  return std::string("seccomp(SECCOMP_GET_ACTION_AVAIL, SECCOMP_RET_USER_NOTIF) failed: ") + std::strerror(error) +
         ": the supervisor needs Linux 5.9 or later and a seccomp profile that allows seccomp(2)";
}

int install_filter_with_listener(const std::vector<sock_filter>& program) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -errno;
  sock_fprog filter;
  filter.len = static_cast<unsigned short>(program.size());
  filter.filter = const_cast<sock_filter*>(program.data());
  // SPEC_ALLOW: the filter must not switch on the speculative store bypass
  // mitigation that the program did not ask for (it costs every program,
  // sockets or not); kernels before 4.17 lack the flag.
  int listener = seccomp_call(SECCOMP_SET_MODE_FILTER,
                              SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_SPEC_ALLOW, &filter);
  if (listener < 0 && errno == EINVAL) {
    listener = seccomp_call(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &filter);
  }
  return listener >= 0 ? listener : -errno;
}

std::string describe_install_error(int error) {
  switch (error) {
    case EBUSY:
      return "this process already runs under a seccomp filter with a listener (another supervisor, or a "
             "container runtime's): the kernel allows one per process tree (EBUSY); run sockshim outside it, "
             "or use the preload for dynamically linked programs";
    case EACCES:
    case EPERM:
      return "the kernel refused the seccomp filter (no_new_privs could not be set): run sockshim without a "
             "profile that forbids prctl(PR_SET_NO_NEW_PRIVS)";
    case EINVAL:
    case EOPNOTSUPP:
      return "this kernel does not offer SECCOMP_FILTER_FLAG_NEW_LISTENER: the supervisor needs Linux 5.9 "
             "or later";
    default:
      return std::string("installing the seccomp filter failed: ") + std::strerror(error);
  }
}

bool request_synchronous_wake_up(int listener) {
  return ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0;
}

bool listener_hung_up(int listener) {
  pollfd state = {listener, 0, 0};
  return poll(&state, 1, 0) == 1 && (state.revents & (POLLHUP | POLLERR | POLLNVAL));
}

bool notification_still_valid(int listener, __u64 id) {
  return ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

std::string not_a_seccomp_listener(int fd) {
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  char target[512];
  const ssize_t length = readlink(link.c_str(), target, sizeof target - 1);
  if (length < 0) return link + ": " + std::strerror(errno);
  const std::string name(target, static_cast<size_t>(length));
  return name == "anon_inode:seccomp notify" ? std::string() : name;
}

bool answer_continue(int listener, __u64 id) {
  seccomp_notif_resp response;
  std::memset(&response, 0, sizeof response);
  response.id = id;
  response.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  // ENOENT: the call went away (a signal interrupted it); it will come back
  // if it is restarted.
  return ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &response) == 0;
}

bool answer_result(int listener, __u64 id, long long value, int error) {
  seccomp_notif_resp response;
  std::memset(&response, 0, sizeof response);
  response.id = id;
  response.val = value;
  response.error = error ? -error : 0;
  return ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &response) == 0;
}

const seccomp_notif* receive_notification(int listener, NotificationBuffers* buffers) {
  seccomp_notif* call = buffers->notification();
  std::memset(call, 0, buffers->request.size());  // the kernel refuses a dirty buffer
  return ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, call) == 0 ? call : nullptr;
}

bool NotificationBuffers::allocate() {
  seccomp_notif_sizes sizes;
  if (seccomp_call(SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) return false;
  // At least our own idea of the structures: the kernel may know a smaller one.
  request.assign(sizes.seccomp_notif > sizeof(seccomp_notif) ? sizes.seccomp_notif : sizeof(seccomp_notif), 0);
  response.assign(sizes.seccomp_notif_resp > sizeof(seccomp_notif_resp) ? sizes.seccomp_notif_resp
                                                                        : sizeof(seccomp_notif_resp),
                  0);
  return true;
}

}  // namespace sockshim::supervisor
