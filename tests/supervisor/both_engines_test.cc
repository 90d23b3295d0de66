// SPDX-License-Identifier: Apache-2.0
// The same config under both engines, `sockshim run` (the preload) and
// `sockshim run --supervise` (the supervisor), on the same unmodified
// program (Debian's python3): the kernel must report the same values for
// every catalogue option both engines set and for raw options, on TCP and
// UDP sockets of both families.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/probe_output.h"

namespace sockshim::testing {
namespace {

constexpr char kConfig[] =
    "keepalive = { enabled = true, idle = 31, interval = 11, count = 4 }\n"
    "buffers = { send = 40960 }\n"
    "tcp = { user_timeout = 4000, nodelay = true, notsent_lowat = 16384, syncnt = 3 }\n"
    "[[rule]]\nmatch = { protocol = \"any\" }\n"
    "buffers.receive = 49152\n"
    "ip.dscp = \"AF41\"\n"
    "socket.priority = 5\n"
    "[[rule.raw]]\nlevel = \"SOL_SOCKET\"\nname = \"SO_REUSEPORT\"\nvalue = 1\n"
    "[[rule.raw]]\nlevel = \"SOL_SOCKET\"\nname = \"SO_RCVLOWAT\"\nvalue = 9\n";

// A connected client socket of each family and protocol, and what the
// kernel reports for each option.
constexpr char kReport[] = R"(
import socket
T = socket.IPPROTO_TCP
S = socket.SOL_SOCKET
for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(family, kind) as server:
            server.bind((host, 0))
            if kind == socket.SOCK_STREAM:
                server.listen()
            with socket.socket(family, kind) as s:
                s.connect(server.getsockname()[:2])
                label = ("ipv6" if family == socket.AF_INET6 else "ipv4") + ("-udp" if kind == socket.SOCK_DGRAM else "-tcp")
                values = [("rcvbuf", s.getsockopt(S, socket.SO_RCVBUF)),
                          ("sndbuf", s.getsockopt(S, socket.SO_SNDBUF)),
                          ("priority", s.getsockopt(S, socket.SO_PRIORITY)),
                          ("reuseport", s.getsockopt(S, socket.SO_REUSEPORT)),
                          ("rcvlowat", s.getsockopt(S, socket.SO_RCVLOWAT))]
                if family == socket.AF_INET:
                    values.append(("tos", s.getsockopt(socket.IPPROTO_IP, socket.IP_TOS)))
                else:
                    values.append(("tos", s.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS)))
                if kind == socket.SOCK_STREAM:
                    values += [("keepalive", s.getsockopt(S, socket.SO_KEEPALIVE)),
                               ("idle", s.getsockopt(T, socket.TCP_KEEPIDLE)),
                               ("interval", s.getsockopt(T, socket.TCP_KEEPINTVL)),
                               ("count", s.getsockopt(T, socket.TCP_KEEPCNT)),
                               ("user_timeout", s.getsockopt(T, socket.TCP_USER_TIMEOUT)),
                               ("nodelay", s.getsockopt(T, socket.TCP_NODELAY)),
                               ("notsent_lowat", s.getsockopt(T, socket.TCP_NOTSENT_LOWAT)),
                               ("syncnt", s.getsockopt(T, socket.TCP_SYNCNT))]
                print(label, " ".join(f"{k}={v}" for k, v in values))
)";

// What both engines must give; the kernel doubles buffer sizes. The top
// level is for TCP; the rule for "any" protocol reaches UDP too.
const std::map<std::string, int> kEverySocket = {
    {"rcvbuf", 98304}, {"priority", 5}, {"reuseport", 1}, {"rcvlowat", 9}, {"tos", 34 << 2}};
const std::map<std::string, int> kTcpOnly = {{"sndbuf", 81920}, {"keepalive", 1},    {"idle", 31},   {"interval", 11},
                                              {"count", 4},        {"user_timeout", 4000}, {"nodelay", 1},
                                              {"notsent_lowat", 16384}, {"syncnt", 3}};

class BothEnginesTest : public ::testing::TestWithParam<bool> {};

TEST_P(BothEnginesTest, SameReadBackForTheSameConfig) {
  SKIP_WITHOUT_PROGRAM("python3", "Debian: python3");
  const bool supervise = GetParam();
  const ProgramResult plain = run_program({"python3", "-c", kReport});
  ASSERT_EQ(plain.exit_status, 0) << plain.err;
  const auto before = parse_probe_output(plain.out);
  // Without sockshim these are not the kernel's defaults, or the test
  // would prove nothing.
  ASSERT_TRUE(before.count("ipv4-tcp")) << plain.out;
  for (const auto& [option, value] : kEverySocket) EXPECT_NE(before.at("ipv4-tcp").at(option), value) << option;
  for (const auto& [option, value] : kTcpOnly) EXPECT_NE(before.at("ipv4-tcp").at(option), value) << option;

  std::vector<std::string> args = {SOCKSHIM_CLI_PATH, "run"};
  if (supervise) args.push_back("--supervise");
  for (const char* arg : {"-e", kConfig, "--", "python3", "-c", kReport}) args.push_back(arg);
  const ProgramResult result = run_program(args);
  ASSERT_EQ(result.exit_status, 0) << result.err;
  const auto sockets = parse_probe_output(result.out);
  for (const char* label : {"ipv4-tcp", "ipv4-udp", "ipv6-tcp", "ipv6-udp"}) {
    ASSERT_TRUE(sockets.count(label)) << label << "\n" << result.out;
    for (const auto& [option, value] : kEverySocket) EXPECT_EQ(sockets.at(label).at(option), value) << label << " " << option;
    if (std::string(label).find("tcp") == std::string::npos) continue;
    for (const auto& [option, value] : kTcpOnly) EXPECT_EQ(sockets.at(label).at(option), value) << label << " " << option;
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, BothEnginesTest, ::testing::Values(false, true),
                         [](const auto& info) { return std::string(info.param ? "supervisor" : "preload"); });

}  // namespace
}  // namespace sockshim::testing
