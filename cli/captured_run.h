// SPDX-License-Identifier: Apache-2.0
// Runs a program to its end with its output captured: doctor's checks of
// libraries and of programs started with a preload.
#pragma once

#include <string>
#include <vector>

namespace sockshim::cli {

struct CapturedRun {
  bool started = false;    // false: the program could not be executed
  bool timed_out = false;  // killed after the time limit
  int exit_status = -1;    // its exit status, or 128 + the signal that ended it
  std::string output;      // stdout and stderr, interleaved
};

// Runs |argv| (argv[0] a path) with exactly |environment|, killing it after
// |time_limit_ms|.
CapturedRun run_captured(const std::vector<std::string>& argv, const std::vector<std::string>& environment,
                         int time_limit_ms);

}  // namespace sockshim::cli
