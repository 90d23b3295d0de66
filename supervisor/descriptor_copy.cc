// SPDX-License-Identifier: Apache-2.0
#include "supervisor/descriptor_copy.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "supervisor/seccomp_api.h"

namespace sockshim::supervisor {
namespace {

pid_t thread_group_of(pid_t tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", static_cast<int>(tid));
  std::ifstream status(path);
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Tgid:", 0) == 0) return static_cast<pid_t>(std::atoi(line.c_str() + 5));
  }
  return -1;
}

// Cleared on the first EINVAL: a kernel before 6.9 has no thread pidfds.
std::atomic<bool> g_thread_pidfds{true};

}  // namespace

int open_thread_pidfd(pid_t tid, bool* names_tid) {
  bool own = true;
  if (!names_tid) names_tid = &own;
  *names_tid = true;
  if (g_thread_pidfds.load(std::memory_order_relaxed)) {
    const int pidfd = pidfd_open(tid, PIDFD_THREAD);
    if (pidfd >= 0) return pidfd;
    if (errno != EINVAL) return -errno;
    g_thread_pidfds.store(false, std::memory_order_relaxed);
  }
  // Before 6.9 pidfd_open() takes only a thread group's leader.
  // (EINVAL for any other thread).
  const int pidfd = pidfd_open(tid, 0);
  if (pidfd >= 0) return pidfd;
  if (errno == ESRCH) return -ESRCH;
  *names_tid = false;
  const pid_t group = thread_group_of(tid);
  if (group <= 0) return -ESRCH;
  const int group_pidfd = pidfd_open(group, 0);
  return group_pidfd >= 0 ? group_pidfd : -errno;
}

PidfdCache::~PidfdCache() {
  for (const auto& entry : pidfds_) close(entry.second);
  if (uncached_ >= 0) close(uncached_);
}

PidfdCache::Pidfd PidfdCache::open(pid_t tid) {
  const auto found = pidfds_.find(tid);
  if (found != pidfds_.end()) return {found->second, true};
  if (uncached_ >= 0) {
    close(uncached_);
    uncached_ = -1;
  }
  // Threads come and go: past a bound, start again rather than grow.
  if (pidfds_.size() >= 512) {
    for (const auto& entry : pidfds_) close(entry.second);
    pidfds_.clear();
  }
  bool names_tid = false;
  const int pidfd = open_thread_pidfd(tid, &names_tid);
  if (pidfd >= 0 && names_tid) pidfds_[tid] = pidfd;
  else if (pidfd >= 0) uncached_ = pidfd;
  return {pidfd, false};
}

void PidfdCache::forget(pid_t tid) {
  const auto found = pidfds_.find(tid);
  if (found == pidfds_.end()) return;
  close(found->second);
  pidfds_.erase(found);
}

int copy_descriptor(int pidfd, int fd) {
  const int copy = pidfd_getfd(pidfd, fd);
  return copy >= 0 ? copy : -errno;
}

std::string descriptor_copy_refused_here() {
  const pid_t child = fork();
  if (child < 0) return std::string("fork: ") + std::strerror(errno);
  if (child == 0) {
    pause();
    _exit(0);
  }
  int result = 0;
  const int pidfd = pidfd_open(child, 0);
  if (pidfd < 0) {
    result = errno;
  } else {
    const int copy = pidfd_getfd(pidfd, STDERR_FILENO);
    if (copy < 0) result = errno;
    else close(copy);
    close(pidfd);
  }
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  return result == 0 ? "" : describe_copy_refusal(child, result);
}

std::string describe_copy_refusal(pid_t pid, int error) {
  std::string reason = std::string("pidfd_getfd on process ") + std::to_string(pid) + " was refused (" +
                       std::strerror(error) + ")";
  if (error == ENOSYS) return reason + ": the supervisor needs Linux 5.6 or later for pidfd_getfd";
  int scope = 0;
  if (FILE* file = std::fopen("/proc/sys/kernel/yama/ptrace_scope", "r")) {
    if (std::fscanf(file, "%d", &scope) != 1) scope = 0;
    std::fclose(file);
  }
  if (scope >= 3) return reason + ": Yama ptrace_scope is 3, which forbids it to everyone; lower it to 1";
  if (scope == 2) {
    return reason + ": Yama ptrace_scope is 2: give sockshim CAP_SYS_PTRACE (docker run --cap-add SYS_PTRACE) "
                    "or lower kernel.yama.ptrace_scope to 1";
  }
  return reason + ": the program made itself non-dumpable (PR_SET_DUMPABLE 0, or it changed its user ids) "
                  "or a security profile forbids ptrace access; give sockshim CAP_SYS_PTRACE "
                  "(docker run --cap-add SYS_PTRACE)";
}

}  // namespace sockshim::supervisor
