// SPDX-License-Identifier: Apache-2.0
#include "supervisor/child_launch.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "supervisor/descriptor_passing.h"
#include "supervisor/listener.h"
#include "supervisor/program_exec.h"

namespace sockshim::supervisor {
namespace {

// Stage and errno of a failure in the child; stage 0 with the listener.
// |exec| tells which file could not be run, for kStageExec.
struct ChildReport {
  int stage;
  int error;
  ExecAttempt exec;
};
constexpr int kStageListener = 0, kStageFilter = 1, kStageExec = 2, kStageParent = 3;

// Async-signal-safe: runs between fork and exec.
void send_report(int channel, ChildReport report, int listener) {
  send_with_descriptor(channel, &report, sizeof report, listener);
}

[[noreturn]] void run_child(int channel, pid_t parent, const std::vector<char*>& argv, std::vector<char*>* shell_argv,
                            const std::vector<sock_filter>& filter, const sigset_t& original_mask) {
  // Without the supervisor its trapped calls would fail with ENOSYS: the
  // program goes with it instead of running half-covered.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) {
    send_report(channel, {kStageParent, errno, {}}, -1);
    _exit(127);
  }
  sigprocmask(SIG_SETMASK, &original_mask, nullptr);
  const int listener = install_filter_with_listener(filter);
  if (listener < 0) {
    send_report(channel, {kStageFilter, -listener, {}}, -1);
    _exit(127);
  }
  send_report(channel, {kStageListener, 0, {}}, listener);
  close(listener);
  ChildReport report = {kStageExec, 0, {}};
  exec_program(argv.data(), shell_argv->data(), &report.exec);
  report.error = report.exec.error;
  send_report(channel, report, -1);
  _exit(127);
}

}  // namespace

bool launch_under_filter(const std::vector<char*>& argv, const std::vector<sock_filter>& filter,
                         const sigset_t& original_mask, LaunchedProgram* launched, LaunchFailure* failure) {
  // Room for "/bin/sh FILE ARGS...", made before fork: the child allocates nothing.
  std::vector<char*> shell_argv(argv.size() + 2, nullptr);
  int channel[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, channel) != 0) {
    failure->message = std::string("socketpair: ") + std::strerror(errno);
    return false;
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    failure->message = std::string("fork: ") + std::strerror(errno);
    close(channel[0]);
    close(channel[1]);
    return false;
  }
  if (pid == 0) {
    close(channel[0]);
    run_child(channel[1], parent, argv, &shell_argv, filter, original_mask);
  }
  close(channel[1]);
  ChildReport report = {kStageParent, 0, {}};
  int listener = -1;
  const ssize_t got = receive_with_descriptor(channel[0], &report, sizeof report, &listener);
  bool ok = got == static_cast<ssize_t>(sizeof report) && report.stage == kStageListener && listener >= 0;
  if (ok) {
    // Next: end of file when the exec succeeded (the channel is close-on-exec).
    int unused = -1;
    if (receive_with_descriptor(channel[0], &report, sizeof report, &unused) == static_cast<ssize_t>(sizeof report)) {
      ok = false;
    }
  }
  close(channel[0]);
  if (ok) {
    launched->pid = pid;
    launched->listener = listener;
    return true;
  }
  if (listener >= 0) close(listener);
  switch (report.stage) {
    case kStageFilter: failure->message = describe_install_error(report.error); break;
    case kStageExec: {
      const ExecFailure exec = describe_exec_failure(argv[0], report.exec);
      failure->message = exec.message;
      failure->exit_status = exec.exit_status;
      break;
    }
    default: failure->message = "the program's process stopped before it could be started"; break;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return false;
}

}  // namespace sockshim::supervisor
