// SPDX-License-Identifier: Apache-2.0
// A directory of this test process's own for the files its tests write.
// ctest runs tests in parallel, each in its own process, and the same test
// under several registrations (integration., bind_now., portable.) at once:
// fixed names in a shared directory (gtest's TempDir(), /tmp) would let one
// run overwrite or delete another's files.
#pragma once

#include <string>

namespace sockshim::testing {

// A new directory under TempDir() (mode 0755, so that a program run as
// nobody can reach the files a test makes readable), made on first use and
// removed with everything in it when the process exits.
const std::string& scratch_dir();

}  // namespace sockshim::testing
