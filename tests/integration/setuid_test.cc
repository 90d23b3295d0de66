// SPDX-License-Identifier: Apache-2.0
// A setuid program ignores every SOCKSHIM_* variable (secure_getenv): tested
// with a setuid-root copy of a test program run by an unprivileged user.
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "tests/support/child_process.h"
#include "tests/support/probe_output.h"
#include "tests/support/reachable_copies.h"

namespace sockshim::testing {
namespace {

bool copy_file(const std::string& from, const std::string& to, mode_t mode) {
  std::ifstream in(from, std::ios::binary);
  std::ofstream out(to, std::ios::binary | std::ios::trunc);
  out << in.rdbuf();
  out.close();
  return in && out && chown(to.c_str(), 0, 0) == 0 && chmod(to.c_str(), mode) == 0;
}

constexpr uid_t kNobody = 65534;

// Runs |program| as nobody, straight from a forked child of this test, so
// that no other program sees the environment: just the exec'd one.
ProgramResult run_as_nobody_directly(const std::string& program, const Environment& environment) {
  int out[2], err[2];
  if (pipe(out) != 0 || pipe(err) != 0) return {};
  std::vector<std::string> env_text;
  for (const auto& [name, value] : environment) env_text.push_back(name + "=" + value);
  std::vector<char*> env;
  for (std::string& entry : env_text) env.push_back(entry.data());
  env.push_back(nullptr);
  std::string program_copy = program, mode = "secure";
  char* argv[] = {program_copy.data(), mode.data(), nullptr};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    if (setgroups(0, nullptr) != 0 || setgid(kNobody) != 0 || setuid(kNobody) != 0) _exit(126);
    execve(argv[0], argv, env.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  ProgramResult result;
  char buffer[4096];
  ssize_t n;
  while ((n = read(out[0], buffer, sizeof buffer)) > 0) result.out.append(buffer, static_cast<size_t>(n));
  while ((n = read(err[0], buffer, sizeof buffer)) > 0) result.err.append(buffer, static_cast<size_t>(n));
  close(out[0]);
  close(err[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) result.exit_status = WEXITSTATUS(status);
  return result;
}

const Environment kIgnoredSettings = {{"SOCKSHIM_CONFIG_TOML", "keepalive.idle = 41\n"},
                                      {"SOCKSHIM_LOG", "debug"},
                                      {"SOCKSHIM_STRICT", "1"}};

class SetuidTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to make a setuid program and run it unprivileged";
    // A directory of this test's own, removed after: runs may overlap.
    dir_ = copies_.dir();
    ASSERT_TRUE(copy_file(SOCKPROBE_PATH, dir_ + "/setuid-sockprobe", 04755));
    ASSERT_TRUE(copy_file(SOCKPROBE_PATH, dir_ + "/plain-sockprobe", 0755));
    // nobody must be able to load it wherever the build tree is.
    library_ = copies_.add(shim_library_path());
    ASSERT_NE(library_, "");
  }
  void TearDown() override {
    if (!trusted_library_.empty()) unlink(trusted_library_.c_str());
  }

  ProgramResult run_as_nobody(const std::string& program, Environment environment) {
    for (const auto& [name, value] : kIgnoredSettings) environment[name] = value;
    return run_as_nobody_directly(program, environment);
  }

  ReachableCopies copies_;
  std::string library_;
  std::string dir_;
  std::string trusted_library_;
};

TEST_F(SetuidTest, ANonSetuidProgramOfTheSameUserUsesTheSettings) {
  const ProgramResult result =
      run_as_nobody(dir_ + "/plain-sockprobe", {{"LD_PRELOAD", library_}});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_THAT(result.out, ::testing::HasSubstr("secure preloaded=1 euid=65534 uid=65534 idle=41"));
}

TEST_F(SetuidTest, ASetuidProgramIgnoresEverySockshimVariable) {
#if defined(__GLIBC__)
  // glibc preloads into a setuid program only a setuid library from a system
  // directory, named without a slash: so the shim really is in the process.
  const std::string system_dir = "/usr/lib/x86_64-linux-gnu";
  const std::string name = "libsockshim-setuid-test-" + std::to_string(getpid()) + ".so";
  trusted_library_ = system_dir + "/" + name;
  ASSERT_TRUE(copy_file(shim_library_path(), trusted_library_, 04755));
  const ProgramResult result = run_as_nobody(dir_ + "/setuid-sockprobe", {{"LD_PRELOAD", name}});
  EXPECT_EQ(result.exit_status, 0) << result.err;  // SOCKSHIM_STRICT=1 ignored too
  const std::string kernel_default = std::to_string(read_sysctl("net/ipv4/tcp_keepalive_time"));
  EXPECT_THAT(result.out, ::testing::HasSubstr("secure preloaded=1 euid=0 uid=65534 idle=" + kernel_default));
#else
  // musl's loader ignores LD_PRELOAD in a setuid program altogether.
  const ProgramResult result =
      run_as_nobody(dir_ + "/setuid-sockprobe", {{"LD_PRELOAD", library_}});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_THAT(result.out, ::testing::HasSubstr("secure preloaded=0 euid=0 uid=65534 idle=" +
                                                  std::to_string(read_sysctl("net/ipv4/tcp_keepalive_time"))));
#endif
  EXPECT_EQ(result.err, "");  // SOCKSHIM_LOG=debug ignored
}

}  // namespace
}  // namespace sockshim::testing
