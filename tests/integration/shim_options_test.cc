// SPDX-License-Identifier: Apache-2.0
// Real processes under the shim; every value is read back from the kernel
// by the process itself (sockprobe, python3) or seen from outside (ss).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
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

constexpr char kEverything[] = R"(
[keepalive]
idle = 30
interval = 10
count = 3
[buffers]
receive = "256KiB"
send = 131072
[tcp]
user_timeout = "20s"
nodelay = true
)";

std::map<std::string, SocketReport> probe(const std::vector<std::string>& args,
                                          const Environment& environment) {
  std::vector<std::string> argv = {SOCKPROBE_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  const ProgramResult result = run_program(argv, environment);
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.err, "") << "the shim must be silent while all is well";
  return parse_probe_output(result.out);
}

void expect_everything(const SocketReport& socket, const std::string& label) {
  EXPECT_EQ(socket.at("keepalive"), 1) << label;
  EXPECT_EQ(socket.at("idle"), 30) << label;
  EXPECT_EQ(socket.at("interval"), 10) << label;
  EXPECT_EQ(socket.at("count"), 3) << label;
  EXPECT_EQ(socket.at("rcvbuf"), 2 * 262144) << label;  // the kernel doubles it
  EXPECT_EQ(socket.at("sndbuf"), 2 * 131072) << label;
  EXPECT_EQ(socket.at("user_timeout"), 20000) << label;
  EXPECT_EQ(socket.at("nodelay"), 1) << label;
}

void expect_kernel_defaults(const SocketReport& socket, const std::string& label) {
  EXPECT_EQ(socket.at("keepalive"), 0) << label;
  EXPECT_EQ(socket.at("idle"), read_sysctl("net/ipv4/tcp_keepalive_time")) << label;
  EXPECT_EQ(socket.at("interval"), read_sysctl("net/ipv4/tcp_keepalive_intvl")) << label;
  EXPECT_EQ(socket.at("count"), read_sysctl("net/ipv4/tcp_keepalive_probes")) << label;
  EXPECT_EQ(socket.at("user_timeout"), 0) << label;
  EXPECT_EQ(socket.at("nodelay"), 0) << label;
  EXPECT_NE(socket.at("rcvbuf"), 2 * 262144) << label;
}

// Each way a program may open, connect and accept.
class EverySocketPath : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(EverySocketPath, TopLevelSettingsReachListenerClientAndAcceptedSocket) {
  std::vector<std::string> args = {"pair"};
  args.insert(args.end(), GetParam().begin(), GetParam().end());
  const auto sockets = probe(args, with_shim(kEverything));
  for (const char* label : {"listener", "client", "accepted"}) {
    ASSERT_TRUE(sockets.count(label)) << label;
    expect_everything(sockets.at(label), label);
  }
}

TEST_P(EverySocketPath, WithoutTheShimTheKernelDefaultsStay) {
  std::vector<std::string> args = {"pair"};
  args.insert(args.end(), GetParam().begin(), GetParam().end());
  const auto sockets = probe(args, {});
  for (const char* label : {"listener", "client", "accepted"}) {
    ASSERT_TRUE(sockets.count(label)) << label;
    expect_kernel_defaults(sockets.at(label), label);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Paths, EverySocketPath,
    ::testing::Values(std::vector<std::string>{}, std::vector<std::string>{"-n"},
                      std::vector<std::string>{"-f"}, std::vector<std::string>{"-6"},
                      std::vector<std::string>{"-4"}, std::vector<std::string>{"-a"},
                      std::vector<std::string>{"-6", "-n", "-f", "-4", "-a"}),
    [](const auto& info) {
      std::string name = "plain";
      for (const std::string& flag : info.param) {
        name += flag == "-n" ? "_nonblocking_connect"
                : flag == "-f" ? "_sock_nonblock_cloexec"
                : flag == "-6" ? "_ipv6"
                : flag == "-4" ? "_accept4"
                               : "_accept_null_address";
      }
      return name;
    });

std::string connect_rule(const std::string& match) {
  return "keepalive.idle = 60\n[[rule]]\nname = \"db\"\nmatch = { direction = \"connect\", " + match +
         " }\nkeepalive = { idle = 5, interval = 2, count = 4 }\nbuffers.receive = 16384\n";
}

TEST(ConnectRuleTest, AppliesWhenTheDestinationMatches) {
  const int port = free_port();
  const auto sockets = probe({"pair", "-p", std::to_string(port)},
                             with_shim(connect_rule("remote = \"127.0.0.0/8\", port = " +
                                                    std::to_string(port))));
  EXPECT_EQ(sockets.at("client").at("idle"), 5);
  EXPECT_EQ(sockets.at("client").at("interval"), 2);
  EXPECT_EQ(sockets.at("client").at("count"), 4);
  EXPECT_EQ(sockets.at("client").at("rcvbuf"), 32768);
  // The accepted side and the listener did not connect anywhere.
  EXPECT_EQ(sockets.at("accepted").at("idle"), 60);
  EXPECT_EQ(sockets.at("listener").at("idle"), 60);
}

TEST(ConnectRuleTest, AppliesBeforeANonBlockingConnect) {
  const int port = free_port(true);
  const auto sockets = probe({"pair", "-6", "-n", "-f", "-p", std::to_string(port)},
                             with_shim(connect_rule("remote = \"::1\", port = \"" +
                                                    std::to_string(port) + "-" +
                                                    std::to_string(port) + "\"")));
  EXPECT_EQ(sockets.at("client").at("idle"), 5);
  EXPECT_EQ(sockets.at("client").at("rcvbuf"), 32768);
}

TEST(ConnectRuleTest, LeavesOtherDestinationsAlone) {
  const int port = free_port();
  for (const char* match : {"remote = \"10.0.0.0/8\"", "port = \"1-2\"",
                                   "remote = \"::1\""}) {
    const auto sockets = probe({"pair", "-p", std::to_string(port)}, with_shim(connect_rule(match)));
    EXPECT_EQ(sockets.at("client").at("idle"), 60) << match;
    EXPECT_NE(sockets.at("client").at("rcvbuf"), 32768) << match;
  }
}

TEST(ListenRuleTest, ListenerAndItsAcceptedConnectionsGetIt) {
  const int port = free_port();
  const std::string config = "[[rule]]\nmatch = { direction = \"listen\", port = " +
                             std::to_string(port) +
                             " }\nbuffers.receive = 4096\nkeepalive.idle = 11\n";
  for (const char* accept_flag : {"-4", "-a"}) {
    const auto sockets = probe({"pair", accept_flag, "-p", std::to_string(port)}, with_shim(config));
    for (const char* label : {"listener", "accepted"}) {
      EXPECT_EQ(sockets.at(label).at("rcvbuf"), 8192) << label;
      EXPECT_EQ(sockets.at(label).at("idle"), 11) << label;
      EXPECT_EQ(sockets.at(label).at("keepalive"), 1) << label;
    }
    EXPECT_EQ(sockets.at("client").at("keepalive"), 0);
  }
}

TEST(AcceptRuleTest, MatchesThePeer) {
  const std::string matching =
      "[[rule]]\nmatch = { direction = \"accept\", remote = [\"127.0.0.1\", \"::1\"] }\n"
      "tcp.user_timeout = 1234\n";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"pair"}, {"pair", "-4"}, {"pair", "-a"}, {"pair", "-6", "-4", "-a"}}) {
    const auto sockets = probe(args, with_shim(matching));
    EXPECT_EQ(sockets.at("accepted").at("user_timeout"), 1234) << args.back();
    EXPECT_EQ(sockets.at("listener").at("user_timeout"), 0);
    EXPECT_EQ(sockets.at("client").at("user_timeout"), 0);
  }
  const auto other_peer = probe(
      {"pair"}, with_shim("[[rule]]\nmatch = { direction = \"accept\", remote = \"10.0.0.0/8\" }\n"
                          "tcp.user_timeout = 1234\n"));
  EXPECT_EQ(other_peer.at("accepted").at("user_timeout"), 0);
}

TEST(ProgramRuleTest, MatchesTheProgramName) {
  const auto mine = probe({"pair"}, with_shim("[[rule]]\nmatch.program = \"sock*\"\nkeepalive.idle = 42\n"));
  EXPECT_EQ(mine.at("client").at("idle"), 42);
  const auto other = probe({"pair"}, with_shim("[[rule]]\nmatch.program = \"nginx\"\nkeepalive.idle = 42\n"));
  EXPECT_NE(other.at("client").at("idle"), 42);
}

TEST(LeftAloneTest, UdpAndUnixSocketsIgnoreTcpSettings) {
  for (const char* mode : {"udp", "unix"}) {
    const ProgramResult with = run_program({SOCKPROBE_PATH, mode}, with_shim(kEverything));
    const ProgramResult without = run_program({SOCKPROBE_PATH, mode});
    EXPECT_EQ(with.out, without.out) << mode;
    EXPECT_EQ(with.err, "");
  }
}

TEST(UdpRuleTest, UdpRulesSetBuffersAtCreationOrOnBind) {
  const auto any_udp = probe({"udp"}, with_shim("[[rule]]\nmatch.protocol = \"udp\"\nbuffers.receive = 65536\n"));
  EXPECT_EQ(any_udp.at("udp").at("rcvbuf"), 131072);
  const int port = free_port();
  const auto bound = probe({"udp", "-p", std::to_string(port)},
                           with_shim("[[rule]]\nmatch = { protocol = \"udp\", port = " +
                                     std::to_string(port) + " }\nbuffers.receive = 65536\n"));
  EXPECT_NE(bound.at("udp").at("rcvbuf"), 131072);
  EXPECT_EQ(bound.at("udp-bound").at("rcvbuf"), 131072);
}

TEST(ControlTest, DisableTurnsTheShimOff) {
  Environment environment = with_shim(kEverything);
  environment["SOCKSHIM_DISABLE"] = "1";
  const auto sockets = probe({"pair"}, environment);
  expect_kernel_defaults(sockets.at("client"), "client");
}

TEST(ControlTest, ConfigFromAFile) {
  const std::string path = scratch_dir() + "/sockshim-file.toml";
  FILE* file = fopen(path.c_str(), "w");
  ASSERT_NE(file, nullptr);
  fputs(kEverything, file);
  fclose(file);
  const auto sockets = probe({"pair"}, {{"LD_PRELOAD", shim_library_path()}, {"SOCKSHIM_CONFIG", path}});
  expect_everything(sockets.at("client"), "client");
  // The inline TOML wins over the file.
  Environment both = with_shim("keepalive.idle = 77");
  both["SOCKSHIM_CONFIG"] = path;
  EXPECT_EQ(probe({"pair"}, both).at("client").at("idle"), 77);
  remove(path.c_str());
}

TEST(ControlTest, ClampedBufferIsReportedOnceAndNothingElseChanges) {
  Environment environment = with_shim("buffers.receive = \"1GiB\"\n");
  const ProgramResult result = run_program({SOCKPROBE_PATH, "pair"}, environment);
  EXPECT_EQ(result.exit_status, 0);
  const auto sockets = parse_probe_output(result.out);
  EXPECT_EQ(sockets.at("client").at("rcvbuf"), 2 * read_sysctl("net/core/rmem_max"));
  EXPECT_THAT(result.err, HasSubstr("SO_RCVBUF 1073741824 was clamped by the kernel to"));
  EXPECT_THAT(result.err, HasSubstr("net.core.rmem_max"));
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

TEST(ControlTest, LogLevelAndLogFile) {
  const std::string path = scratch_dir() + "/sockshim-log.txt";
  remove(path.c_str());
  Environment environment = with_shim(kEverything);
  environment["SOCKSHIM_LOG"] = "debug";
  environment["SOCKSHIM_LOG_FILE"] = path;
  const ProgramResult result = run_program({SOCKPROBE_PATH, "pair"}, environment);
  EXPECT_EQ(result.err, "");
  std::ifstream file(path);
  std::stringstream log;
  log << file.rdbuf();
  EXPECT_THAT(log.str(), HasSubstr("loaded SOCKSHIM_CONFIG_TOML"));
  EXPECT_THAT(log.str(), HasSubstr("at socket: TCP_KEEPIDLE=30"));
  remove(path.c_str());

  // A log file that cannot be opened falls back to stderr and the program runs.
  environment["SOCKSHIM_LOG_FILE"] = "/proc/no-such-dir/log";
  const ProgramResult fallback = run_program({SOCKPROBE_PATH, "pair"}, environment);
  EXPECT_EQ(fallback.exit_status, 0);
  EXPECT_THAT(fallback.err, HasSubstr("cannot open SOCKSHIM_LOG_FILE /proc/no-such-dir/log"));
  EXPECT_THAT(fallback.err, HasSubstr("TCP_KEEPIDLE=30"));
}

}  // namespace
}  // namespace sockshim::testing
