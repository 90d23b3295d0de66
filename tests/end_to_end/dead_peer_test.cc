// SPDX-License-Identifier: Apache-2.0
// Dead peers, end to end: two network namespaces joined by a veth pair that
// the test creates and removes. A client holds a connection to a server in
// the other namespace; then the server's address is taken away, so that
// nothing it should answer reaches the client any more (the link stays up:
// the client's probes leave and are lost, as behind a dead NAT). With the
// shim the client's recv() fails with ETIMEDOUT in the time the config
// promises; without it, it is still waiting after 20 s. The same holds for a
// Go client under the supervisor with the keepalive enforced over Go's own
// 15 s (which alone would take 15 + 9 x 15 s).
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "tests/support/child_process.h"
#include "tests/support/eventually.h"
#include "tests/support/probe_output.h"

namespace sockshim::testing {
namespace {

constexpr char kDeadPeerServerAddress[] = "10.99.0.2";
constexpr char kClientAddress[] = "10.99.0.1";
constexpr char kPort[] = "5070";
constexpr int kWithoutShimWaitS = 20;
// What a loaded machine may add to a bound the kernel keeps, until the
// test reads the outcome: the client's wake-up and the test's own. The
// keepalive bound stays below 9 s, the earliest a connection that kept the
// kernel's own probe count (9) could end, so a count left unset still fails.
constexpr int kSchedulingSlackS = 5;
// The kernel ends a connection with data in flight at tcp.user_timeout
// (3 s here); the bound leaves room for the same delays and stays below
// kWithoutShimWaitS, where the run without the shim is still waiting.
constexpr int kDeadPeerUserTimeoutBoundMs = 3000 + 7000;

bool run_quietly(const std::vector<std::string>& argv) { return run_program(argv).exit_status == 0; }

// The two namespaces and the veth between them; removed on destruction.
class NamespacePair {
 public:
  NamespacePair() {
    const std::string suffix = std::to_string(getpid());
    client_ = "sockshim-client-" + suffix;
    server_ = "sockshim-server-" + suffix;
    const std::string client_link = "ssc" + suffix, server_link = "sss" + suffix;
    ok_ = run_quietly({"ip", "netns", "add", client_}) && run_quietly({"ip", "netns", "add", server_}) &&
          run_quietly({"ip", "link", "add", client_link, "type", "veth", "peer", "name", server_link}) &&
          run_quietly({"ip", "link", "set", client_link, "netns", client_}) &&
          run_quietly({"ip", "link", "set", server_link, "netns", server_}) &&
          run_quietly({"ip", "-n", client_, "addr", "add", std::string(kClientAddress) + "/24", "dev", client_link}) &&
          run_quietly({"ip", "-n", server_, "addr", "add", std::string(kDeadPeerServerAddress) + "/24", "dev", server_link}) &&
          run_quietly({"ip", "-n", client_, "link", "set", client_link, "up"}) &&
          run_quietly({"ip", "-n", server_, "link", "set", server_link, "up"});
    server_link_ = server_link;
  }
  ~NamespacePair() {
    run_quietly({"ip", "netns", "del", client_});
    run_quietly({"ip", "netns", "del", server_});
  }
  bool ok() const { return ok_; }
  std::vector<std::string> in_client(std::vector<std::string> argv) const { return in(client_, argv); }
  std::vector<std::string> in_server(std::vector<std::string> argv) const { return in(server_, argv); }
  // From now on nothing from the server reaches the client.
  bool silence_server() const {
    return run_quietly({"ip", "-n", server_, "addr", "del", std::string(kDeadPeerServerAddress) + "/24", "dev", server_link_});
  }

 private:
  static std::vector<std::string> in(const std::string& ns, std::vector<std::string> argv) {
    argv.insert(argv.begin(), {"ip", "netns", "exec", ns});
    return argv;
  }
  std::string client_, server_, server_link_;
  bool ok_ = false;
};

// A client whose environment goes through `env`, so that `ip` itself runs
// without the shim.
std::unique_ptr<ChildProcess> start_client(const NamespacePair& pair, const char* mode, const std::string& toml) {
  std::vector<std::string> argv = {"env"};
  if (!toml.empty()) {
    argv.push_back("LD_PRELOAD=" + shim_library_path());
    argv.push_back("SOCKSHIM_CONFIG_TOML=" + toml);
  }
  for (const char* arg : {PEER_PROGRAM_PATH, mode, kDeadPeerServerAddress, kPort}) argv.push_back(arg);
  auto child = std::make_unique<ChildProcess>(pair.in_client(argv), Environment{});
  EXPECT_EQ(child->read_line(kEventuallyMs), "connected") << mode;
  return child;
}

// A Go client with Go's own keepalive (15 s idle and interval, set after
// connect) in the client namespace, under the supervisor when |toml| is
// given.
std::unique_ptr<ChildProcess> start_go_client(const NamespacePair& pair, const std::string& toml) {
  std::vector<std::string> argv;
  if (!toml.empty()) argv = {SOCKSHIM_CLI_PATH, "run", "-e", toml, "--"};
  for (const char* arg : {GOPROBE_PATH, "idle-go-keepalive", kDeadPeerServerAddress, kPort}) argv.push_back(arg);
  auto child = std::make_unique<ChildProcess>(pair.in_client(argv), Environment{});
  EXPECT_EQ(child->read_line(kEventuallyMs), "connected") << "go client";
  return child;
}

bool have_go() { return std::string(GOPROBE_PATH).size() > 0 && access(GOPROBE_PATH, X_OK) == 0; }

// recv()'s outcome line, or empty when none came within |timeout_s|.
std::string outcome(ChildProcess& child, int timeout_s) { return child.read_line(timeout_s * 1000); }

TEST(DeadPeerTest, KeepaliveAndUserTimeoutEndConnectionsToAVanishedPeer) {
  if (geteuid() != 0) GTEST_SKIP() << "DEAD-PEER TESTS SKIPPED: creating network namespaces needs root";
  NamespacePair pair;
  if (!pair.ok()) {
    GTEST_SKIP() << "DEAD-PEER TESTS SKIPPED: this machine cannot create network namespaces and veth links";
  }
  ChildProcess server(pair.in_server({PEER_PROGRAM_PATH, "serve", kDeadPeerServerAddress, kPort}), {});
  ASSERT_EQ(server.read_line(kEventuallyMs), "listening");

  // idle 1 + interval 1 x count 2 = 3 s.
  const std::string keepalive = "keepalive = { idle = 1, interval = 1, count = 2 }\n";
  const std::string user_timeout = "tcp.user_timeout = 3000\n";
  auto idle_with = start_client(pair, "idle", keepalive);
  auto idle_without = start_client(pair, "idle", "");
  auto inflight_with = start_client(pair, "inflight", user_timeout);
  auto inflight_without = start_client(pair, "inflight", "");
  // Go's net package is reached by the supervisor only, and Go sets its own
  // keepalive after connect: the config wins only where it is enforced.
  std::unique_ptr<ChildProcess> go_with, go_without;
  if (have_go()) {
    go_with = start_go_client(pair, "enforce = [\"keepalive\"]\n" + keepalive);
    go_without = start_go_client(pair, "");
  }

  ASSERT_TRUE(pair.silence_server());
  const auto silenced = std::chrono::steady_clock::now();
  inflight_with->close_stdin();  // "go": send what will never be acknowledged
  inflight_without->close_stdin();

  const auto seconds_since_silence = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - silenced).count();
  };
  // Each outcome is awaited well past its bound: the bound is checked on
  // the clock, not by how long the test waits.
  const std::string idle_result = outcome(*idle_with, kWithoutShimWaitS);
  const double idle_seconds = seconds_since_silence();
  EXPECT_THAT(idle_result, ::testing::StartsWith("recv result=-1 errno=ETIMEDOUT"));
  EXPECT_LE(idle_seconds, 1 + 1 * 2 + kSchedulingSlackS) << idle_result;

  if (go_with) {
    const std::string go_result = outcome(*go_with, kWithoutShimWaitS);
    EXPECT_THAT(go_result, ::testing::HasSubstr("connection timed out")) << "Go client under the supervisor";
    std::fprintf(stderr, "[ measured ] Go client under the supervisor, keepalive 1/1/2 enforced: %s (%.1f s after the "
                 "peer vanished)\n", go_result.c_str(), seconds_since_silence());
    EXPECT_LE(seconds_since_silence(), 1 + 1 * 2 + kSchedulingSlackS);
  }

  const std::string inflight_result = outcome(*inflight_with, kWithoutShimWaitS);
  const auto inflight = parse_probe_output(inflight_result);
  EXPECT_THAT(inflight_result, ::testing::StartsWith("recv result=-1 errno=ETIMEDOUT"));
  if (inflight.count("recv")) {
    EXPECT_GE(inflight.at("recv").at("after_ms"), 2500);
    EXPECT_LE(inflight.at("recv").at("after_ms"), kDeadPeerUserTimeoutBoundMs);
  }
  std::fprintf(stderr, "[ measured ] keepalive 1/1/2: idle peer found %.1f s after it vanished; "
               "user_timeout 3000 ms: data-in-flight peer found after %s\n",
               idle_seconds, inflight_result.c_str());

  // Without the shim both are still waiting well past that.
  const int remaining = kWithoutShimWaitS - static_cast<int>(seconds_since_silence());
  EXPECT_EQ(outcome(*idle_without, remaining > 0 ? remaining : 0), "") << "the idle client gave up";
  EXPECT_EQ(outcome(*inflight_without, 1), "") << "the in-flight client gave up";
  if (go_without) {
    EXPECT_EQ(outcome(*go_without, 1), "") << "the Go client gave up without sockshim";
  }
  EXPECT_GE(seconds_since_silence(), kWithoutShimWaitS);
}

}  // namespace
}  // namespace sockshim::testing
