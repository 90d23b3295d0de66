// SPDX-License-Identifier: Apache-2.0
// Programs that do to their descriptors, limits and privileges what real
// daemons do (tests/programs/hostile_program.c), and other preloads beside
// the shim. Each runs with and without the shim: what the program sees of
// its own descriptors, results and errno must not differ; the options must
// still be set wherever the kernel allows it.
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
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

constexpr char kConfig[] =
    "keepalive = { idle = 41, count = 3 }\n"
    "buffers = { receive = \"64MiB\" }\n";  // above rmem_max: a clamp warning

// The program's output without the "options" lines, which alone may differ.
std::string without_options(const std::string& out) {
  std::istringstream lines(out);
  std::string line, kept;
  while (std::getline(lines, line)) {
    if (line.find(" options ") == std::string::npos) kept += line + "\n";
  }
  return kept;
}

std::string read_file(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

ProgramResult hostile(const std::vector<std::string>& args, const Environment& environment) {
  std::vector<std::string> argv = {HOSTILE_PROGRAM_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, environment);
}

// Runs |args| without and with the shim (at debug level, into |log_file| when
// given); expects the same output but for the options, and returns the run
// under the shim.
ProgramResult same_as_without_shim(const std::vector<std::string>& args, const std::string& log_file = "") {
  const ProgramResult without = hostile(args, {});
  Environment environment = with_shim(kConfig);
  environment["SOCKSHIM_LOG"] = "debug";
  if (!log_file.empty()) environment["SOCKSHIM_LOG_FILE"] = log_file;
  const ProgramResult with = hostile(args, environment);
  EXPECT_EQ(without.exit_status, 0) << without.err;
  EXPECT_EQ(with.exit_status, without.exit_status) << with.err;
  EXPECT_EQ(with.signal, 0);
  EXPECT_EQ(without_options(with.out), without_options(without.out));
  return with;
}

std::string fresh_log_file(const std::string& name) {
  const std::string path = scratch_dir() + "/sockshim-hostile-" + name + ".log";
  unlink(path.c_str());
  return path;
}

class CloseAllTest : public ::testing::TestWithParam<const char*> {};

// A daemon closes every descriptor above 2, before and after its first
// socket, and the numbers come back for its own socketpairs: no message of
// the shim may arrive there, and the log file still gets them.
TEST_P(CloseAllTest, NoMessageReachesTheProgramsDescriptorsAndTheLogStillWorks) {
  const std::string log_file = fresh_log_file(GetParam());
  const ProgramResult with = same_as_without_shim({"close-all", GetParam()}, log_file);
  EXPECT_THAT(with.out, HasSubstr("first socketpair=1,1 foreign=0\n"));
  EXPECT_THAT(with.out, HasSubstr("second foreign=0\n"));
  const auto reports = parse_probe_output(with.out);
  EXPECT_EQ(reports.at("first").at("idle"), 41);
  EXPECT_EQ(reports.at("second").at("idle"), 41);
  // Messages of the sockets made after each close.
  const std::string log = read_file(log_file);
  EXPECT_GE(std::count(log.begin(), log.end(), '\n'), 8) << log;
  EXPECT_THAT(log, HasSubstr("TCP_KEEPIDLE=41"));
  EXPECT_THAT(log, HasSubstr("was clamped by the kernel"));
  EXPECT_EQ(with.err, "");
}

INSTANTIATE_TEST_SUITE_P(Methods, CloseAllTest, ::testing::Values("close_range", "closefrom", "close_loop"));

TEST(CloseAllTest, ToStderrNoMessageReachesTheProgramsDescriptors) {
  const ProgramResult with = same_as_without_shim({"close-all", "close_range"});
  EXPECT_THAT(with.out, HasSubstr("first socketpair=1,1 foreign=0\n"));
  EXPECT_THAT(with.out, HasSubstr("second foreign=0\n"));
  EXPECT_THAT(with.err, HasSubstr("TCP_KEEPIDLE=41"));
}

// Descriptor 2 closed and handed to a socketpair: the shim's messages are
// dropped, not written into it.
TEST(HostileProgramTest, StderrReusedForASocketGetsNoMessage) {
  const ProgramResult with = same_as_without_shim({"stderr-reuse"});
  EXPECT_THAT(with.out, HasSubstr("pair-holds-2=1 foreign=0\n"));
  EXPECT_EQ(parse_probe_output(with.out).at("client").at("idle"), 41);
}

// A program started with a TCP connection as stderr (inetd, systemd's
// StandardError=socket): the connection is the protocol stream, and the
// shim's messages are dropped rather than sent to the peer.
TEST(HostileProgramTest, StderrThatIsAConnectionGetsNoMessage) {
  const ProgramResult with = same_as_without_shim({"inetd-stderr"});
  EXPECT_THAT(with.out, HasSubstr("inetd child status=0 foreign=0\n"));
}

// The program's socketpair duplicated over 0..63, whatever the shim had
// opened there; the log file is reopened for each message.
TEST(HostileProgramTest, Dup2OverEveryLowDescriptor) {
  for (const std::string& log_file : {std::string(), fresh_log_file("dup2")}) {
    const ProgramResult with = same_as_without_shim({"dup2-over"}, log_file);
    EXPECT_THAT(with.out, HasSubstr("foreign=0\n"));
    EXPECT_EQ(parse_probe_output(with.out).at("second").at("idle"), 41);
    if (!log_file.empty()) {
      EXPECT_THAT(read_file(log_file), HasSubstr("TCP_KEEPIDLE=41"));
    }
  }
}

// No descriptor to spare: the shim opens nothing, drops its messages, sets
// the options, and leaves results and errno as they were.
TEST(HostileProgramTest, NoDescriptorLeftForTheShim) {
  const ProgramResult with = same_as_without_shim({"rlimit"}, fresh_log_file("rlimit"));
  EXPECT_THAT(with.out, HasSubstr("socket ok=1 errno=4242\nconnect result=0 errno=4242\n"));
  EXPECT_THAT(with.out, HasSubstr("another socket result=-1 emfile=1\n"));
  EXPECT_EQ(parse_probe_output(with.out).at("client").at("idle"), 41);
}

// The program's own seccomp filter refuses setsockopt (systemd's
// SystemCallFilter=, a container profile): results, errno and the program's
// view of its options are as without the shim, with one warning at most.
TEST(HostileProgramTest, SetsockoptRefusedBySeccompGivesOneWarning) {
  const ProgramResult without = hostile({"seccomp-eperm"}, {});
  const ProgramResult with = hostile({"seccomp-eperm"}, with_shim("keepalive = { idle = 41, count = 3 }\n"
                                                                  "tcp = { user_timeout = 5000, nodelay = true }\n"));
  EXPECT_EQ(with.exit_status, 0) << with.err;
  EXPECT_EQ(with.out, without.out);
  EXPECT_THAT(with.out, HasSubstr("socket ok=1 errno=4242\nconnect result=0 errno=4242\n"
                                  "own setsockopt result=-1 errno=Operation not permitted\n"));
  EXPECT_EQ(std::count(with.err.begin(), with.err.end(), '\n'), 1) << with.err;
  EXPECT_THAT(with.err, HasSubstr("failed: Operation not permitted"));
}

// The config is read at load, while the program still has its rights: a
// config only root may read still applies after setuid(nobody).
TEST(HostileProgramTest, SetuidAfterStartKeepsTheConfigReadAtLoad) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to change user";
  const std::string path = scratch_dir() + "/sockshim-root-only.toml";
  std::ofstream(path) << kConfig;
  chmod(path.c_str(), 0600);
  Environment environment = {{"LD_PRELOAD", shim_library_path()}, {"SOCKSHIM_CONFIG", path}};
  const ProgramResult with = hostile({"setuid-nobody"}, environment);
  EXPECT_EQ(with.exit_status, 0) << with.err;
  EXPECT_THAT(with.out, HasSubstr("uid=65534\n"));
  EXPECT_EQ(parse_probe_output(with.out).at("client").at("idle"), 41);
}

// vfork children that connect before exec, the first of them before the
// parent ever opened a socket (so the shim starts up inside the child).
TEST(HostileProgramTest, VforkChildrenConnectBeforeExec) {
  const ProgramResult with = same_as_without_shim({"vfork-connect"});
  for (int round = 0; round < 3; ++round) {
    const std::string child = "child " + std::to_string(round);
    EXPECT_THAT(with.out, HasSubstr(child + " connected=0 status=0\n"));
    EXPECT_THAT(with.out, HasSubstr(child + " options idle=41\n"));
  }
  EXPECT_EQ(parse_probe_output(with.out).at("parent").at("idle"), 41);
}

// Multipath TCP takes the TCP settings; SCTP, whether or not this kernel
// has it, is left alone.
TEST(HostileProgramTest, MultipathTcpIsConfiguredAndSctpLeftAlone) {
  const ProgramResult without = hostile({"stream-protocols"}, {});
  const ProgramResult with = hostile({"stream-protocols"}, with_shim(kConfig));
  EXPECT_EQ(with.exit_status, 0) << with.err;
  const auto before = parse_probe_output(without.out);
  const auto after = parse_probe_output(with.out);
  std::istringstream lines(without.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("sctp", 0) == 0) {
      EXPECT_THAT(with.out, HasSubstr(line + "\n"));
    }
  }
  if (before.at("mptcp").at("created") != 1) {
    GTEST_SKIP() << "no multipath TCP here: " << without.out;
  }
  EXPECT_EQ(after.at("mptcp").at("keepalive"), 1);
  EXPECT_EQ(after.at("mptcp").at("idle"), 41);
  EXPECT_EQ(after.at("mptcp").at("count"), 3);
  EXPECT_NE(before.at("mptcp").at("idle"), 41);
}

// Another preload that interposes socket() and connect() and sets
// TCP_KEEPIDLE 77 itself. The outer one (first in LD_PRELOAD) acts last;
// each call reaches the other library exactly once; errno is kept.
TEST(StackedPreloadTest, BothTakeEffectInEitherOrder) {
  const std::string shim = shim_library_path(), stacked = STACKED_PRELOAD_PATH;
  struct Order {
    std::string preload;
    int idle;
  };
  for (const Order& order : {Order{stacked + " " + shim, 77}, Order{shim + ":" + stacked, 41}}) {
    Environment environment = with_shim(kConfig);
    environment["LD_PRELOAD"] = order.preload;
    const ProgramResult result = hostile({"connect-twice"}, environment);
    const ProgramResult alone = hostile({"connect-twice"}, {{"LD_PRELOAD", stacked}});
    EXPECT_EQ(result.exit_status, 0) << order.preload << result.err;
    EXPECT_EQ(without_options(result.out), without_options(alone.out));
    EXPECT_THAT(result.out, HasSubstr("refused connect result=-1 errno=Connection refused\n"));
    const auto reports = parse_probe_output(result.out);
    EXPECT_EQ(reports.at("client").at("idle"), order.idle) << order.preload;
    EXPECT_EQ(reports.at("client").at("count"), 3) << order.preload;
    EXPECT_THAT(result.err, HasSubstr("stacked sockets=4 connects=2\n")) << order.preload;
  }
}

}  // namespace
}  // namespace sockshim::testing
