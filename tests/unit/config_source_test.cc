// SPDX-License-Identifier: Apache-2.0
// find_config(): where a process's config comes from, and how its path and
// text are laid out in the caller's buffer (the path, then the text right
// after it, so that the library's load writes one page for a small config).
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "config/config_source.h"

namespace sockshim {
namespace {

std::map<std::string, std::string> g_environment;

char* read_test_environment(const char* name) {
  const auto found = g_environment.find(name);
  return found == g_environment.end() ? nullptr : found->second.data();
}

class FindConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_environment.clear();
    char pattern[] = "/tmp/sockshim-config-source-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::remove((dir_ + "/sockshim.toml").c_str());
    rmdir(dir_.c_str());
  }
  std::string write_config(const std::string& text) {
    const std::string path = dir_ + "/sockshim.toml";
    std::ofstream(path) << text;
    return path;
  }

  std::string dir_;
  std::string buffer_ = std::string(kConfigBufferBytes, '\x7f');
  FoundConfig found_{};
};

TEST_F(FindConfigTest, AFilesTextFollowsItsPathInTheBuffer) {
  const std::string path = write_config("[keepalive]\nidle = 30\n");
  g_environment["SOCKSHIM_CONFIG"] = path;
  ASSERT_EQ(find_config(read_test_environment, buffer_.data(), buffer_.size(), &found_), ConfigLookup::found);
  EXPECT_TRUE(found_.from_file);
  EXPECT_EQ(found_.source, buffer_.data());
  EXPECT_EQ(std::string(found_.source), path);
  EXPECT_EQ(found_.text, buffer_.data() + path.size() + 1);
  EXPECT_EQ(std::string(found_.text, found_.length), "[keepalive]\nidle = 30\n");
}

TEST_F(FindConfigTest, TheLargestConfigFitsBehindTheLongestPath) {
  const std::string text(kMaxConfigBytes, '#');
  const std::string path = write_config(text);
  g_environment["SOCKSHIM_CONFIG"] = path;
  ASSERT_EQ(find_config(read_test_environment, buffer_.data(), buffer_.size(), &found_), ConfigLookup::found);
  EXPECT_EQ(found_.length, kMaxConfigBytes);
  EXPECT_LE(kMaxConfigPathBytes + kMaxConfigBytes, kConfigBufferBytes);
}

TEST_F(FindConfigTest, AFileThatCannotBeReadIsNamedByItsPath) {
  g_environment["SOCKSHIM_CONFIG"] = dir_ + "/missing.toml";
  ASSERT_EQ(find_config(read_test_environment, buffer_.data(), buffer_.size(), &found_), ConfigLookup::failed);
  EXPECT_EQ(std::string(found_.source), dir_ + "/missing.toml");
  EXPECT_EQ(lookup_error(found_).source, dir_ + "/missing.toml");
}

TEST_F(FindConfigTest, InlineTextIsCopiedToTheStartOfTheBuffer) {
  g_environment["SOCKSHIM_CONFIG_TOML"] = "[tcp]\nnodelay = true\n";
  g_environment["SOCKSHIM_CONFIG"] = dir_ + "/missing.toml";  // the inline text wins
  ASSERT_EQ(find_config(read_test_environment, buffer_.data(), buffer_.size(), &found_), ConfigLookup::found);
  EXPECT_FALSE(found_.from_file);
  EXPECT_STREQ(found_.source, "SOCKSHIM_CONFIG_TOML");
  EXPECT_EQ(found_.text, buffer_.data());
  EXPECT_EQ(std::string(found_.text, found_.length), "[tcp]\nnodelay = true\n");
}

TEST_F(FindConfigTest, ABufferWithoutRoomForThePathFails) {
  const std::string path = write_config("");
  g_environment["SOCKSHIM_CONFIG"] = path;
  EXPECT_EQ(find_config(read_test_environment, buffer_.data(), path.size(), &found_), ConfigLookup::failed);
  EXPECT_EQ(found_.failure.problem, FileProblem::too_large);
}

}  // namespace
}  // namespace sockshim
