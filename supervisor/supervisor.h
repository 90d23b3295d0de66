// SPDX-License-Identifier: Apache-2.0
// `sockshim run` for programs no preload reaches: the program runs under a
// seccomp filter, and its trapped socket calls are configured from here.
#pragma once

#include <string>
#include <vector>

#include "config/policy.h"
#include "supervisor/filter.h"

namespace sockshim::supervisor {

// Exit status of the supervisor when it could not do its job (the program
// was not started, or was stopped).
constexpr int kSupervisorFailure = 1;

// Why the supervisor cannot run |policy| at all, in one sentence; empty when
// it can. Rules that match accepted connections by address need accept()
// to be intercepted, which the supervisor does not do.
std::string unsupported_by_supervisor(const Policy& policy);

// Runs |argv| (started as execvp would: exec_program) under the supervisor
// until the last process of the program has ended. Returns the program's
// exit code (128 + signal for a death by signal); after one line on stderr,
// 126 or 127 when the program could not be executed (as a shell), or
// kSupervisorFailure when the supervisor could not do its job. The setsockopt calls of the options |policy| enforces are
// trapped too (EventHandler).
int supervise(const std::vector<std::string>& argv, const Policy& policy);

}  // namespace sockshim::supervisor
