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

// |argv| is null-terminated; argv[0] is looked up in PATH. The child dies
// with the supervisor (PR_SET_PDEATHSIG) and has the signal mask the caller
// had before SignalRelay blocked its signals (|original_mask|). False with
// one sentence in |error| when the filter could not be installed or the
// program could not be started; the child is then already reaped.
bool launch_under_filter(const std::vector<char*>& argv, const std::vector<sock_filter>& filter,
                         const sigset_t& original_mask, LaunchedProgram* launched, std::string* error);

}  // namespace sockshim::supervisor
