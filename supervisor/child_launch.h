// SPDX-License-Identifier: Apache-2.0
// Starting the program under the filter: the child installs it, hands the
// listener to the supervisor over a socketpair (SCM_RIGHTS), then execs.
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace sockshim::supervisor {

struct LaunchedProgram {
  pid_t pid = -1;
  int listener = -1;
};

// Why the program was not started: one sentence, and the exit status for
// it: 126 or 127 as a shell gives them when the program could not be
// executed (exec_program), else 1.
struct LaunchFailure {
  std::string message;
  int exit_status = 1;
};

// |argv| is null-terminated; it is run by exec_program (execvp's search,
// and /bin/sh for a file with neither an ELF header nor #!). The child dies
// with the supervisor (PR_SET_PDEATHSIG) and has the signal mask the caller
// had before SignalRelay blocked its signals (|original_mask|). False with
// |failure| filled when the filter could not be installed or the program
// could not be started; the child is then already reaped.
bool launch_under_filter(const std::vector<char*>& argv, const std::vector<sock_filter>& filter,
                         const sigset_t& original_mask, LaunchedProgram* launched, LaunchFailure* failure);

}  // namespace sockshim::supervisor
