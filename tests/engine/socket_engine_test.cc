// SPDX-License-Identifier: Apache-2.0
// The engine at every event, against a fake kernel: what it sets, in which
// order, what it leaves alone, what it enforces, and errno kept. Runs under
// ASan/UBSan and TSan (scripts/test).
#include "engine/socket_engine.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "config/compiled_policy.h"
#include "config/option_catalogue.h"
#include "config/policy_summary.h"
#include "engine/log.h"
#include "tests/engine/fake_kernel.h"
#include "tests/unit/valid_policy.h"

namespace sockshim::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

// A loaded policy as a front-end holds it.
struct Loaded {
  explicit Loaded(const std::string& text) : policy(valid_policy(text)), compiled(policy) {
    summarise(policy, "", &summary);
  }
  Policy policy;
  CompiledPolicy compiled;
  PolicySummary summary;
};

constexpr char kTopLevel[] =
    "keepalive = { idle = 21, interval = 7, count = 5 }\n"
    "buffers.receive = 65536\n"
    "tcp = { user_timeout = 3000, nodelay = true }\n";

constexpr char kWithRules[] =
    "keepalive = { idle = 21, interval = 7, count = 5 }\n"
    "tcp.user_timeout = 3000\n"
    "[[rule]]\nname = \"loopback out\"\nmatch = { direction = \"connect\", remote = [\"127.0.0.0/8\"] }\n"
    "keepalive = { idle = 22 }\nbuffers = { send = 65536 }\n"
    "[[rule]]\nname = \"loopback in\"\nmatch = { direction = \"listen\", local = [\"127.0.0.0/8\"] }\n"
    "keepalive = { idle = 23 }\nbuffers = { receive = 98304 }\n";

// Three raw options at once, for every family and protocol.
constexpr char kRawOptions[] =
    "[[rule]]\nmatch = { protocol = \"any\" }\n"
    "[[rule.raw]]\nlevel = \"SOL_SOCKET\"\nname = \"SO_REUSEPORT\"\nvalue = 1\n"
    "[[rule.raw]]\nlevel = \"IPPROTO_IP\"\nname = \"IP_TTL\"\nvalue = 33\n"
    "[[rule.raw]]\nlevel = \"SOL_SOCKET\"\nname = \"SO_RCVLOWAT\"\nvalue = 7\n";

constexpr std::pair<int, int> kRcvbuf{SOL_SOCKET, SO_RCVBUF};
constexpr std::pair<int, int> kSndbuf{SOL_SOCKET, SO_SNDBUF};
constexpr std::pair<int, int> kKeepalive{SOL_SOCKET, SO_KEEPALIVE};
constexpr std::pair<int, int> kIdle{IPPROTO_TCP, TCP_KEEPIDLE};
constexpr std::pair<int, int> kInterval{IPPROTO_TCP, TCP_KEEPINTVL};
constexpr std::pair<int, int> kCount{IPPROTO_TCP, TCP_KEEPCNT};
constexpr std::pair<int, int> kUserTimeout{IPPROTO_TCP, TCP_USER_TIMEOUT};
constexpr std::pair<int, int> kNodelay{IPPROTO_TCP, TCP_NODELAY};
constexpr std::pair<int, int> kPriority{SOL_SOCKET, SO_PRIORITY};
constexpr std::pair<int, int> kReuseport{SOL_SOCKET, SO_REUSEPORT};
constexpr std::pair<int, int> kTtl{IPPROTO_IP, IP_TTL};
constexpr std::pair<int, int> kRcvlowat{SOL_SOCKET, SO_RCVLOWAT};

uint32_t bit(OptionId id) { return 1u << static_cast<unsigned>(id); }

TEST(EngineSocketTest, TcpGetsTheTopLevelOptionsBuffersFirst) {
  const Loaded loaded(kTopLevel);
  FakeKernel kernel;
  SocketEngine engine(kernel, loaded.compiled, loaded.summary);
  const int fd = kernel.add_socket(false, false);
  errno = 4242;
  const EventOutcome outcome = engine.created(fd, SocketKind{false, false});
  EXPECT_EQ(errno, 4242);
  EXPECT_TRUE(outcome.decided);
  EXPECT_EQ(outcome.refused, 0);
  const auto set = kernel.set_on(fd);
  ASSERT_FALSE(set.empty());
  EXPECT_EQ(set.front(), kRcvbuf);
  EXPECT_THAT(set, UnorderedElementsAre(kRcvbuf, kKeepalive, kIdle, kInterval, kCount, kUserTimeout, kNodelay));
  EXPECT_EQ(outcome.applied, static_cast<int>(set.size()));
  EXPECT_EQ(kernel.value(fd, SOL_SOCKET, SO_RCVBUF), 65536);
  EXPECT_EQ(kernel.value(fd, SOL_SOCKET, SO_KEEPALIVE), 1);
  EXPECT_EQ(kernel.value(fd, IPPROTO_TCP, TCP_KEEPIDLE), 21);
  EXPECT_EQ(kernel.value(fd, IPPROTO_TCP, TCP_KEEPINTVL), 7);
  EXPECT_EQ(kernel.value(fd, IPPROTO_TCP, TCP_KEEPCNT), 5);
  EXPECT_EQ(kernel.value(fd, IPPROTO_TCP, TCP_USER_TIMEOUT), 3000);
  EXPECT_EQ(kernel.value(fd, IPPROTO_TCP, TCP_NODELAY), 1);
  // The preload's path: no untouched rule, no fresh socket.
  EXPECT_EQ(kernel.fresh_sockets_made(), 0);
}

TEST(EngineSocketTest, TopLevelSettingsAreTcpOnly) {
  const Loaded loaded(kTopLevel);
  FakeKernel kernel;
  SocketEngine engine(kernel, loaded.compiled, loaded.summary);
  for (const bool ipv6 : {false, true}) {
    const int fd = kernel.add_socket(ipv6, true);
    const EventOutcome outcome = engine.created(fd, SocketKind{ipv6, true});
    EXPECT_THAT(kernel.set_on(fd), IsEmpty()) << ipv6;
    EXPECT_EQ(outcome.applied, 0);
  }
}

TEST(EngineSocketTest, RefusedOptionsAreCountedAndTheOthersStillSetErrnoKept) {
  const Loaded loaded(kTopLevel);
  FakeKernel kernel;
  kernel.fail_setsockopt(IPPROTO_TCP, TCP_KEEPIDLE, EPERM);
  SocketEngine engine(kernel, loaded.compiled, loaded.summary);
  const int fd = kernel.add_socket(true, false);
  errno = 4242;
  const EventOutcome outcome = engine.created(fd, SocketKind{true, false});
  EXPECT_EQ(errno, 4242);
  EXPECT_EQ(outcome.refused, 1);
  EXPECT_EQ(outcome.applied, 6);
  EXPECT_EQ(kernel.value(fd, IPPROTO_TCP, TCP_KEEPIDLE), 0);
  EXPECT_EQ(kernel.value(fd, IPPROTO_TCP, TCP_KEEPINTVL), 7);
}

TEST(EngineLogTest, ARawOptionRefusedWithOneErrnoIsReportedOnce) {
  char path[] = "/tmp/sockshim-engine-log-XXXXXX";
  const int file = mkstemp(path);
  ASSERT_GE(file, 0);
  close(file);
  configure_log("warn", path);
  const Loaded loaded(kRawOptions);
  FakeKernel kernel;
  kernel.fail_setsockopt(IPPROTO_IP, IP_TTL, EDOM);  // an errno no other test uses
  SocketEngine engine(kernel, loaded.compiled, loaded.summary);
  for (int i = 0; i < 3; ++i) {
    const int fd = kernel.add_socket(false, false);
    EXPECT_EQ(engine.created(fd, SocketKind{false, false}).refused, 1);
  }
  configure_log("warn", nullptr);
  std::ifstream log(path);
  std::stringstream text;
  text << log.rdbuf();
  unlink(path);
  const std::string expected = "setting raw option " + std::to_string(IPPROTO_IP) + "/" + std::to_string(IP_TTL) +
                               " on fd 100 at socket failed: " + std::strerror(EDOM);
  EXPECT_THAT(text.str(), ::testing::HasSubstr(expected));
  EXPECT_EQ(text.str().find("setting raw option"), text.str().rfind("setting raw option")) << text.str();
}

TEST(EngineConnectTest, AMatchingRuleSetsWhatItAddsToTheCreationOptions) {
  const Loaded loaded(kWithRules);
  for (const bool supervisor : {false, true}) {
    FakeKernel kernel;
    SocketEngine engine(kernel, loaded.compiled, loaded.summary);
    const int fd = kernel.add_socket(false, false);
    engine.created(fd, SocketKind{false, false});
    kernel.forget_calls();
    socklen_t length = 0;
    const sockaddr_storage to = FakeKernel::address("127.0.0.1", 5432, &length);
    const SocketKind kind{false, false};
    errno = 4242;
    const EventOutcome outcome =
        engine.connecting(fd, reinterpret_cast<const sockaddr*>(&to), length, supervisor ? &kind : nullptr);
    EXPECT_EQ(errno, 4242);
    EXPECT_TRUE(outcome.decided);
    EXPECT_THAT(kernel.set_on(fd), ElementsAre(kSndbuf, kIdle)) << supervisor;
    EXPECT_EQ(kernel.value(fd, IPPROTO_TCP, TCP_KEEPIDLE), 22);
    EXPECT_EQ(kernel.value(fd, IPPROTO_TCP, TCP_KEEPINTVL), 7);
    EXPECT_EQ(kernel.value(fd, SOL_SOCKET, SO_SNDBUF), 65536);
  }
}

TEST(EngineConnectTest, NoMatchingRuleAsksTheKernelNothing) {
  const Loaded loaded(kWithRules);
  FakeKernel kernel;
  SocketEngine engine(kernel, loaded.compiled, loaded.summary);
  const int fd = kernel.add_socket(false, false);
  socklen_t length = 0;
  const sockaddr_storage to = FakeKernel::address("10.1.2.3", 5432, &length);
  const EventOutcome outcome = engine.connecting(fd, reinterpret_cast<const sockaddr*>(&to), length);
  EXPECT_FALSE(outcome.decided);
  EXPECT_EQ(kernel.count("getsockopt"), 0);  // not even whether it is TCP
  EXPECT_EQ(kernel.count("setsockopt"), 0);
  // An address the engine cannot read (length 0: the supervisor could not
  // read the program's memory) changes nothing either.
  EXPECT_FALSE(engine.connecting(fd, reinterpret_cast<const sockaddr*>(&to), 0).decided);
}

TEST(EngineListenTest, ListenRulesBeforeListenForTcpOnTheBoundAddress) {
  const Loaded loaded(kWithRules);
  FakeKernel kernel;
  SocketEngine engine(kernel, loaded.compiled, loaded.summary);
  const int loopback = kernel.add_socket(false, false);
  kernel.bind(loopback, "127.0.0.1", 8080);
  errno = 4242;
  EXPECT_TRUE(engine.bound(loopback, /*udp=*/false).decided);
  EXPECT_EQ(errno, 4242);
  EXPECT_THAT(kernel.set_on(loopback), ElementsAre(kRcvbuf, kIdle));
  EXPECT_EQ(kernel.value(loopback, SOL_SOCKET, SO_RCVBUF), 98304);
  EXPECT_EQ(kernel.value(loopback, IPPROTO_TCP, TCP_KEEPIDLE), 23);

  const int elsewhere = kernel.add_socket(false, false);
  kernel.bind(elsewhere, "10.0.0.1", 8080);
  engine.bound(elsewhere, /*udp=*/false);
  EXPECT_THAT(kernel.set_on(elsewhere), IsEmpty());
}

TEST(EngineListenTest, UdpRulesAtBindWithTheAddressTheFrontEndRead) {
  const Loaded loaded(
      "[[rule]]\nmatch = { direction = \"listen\", protocol = \"udp\", port = 5353 }\nbuffers.receive = 65536\n");
  FakeKernel kernel;
  SocketEngine engine(kernel, loaded.compiled, loaded.summary);
  // The preload: after bind(), the kernel tells the address.
  const int bound = kernel.add_socket(true, true);
  kernel.bind(bound, "::1", 5353);
  EXPECT_FALSE(engine.bound(bound, /*udp=*/false).decided);  // listen() is not UDP's event
  EXPECT_TRUE(engine.bound(bound, /*udp=*/true).decided);
  EXPECT_THAT(kernel.set_on(bound), ElementsAre(kRcvbuf));
  // The supervisor: before bind(), from its argument.
  const int unbound = kernel.add_socket(false, true);
  socklen_t length = 0;
  const sockaddr_storage address = FakeKernel::address("0.0.0.0", 5353, &length);
  Endpoint local;
  bool ipv6 = false;
  ASSERT_TRUE(endpoint_from(reinterpret_cast<const sockaddr*>(&address), length, &local, &ipv6));
  const SocketKind kind{false, true};
  EXPECT_TRUE(engine.bound(unbound, /*udp=*/true, &kind, &local).decided);
  EXPECT_THAT(kernel.set_on(unbound), ElementsAre(kRcvbuf));
  EXPECT_EQ(kernel.count("getsockname"), 1);  // the preload's socket only
}

TEST(EngineAcceptTest, OnlyWhatTheListenerDidNotPassOnIsSet) {
  const Loaded loaded(
      "keepalive = { idle = 30 }\nsocket.priority = 5\n"
      "[[rule]]\nmatch = { direction = \"accept\", remote = [\"127.0.0.0/8\"] }\nkeepalive.interval = 9\n");
  ASSERT_TRUE(loaded.summary.accept_rules);
  FakeKernel kernel;
  SocketEngine engine(kernel, loaded.compiled, loaded.summary);
  const int listener = kernel.add_socket(false, false);
  kernel.bind(listener, "0.0.0.0", 8080);
  const int connection = kernel.add_socket(false, false);
  kernel.bind(connection, "127.0.0.1", 8080);
  kernel.connect(connection, "127.0.0.2", 40000);
  socklen_t length = 0;
  const sockaddr_storage peer = FakeKernel::address("127.0.0.2", 40000, &length);
  errno = 4242;
  const EventOutcome outcome = engine.accepted(listener, connection, reinterpret_cast<const sockaddr*>(&peer), length);
  EXPECT_EQ(errno, 4242);
  EXPECT_TRUE(outcome.decided);
  // Keepalive and its idle time came with the listener; SO_PRIORITY did not.
  EXPECT_THAT(kernel.set_on(connection), UnorderedElementsAre(kPriority, kInterval));
  EXPECT_EQ(kernel.value(connection, SOL_SOCKET, SO_PRIORITY), 5);
  EXPECT_EQ(kernel.value(connection, IPPROTO_TCP, TCP_KEEPINTVL), 9);
}

TEST(EngineAcceptTest, TheAcceptedSocketsEnforcedOptionsComeFromItsListener) {
  const Loaded loaded("keepalive = { idle = 30 }\ntcp.nodelay = true\nenforce = [\"keepalive\"]\n");
  FakeKernel kernel;
  SocketEngine engine(kernel, loaded.compiled, loaded.summary);
  const int connection = kernel.add_socket(true, false);
  kernel.bind(connection, "::1", 8080);
  kernel.connect(connection, "::1", 40000);
  const uint32_t enforced = engine.inherited_enforcement(connection, /*ipv6=*/true);
  EXPECT_NE(enforced & bit(OptionId::keepalive_idle), 0u);
  EXPECT_TRUE(keeps_enforced_value(enforced, IPPROTO_TCP, TCP_KEEPIDLE));
  EXPECT_FALSE(keeps_enforced_value(enforced, IPPROTO_TCP, TCP_NODELAY));  // set, not enforced
  EXPECT_THAT(kernel.set_on(connection), IsEmpty());                     // nothing set: it has them
}

TEST(EngineEnforceTest, EnforcedOptionsSetAtSocketKeepTheirValue) {
  const Loaded loaded("keepalive = { idle = 30 }\nbuffers.receive = 65536\nenforce = [\"keepalive.idle\"]\n");
  FakeKernel kernel;
  SocketEngine engine(kernel, loaded.compiled, loaded.summary);
  const int fd = kernel.add_socket(false, false);
  const EventOutcome outcome = engine.created(fd, SocketKind{false, false});
  EXPECT_EQ(outcome.enforced, bit(OptionId::keepalive_idle));
  EXPECT_TRUE(keeps_enforced_value(outcome.enforced, IPPROTO_TCP, TCP_KEEPIDLE));
  EXPECT_FALSE(keeps_enforced_value(outcome.enforced, SOL_SOCKET, SO_RCVBUF));
  EXPECT_FALSE(keeps_enforced_value(0, IPPROTO_TCP, TCP_KEEPIDLE));
}

// The supervisor sees a socket at its first trapped call: what the program
// set by then is its own, and is neither overwritten nor enforced.
TEST(EngineUntouchedTest, TheProgramsOwnValuesStayAndAreNotEnforced) {
  const Loaded loaded("keepalive = { idle = 30, interval = 10 }\nenforce = [\"keepalive\"]\n");
  FakeKernel kernel;
  FreshValues fresh(kernel);
  SocketEngine engine(kernel, loaded.compiled, loaded.summary);
  const int fd = kernel.add_socket(false, false);
  kernel.program_sets(fd, IPPROTO_TCP, TCP_KEEPIDLE, 60);
  errno = 4242;
  const EventOutcome outcome = engine.created(fd, SocketKind{false, false}, &fresh);
  EXPECT_EQ(errno, 4242);
  EXPECT_EQ(kernel.value(fd, IPPROTO_TCP, TCP_KEEPIDLE), 60);
  EXPECT_EQ(kernel.value(fd, IPPROTO_TCP, TCP_KEEPINTVL), 10);
  EXPECT_THAT(kernel.set_on(fd), UnorderedElementsAre(kKeepalive, kInterval));
  EXPECT_FALSE(keeps_enforced_value(outcome.enforced, IPPROTO_TCP, TCP_KEEPIDLE));
  EXPECT_TRUE(keeps_enforced_value(outcome.enforced, IPPROTO_TCP, TCP_KEEPINTVL));
  EXPECT_EQ(kernel.open_sockets(), 1u);  // the fresh socket was closed
}

class EngineRawOptionsTest : public ::testing::TestWithParam<std::pair<bool, bool>> {};

TEST_P(EngineRawOptionsTest, SeveralRawOptionsAreSetAfterTheCatalogueOnes) {
  const auto [ipv6, udp] = GetParam();
  const Loaded loaded(std::string("buffers.receive = 65536\n") + kRawOptions);
  FakeKernel kernel;
  SocketEngine engine(kernel, loaded.compiled, loaded.summary);
  const int fd = kernel.add_socket(ipv6, udp);
  engine.created(fd, SocketKind{ipv6, udp});
  const auto set = kernel.set_on(fd);
  ASSERT_GE(set.size(), 3u);
  const std::vector<std::pair<int, int>> last_three(set.end() - 3, set.end());
  EXPECT_THAT(last_three, ElementsAre(kReuseport, kTtl, kRcvlowat));
  EXPECT_EQ(kernel.value(fd, SOL_SOCKET, SO_REUSEPORT), 1);
  EXPECT_EQ(kernel.value(fd, IPPROTO_IP, IP_TTL), 33);
  EXPECT_EQ(kernel.value(fd, SOL_SOCKET, SO_RCVLOWAT), 7);
}

// Each raw option is compared with its own fresh value (a fresh socket's
// IP_TTL is 64, SO_RCVLOWAT 1, SO_REUSEPORT 0), for every family and
// protocol; they must not share one slot.
TEST_P(EngineRawOptionsTest, UntouchedRuleTellsRawOptionsApart) {
  const auto [ipv6, udp] = GetParam();
  const Loaded loaded(kRawOptions);
  FakeKernel kernel;
  FreshValues fresh(kernel);
  SocketEngine engine(kernel, loaded.compiled, loaded.summary);
  const int fd = kernel.add_socket(ipv6, udp);
  kernel.program_sets(fd, SOL_SOCKET, SO_RCVLOWAT, 3);  // the program's own
  engine.created(fd, SocketKind{ipv6, udp}, &fresh);
  EXPECT_EQ(kernel.value(fd, SOL_SOCKET, SO_REUSEPORT), 1);
  EXPECT_EQ(kernel.value(fd, IPPROTO_IP, IP_TTL), 33);
  EXPECT_EQ(kernel.value(fd, SOL_SOCKET, SO_RCVLOWAT), 3);
  EXPECT_THAT(kernel.set_on(fd), ElementsAre(kReuseport, kTtl));
  // A second socket of that kind: the fresh values are known already.
  const int made = kernel.fresh_sockets_made();
  const int second = kernel.add_socket(ipv6, udp);
  engine.created(second, SocketKind{ipv6, udp}, &fresh);
  EXPECT_EQ(kernel.fresh_sockets_made(), made);
  EXPECT_THAT(kernel.set_on(second), ElementsAre(kReuseport, kTtl, kRcvlowat));
}

INSTANTIATE_TEST_SUITE_P(FamilyAndProtocol, EngineRawOptionsTest,
                         ::testing::Values(std::make_pair(false, false), std::make_pair(false, true),
                                           std::make_pair(true, false), std::make_pair(true, true)),
                         [](const auto& info) {
                           return std::string(info.param.first ? "ipv6" : "ipv4") + (info.param.second ? "_udp" : "_tcp");
                         });

// The preload runs the engine from every thread of a program at once, on one
// policy: its shared state (the clamp check, the report-once flags) must
// hold under ThreadSanitizer.
TEST(EngineThreadsTest, ManyThreadsOnOnePolicy) {
  const Loaded loaded(std::string("buffers.send = 32768\n") + kWithRules);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      FakeKernel kernel;
      kernel.fail_setsockopt(IPPROTO_TCP, TCP_USER_TIMEOUT, ENOPROTOOPT);
      SocketEngine engine(kernel, loaded.compiled, loaded.summary);
      socklen_t length = 0;
      const sockaddr_storage to = FakeKernel::address("127.0.0.1", 80, &length);
      for (int i = 0; i < 200; ++i) {
        const int fd = kernel.add_socket(i % 2 == 0, false);
        engine.created(fd, SocketKind{i % 2 == 0, false});
        engine.connecting(fd, reinterpret_cast<const sockaddr*>(&to), length);
        if (kernel.value(fd, IPPROTO_TCP, TCP_KEEPIDLE) != 22) ++failures[t];  // the rule's
        kernel.close(fd);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(failures, ElementsAre(0, 0, 0, 0));
}

}  // namespace
}  // namespace sockshim::testing
