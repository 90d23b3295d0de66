// SPDX-License-Identifier: Apache-2.0
#include "tests/support/scratch_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace sockshim::testing {
namespace {

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = ::testing::TempDir();
    if (pattern.empty() || pattern.back() != '/') pattern += '/';
    pattern += "sockshim-test-XXXXXX";
    if (mkdtemp(pattern.data())) {
      path_ = pattern;
      owner_ = getpid();
      chmod(path_.c_str(), 0755);
    }
  }
  ~ScratchDir() {
    // A forked child that exits through exit() runs this too: only the
    // process that made the directory removes it.
    if (path_.empty() || getpid() != owner_) return;
    // Tests make files nobody may read or write; root removes them all
    // the same, and no error stops the process's exit.
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  pid_t owner_ = 0;
};

}  // namespace

const std::string& scratch_dir() {
  static const ScratchDir dir;
  if (dir.path().empty()) {
    ADD_FAILURE() << "cannot make a scratch directory under " << ::testing::TempDir();
  }
  return dir.path();
}

}  // namespace sockshim::testing
