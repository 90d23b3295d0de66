// SPDX-License-Identifier: Apache-2.0
// The kernel engine's commands: `sockshim attach`, `sockshim detach`, and
// `sockshim run --engine bpf`.
#pragma once

#include <optional>
#include <string>

#include "config/policy.h"

namespace sockshim::cli {

int attach_command(int argc, char** argv);
int detach_command(int argc, char** argv);

// `sockshim run --engine bpf`: |argv| is PROGRAM and its arguments.
int run_in_kernel_engine(const std::optional<Policy>& policy, bool skip_unsupported, int argc, char** argv);

// For `sockshim check`: what in |policy| the kernel engine cannot do,
// section by section; nothing when it can do all of it (or is not built).
void print_kernel_engine_limits(const Policy& policy);

// The doctor's line: "kernel engine (cgroup BPF): usable" or why not.
std::string kernel_engine_status();

}  // namespace sockshim::cli
