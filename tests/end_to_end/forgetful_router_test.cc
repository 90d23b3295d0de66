// SPDX-License-Identifier: Apache-2.0
// The problem sockshim exists for, end to end: a router that forgets idle
// connections (scripts/forgetful-router: three network namespaces, a NAT
// with a short conntrack timeout that does not adopt forgotten flows again).
// Unmodified clients go idle for longer than the router remembers them,
// without and with the shim, at the same time. Without it the connection is
// dead afterwards (no answer behind a NAT, ECONNRESET behind a firewall that
// resets); with keepalive from the config it is alive, and the router still
// has it in its table. And when the router starts dropping everything with
// data in flight, tcp.user_timeout tells the program within its bound.
//
// The test's own client (peer_program) runs in both matrices; python3 and
// curl, Debian's programs, where the shim is the glibc one.
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/eventually.h"
#include "tests/support/forgetful_router.h"

namespace sockshim::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kServerAddress = ForgetfulRouter::kServerAddress;
// Debian's own programs (PATH may lead to other builds).
constexpr char kPython[] = "/usr/bin/python3";
constexpr char kCurl[] = "/usr/bin/curl";
const std::string kIdleClientScript = std::string(SOCKSHIM_SOURCE_DIR) + "/tests/programs/idle_client.py";
const std::string kLateAnswerScript = std::string(SOCKSHIM_SOURCE_DIR) + "/tests/programs/late_answer_server.py";
// Each client without the shim talks to the "without" port, each with it to
// the "with" port, so that the router's table tells them apart.
constexpr char kEchoPortWithout[] = "7000";
constexpr char kEchoPortWith[] = "7001";
constexpr char kHttpPortWithout[] = "7002";
constexpr char kHttpPortWith[] = "7003";

// The router forgets after 4 s of silence; the clients stay idle for 8 s.
// Keepalive probes every 2 s keep the connection in its table (the
// kernel's timers send them and the router's conntrack answers: no process
// has to run for that, so a loaded machine does not delay them).
constexpr int kForgetAfterS = 4;
constexpr int kIdleS = 8;
constexpr char kKeepalive[] = "keepalive = { idle = 2, interval = 1, count = 3 }\n";
// After the idle time each client (and curl) waits this long for the
// answer. Only an answer that never comes (the forgotten connection) uses
// all of it; a live one comes at once, so this is a liveness bound for
// the server's echo on a loaded machine, not a speed bound.
constexpr int kAnswerWaitS = 15;
// How long the test waits for a chat client's outcome line.
constexpr int kOutcomeWaitMs = (kIdleS + kAnswerWaitS) * 1000 + kEventuallyMs;
// tcp.user_timeout 3000 ms: the kernel ends the connection at 3 s; the
// bound leaves room for a loaded machine's delays and stays below
// kWithoutShimWaitS (below), where the run without the shim still waits.
constexpr int kUserTimeoutBoundMs = 3000 + 7000;

bool namespaces_can_be_made() {
  const std::string probe = "sockshim-probe-" + std::to_string(getpid());
  if (run_program({"ip", "netns", "add", probe}).exit_status != 0) return false;
  run_program({"ip", "netns", "del", probe});
  return true;
}


// Skips (loudly) only where no namespace can be made; a router that cannot
// be set up where namespaces can is a failure.
#define REQUIRE_ROUTER(router)                                                                      \
  if (geteuid() != 0) GTEST_SKIP() << "FORGETFUL-ROUTER TESTS SKIPPED: network namespaces need root"; \
  if (!(router).ok()) {                                                                             \
    if (!namespaces_can_be_made()) {                                                                \
      GTEST_SKIP() << "FORGETFUL-ROUTER TESTS SKIPPED: this machine cannot create network namespaces"; \
    }                                                                                               \
    FAIL() << "scripts/forgetful-router up failed: " << (router).error();                         \
  }

// One client program in the client namespace; `env` sets the shim's
// variables so that `ip` itself runs without it.
struct Client {
  std::string label;
  std::unique_ptr<ChildProcess> process;
};

Client start_client(const ForgetfulRouter& router, const std::string& label, const std::string& toml,
                    const std::vector<std::string>& program) {
  std::vector<std::string> argv = {"env"};
  if (!toml.empty()) {
    argv.push_back("LD_PRELOAD=" + shim_library_path());
    argv.push_back("SOCKSHIM_CONFIG_TOML=" + toml);
  }
  argv.insert(argv.end(), program.begin(), program.end());
  return {label, std::make_unique<ChildProcess>(router.in_client(argv), Environment{})};
}

// The clients that talk now and then, for a port: the test's own, and
// python3 where Debian's programs can take this shim.
std::vector<std::vector<std::string>> chat_programs(const char* port) {
  std::vector<std::vector<std::string>> programs = {
      {PEER_PROGRAM_PATH, "chat", kServerAddress, port, std::to_string(kIdleS), std::to_string(kAnswerWaitS)}};
#ifdef SOCKSHIM_TEST_HOST_PROGRAMS
  programs.push_back({kPython, kIdleClientScript, "chat", kServerAddress, port, std::to_string(kIdleS),
                      "--answer-wait", std::to_string(kAnswerWaitS)});
#endif
  return programs;
}

std::string program_name(const std::vector<std::string>& program) {
  return program[0] == kPython ? "python3" : "peer_program";
}

// Starts the chat clients, without the shim and with it, and waits until
// each has made its first exchange.
std::vector<Client> start_chat_clients(const ForgetfulRouter& router, const std::string& toml) {
  std::vector<Client> clients;
  for (const auto& program : chat_programs(kEchoPortWithout)) {
    clients.push_back(start_client(router, program_name(program) + " without sockshim", "", program));
  }
  for (const auto& program : chat_programs(kEchoPortWith)) {
    clients.push_back(start_client(router, program_name(program) + " with sockshim", toml, program));
  }
  for (Client& client : clients) EXPECT_EQ(client.process->read_line(kEventuallyMs), "connected") << client.label;
  return clients;
}

size_t connections_to_port(const std::string& table, const char* port) {
  size_t count = 0;
  const std::string wanted = std::string(" dport=") + port + " ";
  for (size_t at = table.find(wanted); at != std::string::npos; at = table.find(wanted, at + 1)) ++count;
  return count;
}

std::unique_ptr<ChildProcess> start_server(const ForgetfulRouter& router, std::vector<std::string> argv) {
  auto server = std::make_unique<ChildProcess>(router.in_server(argv), Environment{});
  EXPECT_EQ(server->read_line(kEventuallyMs), "listening") << argv[0];
  return server;
}

TEST(ForgetfulRouterTest, BehindANatThatForgetsIdleConnectionsKeepaliveKeepsThemAlive) {
  ForgetfulRouter router("", kForgetAfterS, "drop");
  REQUIRE_ROUTER(router);
  auto echo_without = start_server(router, {PEER_PROGRAM_PATH, "echo", kServerAddress, kEchoPortWithout});
  auto echo_with = start_server(router, {PEER_PROGRAM_PATH, "echo", kServerAddress, kEchoPortWith});
#ifdef SOCKSHIM_TEST_HOST_PROGRAMS
  // curl waits for an answer that comes after the idle time: the lost
  // packet is the server's. Its own keepalive is off (--no-keepalive): a
  // program's own setsockopt wins over the config.
  auto http_without = start_server(router, {kPython, kLateAnswerScript, kServerAddress, kHttpPortWithout,
                                            std::to_string(kIdleS)});
  auto http_with = start_server(router, {kPython, kLateAnswerScript, kServerAddress, kHttpPortWith,
                                         std::to_string(kIdleS)});
  const auto curl = [&](const char* port) {
    return std::vector<std::string>{kCurl, "-sS", "--no-keepalive", "--max-time", std::to_string(kIdleS + kAnswerWaitS),
                                    std::string("http://") + kServerAddress + ":" + port + "/"};
  };
  Client curl_without = start_client(router, "curl without sockshim", "", curl(kHttpPortWithout));
  Client curl_with = start_client(router, "curl with sockshim", kKeepalive, curl(kHttpPortWith));
#endif
  std::vector<Client> clients = start_chat_clients(router, kKeepalive);
#ifdef SOCKSHIM_TEST_HOST_PROGRAMS
  // Each curl's request has come: its connection is idle from here on too.
  EXPECT_EQ(http_without->read_line(kEventuallyMs), "request");
  EXPECT_EQ(http_with->read_line(kEventuallyMs), "request");
#endif
  const auto connected = std::chrono::steady_clock::now();

  // Past the router's memory, before anyone speaks again.
  std::this_thread::sleep_until(connected + std::chrono::seconds(kForgetAfterS + 1));
  const std::string table = router.conntrack();
  std::fprintf(stderr, "[ router   ] connection table %.1f s into the idle time:\n%s",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - connected).count(),
               table.c_str());
  EXPECT_EQ(connections_to_port(table, kEchoPortWithout), 0u) << "the router did not forget:\n" << table;
  EXPECT_EQ(connections_to_port(table, kEchoPortWith), chat_programs(kEchoPortWith).size()) << table;
#ifdef SOCKSHIM_TEST_HOST_PROGRAMS
  EXPECT_EQ(connections_to_port(table, kHttpPortWithout), 0u) << table;
  EXPECT_EQ(connections_to_port(table, kHttpPortWith), 1u) << table;
#endif

  for (Client& client : clients) {
    const std::string result = client.process->read_line(kOutcomeWaitMs);
    std::fprintf(stderr, "[ outcome  ] %s: %s\n", client.label.c_str(), result.c_str());
    const bool with_shim = client.label.find("with sockshim") != std::string::npos;
    EXPECT_EQ(result, with_shim ? "after idle: alive" : "after idle: no answer") << client.label;
  }
#ifdef SOCKSHIM_TEST_HOST_PROGRAMS
  const ProgramResult without = curl_without.process->finish(kOutcomeWaitMs / 1000);
  const ProgramResult with = curl_with.process->finish(kOutcomeWaitMs / 1000);
  std::fprintf(stderr, "[ outcome  ] curl without sockshim: exit %d %s[ outcome  ] curl with sockshim: exit %d %s",
               without.exit_status, without.err.c_str(), with.exit_status, with.out.c_str());
  EXPECT_EQ(without.exit_status, 28) << "curl without the shim: expected a timeout\n" << without.out << without.err;
  EXPECT_EQ(with.exit_status, 0) << with.err;
  EXPECT_EQ(with.out, "alive\n");
#endif
}

TEST(ForgetfulRouterTest, BehindAFirewallThatResetsForgottenConnectionsTheProgramSeesEconnreset) {
  ForgetfulRouter router("", kForgetAfterS, "reset");
  REQUIRE_ROUTER(router);
  auto echo_without = start_server(router, {PEER_PROGRAM_PATH, "echo", kServerAddress, kEchoPortWithout});
  auto echo_with = start_server(router, {PEER_PROGRAM_PATH, "echo", kServerAddress, kEchoPortWith});
  std::vector<Client> clients = start_chat_clients(router, kKeepalive);
  for (Client& client : clients) {
    const std::string result = client.process->read_line(kOutcomeWaitMs);
    std::fprintf(stderr, "[ outcome  ] %s: %s\n", client.label.c_str(), result.c_str());
    if (client.label.find("with sockshim") != std::string::npos) {
      EXPECT_EQ(result, "after idle: alive") << client.label;
    } else {
      // The write is accepted; the router's reset ends the connection and
      // the program's next call on it reports it.
      EXPECT_THAT(result, StartsWith("after idle: ")) << client.label;
      EXPECT_THAT(result, HasSubstr("failed: ECONNRESET")) << client.label;
    }
  }
}

// "recv result=-1 errno=ETIMEDOUT after_ms=3012" -> 3012, or -1.
int after_ms(const std::string& line) {
  const size_t at = line.find("after_ms=");
  return at == std::string::npos ? -1 : std::stoi(line.substr(at + 9));
}

TEST(ForgetfulRouterTest, WhenTheRouterDropsEverythingWithDataInFlightUserTimeoutEndsTheConnection) {
  ForgetfulRouter router("", 600, "drop");
  REQUIRE_ROUTER(router);
  auto echo = start_server(router, {PEER_PROGRAM_PATH, "echo", kServerAddress, kEchoPortWith});
  const std::string user_timeout = "tcp.user_timeout = 3000\n";
  std::vector<std::vector<std::string>> programs = {{PEER_PROGRAM_PATH, "inflight", kServerAddress, kEchoPortWith}};
#ifdef SOCKSHIM_TEST_HOST_PROGRAMS
  programs.push_back({kPython, kIdleClientScript, "inflight", kServerAddress, kEchoPortWith});
#endif
  std::vector<Client> with, without;
  for (const auto& program : programs) {
    with.push_back(start_client(router, program_name(program) + " with sockshim", user_timeout, program));
    without.push_back(start_client(router, program_name(program) + " without sockshim", "", program));
  }
  for (auto* group : {&with, &without}) {
    for (Client& client : *group) ASSERT_EQ(client.process->read_line(kEventuallyMs), "connected") << client.label;
  }

  ASSERT_TRUE(router.blackhole());
  const auto blackholed = std::chrono::steady_clock::now();
  for (auto* group : {&with, &without}) {
    for (Client& client : *group) client.process->close_stdin();  // "go": send into the void
  }
  for (Client& client : with) {
    const std::string result = client.process->read_line(kEventuallyMs);
    std::fprintf(stderr, "[ outcome  ] %s, tcp.user_timeout 3000 ms: %s\n", client.label.c_str(), result.c_str());
    EXPECT_THAT(result, StartsWith("recv result=-1 errno=ETIMEDOUT")) << client.label;
    EXPECT_GE(after_ms(result), 2500) << client.label;
    EXPECT_LE(after_ms(result), kUserTimeoutBoundMs) << client.label;
  }
  // Without the shim the kernel retransmits for ~15 min: still waiting at
  // four times the user timeout, past the bound above.
  constexpr int kWithoutShimWaitS = 12;
  static_assert(kWithoutShimWaitS * 1000 > kUserTimeoutBoundMs);
  for (Client& client : without) {
    const auto deadline = blackholed + std::chrono::seconds(kWithoutShimWaitS);
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    EXPECT_EQ(client.process->read_line(left.count() > 0 ? static_cast<int>(left.count()) : 0), "")
        << client.label << " gave up";
  }
  EXPECT_GE(std::chrono::steady_clock::now() - blackholed, std::chrono::seconds(kWithoutShimWaitS));
}

}  // namespace
}  // namespace sockshim::testing
