// SPDX-License-Identifier: Apache-2.0
// `sockshim doctor --preload-test LIBRARY`: whether programs here still start
// with LD_PRELOAD=LIBRARY, checked before an image sets it for every process
// (a library its libc cannot load stops every program at start).
#pragma once

#include <string>
#include <vector>

namespace sockshim::cli {

// Runs each program (argv lists; empty: /bin/sh -c : and /usr/bin/env true)
// without and with |library|, under a time limit, and prints what happened.
// Returns true when each dynamically linked program tried started as it does
// without the library, the library ran in it and reported no error.
bool try_preload(const std::string& library, std::vector<std::vector<std::string>> programs);

}  // namespace sockshim::cli
