// SPDX-License-Identifier: Apache-2.0
// The supervisor as the program's parent (or a container's PID 1): signals
// meant for the program are passed on, and every child that ends is reaped.
#pragma once

#include <signal.h>
#include <sys/types.h>

namespace sockshim::supervisor {

class SignalRelay {
 public:
  // Blocks SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH and
  // SIGCHLD, and reads them from a signalfd. |original_mask| receives the
  // mask from before, for the program.
  bool start(sigset_t* original_mask);
  int fd() const { return fd_; }

  // Reads the pending signals: forwards each to |program| while it lives
  // (to its remaining descendants after that), except those the kernel sent
  // to the whole process group (a terminal's), which the program had too;
  // and reaps every child that ended (orphans included, as PID 1 or as a
  // child subreaper). Returns true once |program| has been reaped; its
  // wait status is then in |status|.
  bool drain(pid_t program, int* status);

  // Reaps what has ended, without blocking; the same return as drain().
  bool reap(pid_t program, int* status);

 private:
  int fd_ = -1;
  bool program_reaped_ = false;
};

// The wait status as a shell reports it: the exit code, or 128 + signal.
int exit_code_of(int wait_status);

// Sends |signal| to every descendant of the calling process.
void signal_descendants(int signal);

}  // namespace sockshim::supervisor
