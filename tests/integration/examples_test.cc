// SPDX-License-Identifier: Apache-2.0
// Every shipped example loads, strictly, into a real process under the shim.
#include <dirent.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/child_process.h"

namespace sockshim::testing {
namespace {

std::vector<std::string> example_files() {
  std::vector<std::string> files;
  const std::string dir = SOCKSHIM_EXAMPLES_DIR;
  if (DIR* handle = opendir(dir.c_str())) {
    while (const dirent* entry = readdir(handle)) {
      const std::string name = entry->d_name;
      if (name.size() > 5 && name.compare(name.size() - 5, 5, ".toml") == 0) {
        files.push_back(dir + "/" + name);
      }
    }
    closedir(handle);
  }
  return files;
}

TEST(ExamplesTest, EveryExampleLoadsStrictly) {
  const std::vector<std::string> files = example_files();
  ASSERT_GE(files.size(), 3u) << "examples are missing from " << SOCKSHIM_EXAMPLES_DIR;
  for (const std::string& file : files) {
    const ProgramResult result = run_program(
        {SOCKPROBE_PATH, "pair"},
        {{"LD_PRELOAD", shim_library_path()}, {"SOCKSHIM_CONFIG", file}, {"SOCKSHIM_STRICT", "1"},
         {"SOCKSHIM_LOG", "info"}});
    EXPECT_EQ(result.exit_status, 0) << file << "\n" << result.err;
    EXPECT_THAT(result.err, ::testing::HasSubstr("loaded " + file)) << file;
  }
}

TEST(ExamplesTest, NatKeepaliveExampleDoesWhatItsCommentsSay) {
  const ProgramResult result = run_program(
      {SOCKPROBE_PATH, "pair"},
      {{"LD_PRELOAD", shim_library_path()},
       {"SOCKSHIM_CONFIG", std::string(SOCKSHIM_EXAMPLES_DIR) + "/nat-keepalive.toml"}});
  EXPECT_THAT(result.out, ::testing::HasSubstr(
                              "client keepalive=1 idle=60 interval=10 count=3"));
  EXPECT_THAT(result.out, ::testing::HasSubstr("user_timeout=90000"));
}

}  // namespace
}  // namespace sockshim::testing
