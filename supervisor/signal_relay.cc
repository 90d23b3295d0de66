// SPDX-License-Identifier: Apache-2.0
#include "supervisor/signal_relay.h"

#include <dirent.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <vector>

namespace sockshim::supervisor {
namespace {

constexpr int kForwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

pid_t parent_of(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  FILE* file = std::fopen(path, "r");
  if (!file) return -1;
  char text[512];
  const size_t length = std::fread(text, 1, sizeof text - 1, file);
  std::fclose(file);
  text[length] = '\0';
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
  const char* end = nullptr;
  for (const char* c = text; *c; ++c) {
    if (*c == ')') end = c;
  }
  int parent = -1;
  if (!end || std::sscanf(end + 1, " %*c %d", &parent) != 1) return -1;
  return parent;
}

}  // namespace

bool SignalRelay::start(sigset_t* original_mask) {
  sigset_t mask;
  sigemptyset(&mask);
  for (int signal : kForwarded) sigaddset(&mask, signal);
  sigaddset(&mask, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &mask, original_mask) != 0) return false;
  fd_ = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  return fd_ >= 0;
}

bool SignalRelay::reap(pid_t program, int* status) {
  for (;;) {
    int wait_status = 0;
    const pid_t ended = waitpid(-1, &wait_status, WNOHANG);
    if (ended <= 0) break;
    if (ended == program) {
      *status = wait_status;
      program_reaped_ = true;
    }
  }
  return program_reaped_;
}

bool SignalRelay::drain(pid_t program, int* status) {
  signalfd_siginfo info;
  while (read(fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    const int signal = static_cast<int>(info.ssi_signo);
    if (signal == SIGCHLD) continue;
    // The terminal's Ctrl-C, hang-up or resize went to our whole process
    // group, the program included: passing it on would deliver it twice.
    if (info.ssi_code == SI_KERNEL) continue;
    // Once the program has ended, what is left of its process tree.
    if (!program_reaped_) kill(program, signal);
    else signal_descendants(signal);
  }
  return reap(program, status);
}

int exit_code_of(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 1;
}

void signal_descendants(int signal) {
  const pid_t self = getpid();
  std::map<pid_t, pid_t> parents;
  if (DIR* proc = opendir("/proc")) {
    while (dirent* entry = readdir(proc)) {
      const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
      if (pid > 0) parents[pid] = parent_of(pid);
    }
    closedir(proc);
  }
  for (const auto& [pid, parent] : parents) {
    for (pid_t up = parent; up > 0; up = parents.count(up) ? parents[up] : -1) {
      if (up == self) {
        kill(pid, signal);
        break;
      }
      if (up == 1) break;
    }
  }
}

}  // namespace sockshim::supervisor
