// SPDX-License-Identifier: Apache-2.0
// The supervisor's filter, and its handler with a config that enforces
// options: the filter traps setsockopt for the enforced (level, name) pairs
// only; a trapped call on a socket the supervisor set that option on is
// answered with success without running, so the config's value stands;
// without enforce, the program's own value wins.
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "config/policy_loader.h"
#include "supervisor/filter.h"
#include "supervisor/supervisor.h"
#include "tests/support/probe_output.h"

namespace sockshim::testing {
namespace {

using supervisor::OptionKey;

constexpr char kSupervisedConfig[] =
    "keepalive = { idle = 21, interval = 7, count = 5 }\n"
    "buffers.receive = 65536\n";

struct Supervised {
  int status = -1;
  std::string out;
};

// supervise() in a child of the test, with its stdout collected.
// |enforce|: the config's enforce line, if any; the filter traps what it names.
Supervised run_supervised(const std::vector<std::string>& argv, const std::string& enforce = "") {
  LoadResult loaded = load_policy(enforce + "\n" + kSupervisedConfig, "test");
  EXPECT_TRUE(loaded.policy.has_value());
  int pipe_fds[2];
  EXPECT_EQ(pipe(pipe_fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    _exit(supervisor::supervise(argv, *loaded.policy));
  }
  close(pipe_fds[1]);
  Supervised result;
  char buffer[4096];
  ssize_t got;
  while ((got = read(pipe_fds[0], buffer, sizeof buffer)) > 0) result.out.append(buffer, static_cast<size_t>(got));
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

TEST(FilterTest, OnlyTheListedSetsockoptPairsAreTrapped) {
  supervisor::TrapList traps;
  traps.connect = true;
  traps.setsockopt = {{SOL_SOCKET, SO_RCVBUF}, {IPPROTO_TCP, TCP_KEEPIDLE}, {SOL_SOCKET, SO_KEEPALIVE}};
  const std::vector<sock_filter> program = supervisor::build_filter(traps);
  // arch, its check, allow; nr; connect and setsockopt checks, allow, notify;
  // SOL_SOCKET: 2 loads, 1 check, 2 names, skip, notify; IPPROTO_TCP: 1 name.
  EXPECT_EQ(program.size(), 4u + 4u + 7u + 6u + 1u);
  EXPECT_TRUE(supervisor::build_filter(supervisor::TrapList()).size() < 8u);
}

TEST(EnforcedOptionTest, AProgramsOwnValueWinsUnlessThePairIsEnforced) {
  const Supervised plain = run_supervised({THREADED_PROGRAM_PATH, "own"});
  ASSERT_EQ(plain.status, 0) << plain.out;
  auto sockets = parse_probe_output(plain.out);
  // As under the preload: the config's options come first, the program's own after.
  EXPECT_EQ(sockets.at("own").at("rcvbuf"), 8192);
  EXPECT_EQ(sockets.at("own").at("keepalive"), 0);
  EXPECT_EQ(sockets.at("own").at("idle"), 21);

  const Supervised enforced =
      run_supervised({THREADED_PROGRAM_PATH, "own"}, "enforce = [\"buffers.receive\", \"keepalive.enabled\"]");
  ASSERT_EQ(enforced.status, 0) << enforced.out;
  sockets = parse_probe_output(enforced.out);
  EXPECT_EQ(sockets.at("own-rcvbuf").at("result"), 0);  // told it succeeded
  EXPECT_EQ(sockets.at("own-keepalive").at("result"), 0);
  EXPECT_EQ(sockets.at("own").at("rcvbuf"), 131072);
  EXPECT_EQ(sockets.at("own").at("keepalive"), 1);
}

TEST(EnforcedOptionTest, GoKeepaliveIsReplacedOnlyWhenEnforced) {
  const std::string go = GOPROBE_PATH;
  if (go.empty() || access(go.c_str(), X_OK) != 0) GTEST_SKIP() << "no Go toolchain at build time";
  const Supervised enforced = run_supervised({go, "pair", "own"}, "enforce = [\"keepalive\"]");
  ASSERT_EQ(enforced.status, 0) << enforced.out;
  auto sockets = parse_probe_output(enforced.out);
  EXPECT_EQ(sockets.at("client").at("idle"), 21);
  EXPECT_EQ(sockets.at("client").at("interval"), 7);
  EXPECT_EQ(sockets.at("server").at("idle"), 21);  // inherited from the configured listener
  EXPECT_EQ(sockets.at("server").at("interval"), 7);

  const Supervised plain = run_supervised({go, "pair", "own"});
  sockets = parse_probe_output(plain.out);
  EXPECT_EQ(sockets.at("client").at("idle"), 40);
  EXPECT_EQ(sockets.at("server").at("idle"), 15);
}

}  // namespace
}  // namespace sockshim::testing
