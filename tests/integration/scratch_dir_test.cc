// SPDX-License-Identifier: Apache-2.0
// tests/support/scratch_dir.h: ctest runs the same test under several
// registrations at once, so each test process writes in a directory no
// other process uses, gone when the process ends.
#include "tests/support/scratch_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "tests/support/child_process.h"

namespace sockshim::testing {
namespace {

bool is_directory(const std::string& path) {
  struct stat status;
  return stat(path.c_str(), &status) == 0 && S_ISDIR(status.st_mode);
}

// Run by the test below in a process of its own (a forked child's exit()
// runs every static destructor of the test binary, not only this one's):
// prints its directory, and whether a child's exit() left it.
TEST(ScratchDirTest, PrintsItsOwnDirectoryWhenAsked) {
  if (!std::getenv("SOCKSHIM_PRINT_SCRATCH_DIR")) GTEST_SKIP() << "run by EachProcessHasItsOwnRemovedAtExit";
  const std::string own = scratch_dir();
  const pid_t child = fork();
  if (child == 0) std::exit(0);  // runs the static destructors, as a child that exits normally does
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  std::cout << "scratch=" << own << "\nafter a child's exit: " << (is_directory(own) ? "there" : "gone") << "\n";
}

TEST(ScratchDirTest, EachProcessHasItsOwnRemovedAtExit) {
  const std::string own = scratch_dir();
  ASSERT_TRUE(is_directory(own)) << own;
  std::string self(4096, '\0');
  const ssize_t length = readlink("/proc/self/exe", self.data(), self.size());
  ASSERT_GT(length, 0);
  self.resize(static_cast<size_t>(length));
  const ProgramResult other = run_program(
      {self, "--gtest_filter=ScratchDirTest.PrintsItsOwnDirectoryWhenAsked"}, {{"SOCKSHIM_PRINT_SCRATCH_DIR", "1"}});
  ASSERT_EQ(other.exit_status, 0) << other.out << other.err;
  const size_t at = other.out.find("scratch=");
  ASSERT_NE(at, std::string::npos) << other.out;
  const std::string theirs = other.out.substr(at + 8, other.out.find('\n', at) - at - 8);
  EXPECT_NE(theirs, own);
  EXPECT_FALSE(theirs.empty());
  EXPECT_FALSE(is_directory(theirs)) << theirs << " is left behind";
  EXPECT_THAT(other.out, ::testing::HasSubstr("after a child's exit: there\n"));
}

}  // namespace
}  // namespace sockshim::testing
