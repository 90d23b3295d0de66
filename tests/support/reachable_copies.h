// SPDX-License-Identifier: Apache-2.0
// Copies of test files in a directory that every user can reach, for tests
// that run a program as another user: the build tree may sit in a mode-0700
// home such as /root, where that user could not load the library or run
// the program.
#pragma once

#include <sys/types.h>

#include <string>

namespace sockshim::testing {

class ReachableCopies {
 public:
  ReachableCopies();   // a new directory under /tmp, mode 0755
  ~ReachableCopies();  // removes it and every copy
  ReachableCopies(const ReachableCopies&) = delete;
  ReachableCopies& operator=(const ReachableCopies&) = delete;

  // Copies |path| in (owned by root when run as root) and returns the
  // copy's path, or "" on failure.
  std::string add(const std::string& path, mode_t mode = 0755);
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace sockshim::testing
