// SPDX-License-Identifier: Apache-2.0
// The documented limit (docs/reliability.md, libsockshim(8)): a signal
// handler's socket, made while its own thread is in the middle of building
// the shim's runtime, gets no options, and its real result and errno are
// the kernel's. Every socket after the build, a handler's too, gets them.
// The program (tests/programs/signal_during_build_program.c) stops the build
// at the same point every run, so each run checks both halves.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/support/child_process.h"

namespace sockshim::testing {
namespace {

using ::testing::HasSubstr;

// The line of |out| that starts with |name| and a space.
std::string line_of(const std::string& out, const std::string& name) {
  const size_t at = out.find(name + " ");
  if (at == std::string::npos) return "";
  return out.substr(at, out.find('\n', at) - at);
}

TEST(SignalDuringBuildTest, AHandlersSocketDuringTheBuildIsTheKernelsAndEveryLaterOneIsTuned) {
  const std::string fifo = ::testing::TempDir() + "/sockshim-build-log-" + std::to_string(getpid());
  unlink(fifo.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0) << fifo;
  Environment environment = with_shim("keepalive = { idle = 17, interval = 4, count = 6 }\n");
  environment["SOCKSHIM_LOG"] = "info";
  environment["SOCKSHIM_LOG_FILE"] = fifo;
  // A reader for the shim's open of the log file at load, and none after.
  const int reader = open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0) << fifo;
  ChildProcess child({SIGNAL_DURING_BUILD_PROGRAM_PATH, fifo}, environment);
  const std::string started = child.read_line(60000);
  close(reader);
  child.close_stdin();
  const ProgramResult result = child.finish(180);
  unlink(fifo.c_str());
  ASSERT_EQ(started, "started") << result.out << result.err;
  ASSERT_EQ(result.exit_status, 0) << result.out << result.err;
  // The handler interrupted the build: the log line it had not yet written
  // came after it.
  EXPECT_THAT(result.out, HasSubstr("loaded SOCKSHIM_CONFIG_TOML")) << result.out;
  // No options, not some of them; the real result and errno untouched.
  EXPECT_EQ(line_of(result.out, "during_build"), "during_build result=ok errno=kept keepalive=0 idle_configured=0")
      << result.out;
  // The interrupted call itself, and a handler's socket after the build.
  EXPECT_EQ(line_of(result.out, "first_socket"), "first_socket result=ok keepalive=1 idle_configured=1")
      << result.out;
  EXPECT_EQ(line_of(result.out, "after_build"), "after_build result=ok errno=kept keepalive=1 idle_configured=1")
      << result.out;
}

}  // namespace
}  // namespace sockshim::testing
