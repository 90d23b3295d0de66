// SPDX-License-Identifier: Apache-2.0
// `sockshim compile` and the library reading its file: real processes under
// the preload read the same values back from the kernel with and without the
// compiled file; a compiled file that no longer fits its config is ignored
// with one line, and the config decides.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/probe_output.h"
#include "tests/support/scratch_dir.h"

namespace sockshim::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Top-level settings, a connect rule that matches the probe's destination,
// a listen rule on its port and a rule that matches nothing (10.0.0.0/8).
std::string config_text(int port, int idle) {
  const std::string p = std::to_string(port);
  return "[keepalive]\nidle = " + std::to_string(idle) +
         "\ninterval = 10\ncount = 3\n[buffers]\nsend = 131072\n"
         "[[rule]]\nname = \"loopback\"\nmatch = { direction = \"connect\", remote = [\"127.0.0.0/8\", \"::1\"], "
         "port = " + p + " }\nkeepalive = { interval = 4 }\ntcp = { user_timeout = \"20s\" }\n"
         "[[rule]]\nname = \"listener\"\n[rule.match]\ndirection = \"listen\"\nport = " + p +
         "\n[rule.buffers]\nreceive = 65536\n"
         "[[rule]]\nname = \"elsewhere\"\nmatch = { direction = \"connect\", remote = [\n  \"10.0.0.0/8\",\n"
         "  \"10.1.0.0/16\",\n] }\ntcp = { nodelay = true }\n";
}

std::string write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  return path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

ProgramResult compile(const std::string& config) { return run_program({SOCKSHIM_CLI_PATH, "compile", config}); }

// The probe's pair of sockets under the shim with |config|, and its stderr.
std::map<std::string, SocketReport> probe(const std::string& config, int port, const std::string& log,
                                          std::string* err) {
  Environment environment = {{"LD_PRELOAD", shim_library_path()}, {"SOCKSHIM_CONFIG", config}};
  if (!log.empty()) environment["SOCKSHIM_LOG"] = log;
  const ProgramResult result = run_program({SOCKPROBE_PATH, "pair", "-p", std::to_string(port)}, environment);
  EXPECT_EQ(result.exit_status, 0) << result.err;
  *err = result.err;
  return parse_probe_output(result.out);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void expect_same_sockets(const std::map<std::string, SocketReport>& a, const std::map<std::string, SocketReport>& b) {
  for (const char* label : {"listener", "client", "accepted"}) {
    ASSERT_TRUE(a.count(label) && b.count(label)) << label;
    EXPECT_EQ(a.at(label), b.at(label)) << label;
  }
}

class CompiledConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = free_port();
    config_ = write_file(scratch_dir() + "/" + ::testing::UnitTest::GetInstance()->current_test_info()->name() +
                             ".toml",
                         config_text(port_, 30));
    compiled_ = config_ + ".compiled";
    std::string err;
    parsed_ = probe(config_, port_, "info", &err);
    EXPECT_THAT(err, HasSubstr("loaded " + config_ + ": 3 rule(s)"));
    ASSERT_TRUE(parsed_.count("client"));
    // What the config says, read back from the kernel.
    EXPECT_EQ(parsed_.at("client").at("idle"), 30);
    EXPECT_EQ(parsed_.at("client").at("interval"), 4);
    EXPECT_EQ(parsed_.at("client").at("user_timeout"), 20000);
    EXPECT_EQ(parsed_.at("client").at("nodelay"), 0);
    EXPECT_EQ(parsed_.at("listener").at("rcvbuf"), 2 * 65536);
    EXPECT_EQ(parsed_.at("accepted").at("interval"), 10);
    const ProgramResult compiled = compile(config_);
    ASSERT_EQ(compiled.exit_status, 0) << compiled.err;
    EXPECT_THAT(compiled.out, HasSubstr(compiled_ + ": 3 rule(s)"));
  }

  // A run whose stderr must be one warning naming the compiled file and |why|.
  void expect_ignored(const std::string& why, int idle) {
    std::string err;
    const auto sockets = probe(config_, port_, "", &err);
    const std::vector<std::string> lines = lines_of(err);
    ASSERT_EQ(lines.size(), 1u) << err;
    EXPECT_THAT(lines[0], HasSubstr(compiled_ + ": ignored, " + why));
    EXPECT_THAT(lines[0], HasSubstr("sockshim compile " + config_));
    EXPECT_EQ(sockets.at("client").at("idle"), idle);
    EXPECT_EQ(sockets.at("client").at("interval"), 4);
    EXPECT_EQ(sockets.at("listener").at("rcvbuf"), 2 * 65536);
  }

  int port_ = 0;
  std::string config_;
  std::string compiled_;
  std::map<std::string, SocketReport> parsed_;
};

TEST_F(CompiledConfigTest, TheSameValuesWithTheCompiledFile) {
  std::string err;
  const auto from_compiled = probe(config_, port_, "info", &err);
  EXPECT_THAT(err, HasSubstr("loaded " + config_ + " (from its compiled file): 3 rule(s)"));
  expect_same_sockets(from_compiled, parsed_);
  // And silent at the default level, as without it.
  probe(config_, port_, "", &err);
  EXPECT_EQ(err, "");
}

TEST_F(CompiledConfigTest, AChangedConfigWinsOverItsStaleCompiledFile) {
  write_file(config_, config_text(port_, 45));
  expect_ignored("made from another text of the config", 45);
}

TEST_F(CompiledConfigTest, ADamagedCompiledFileIsIgnored) {
  std::string bytes = read_file(compiled_);
  bytes[bytes.size() - 3] ^= 0x10;
  write_file(compiled_, bytes);
  expect_ignored("damaged", 30);
}

TEST_F(CompiledConfigTest, AnotherVersionsCompiledFileIsIgnored) {
  std::string bytes = read_file(compiled_);
  const size_t version = bytes.find(SOCKSHIM_VERSION);
  ASSERT_NE(version, std::string::npos);
  bytes[version] = bytes[version] == '9' ? '8' : '9';
  write_file(compiled_, bytes);
  expect_ignored("written by another sockshim version", 30);
}

TEST_F(CompiledConfigTest, SomethingElseInItsPlaceIsIgnored) {
  write_file(compiled_, "not a policy\n");
  expect_ignored("not a compiled sockshim policy", 30);
}

TEST(CompileCommandTest, AnInvalidConfigIsReportedAndNothingWritten) {
  const std::string config = write_file(scratch_dir() + "/invalid.toml", "[keepalive]\nidle = \"soon\"\n");
  const ProgramResult result = compile(config);
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_THAT(result.err, HasSubstr(config + ":2:8: keepalive.idle: "));
  EXPECT_NE(access((config + ".compiled").c_str(), F_OK), 0);
}

TEST(CompileCommandTest, UsageWithoutAFile) {
  const ProgramResult result = run_program({SOCKSHIM_CLI_PATH, "compile"});
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_THAT(result.err, HasSubstr("usage: sockshim compile FILE"));
}

}  // namespace
}  // namespace sockshim::testing
