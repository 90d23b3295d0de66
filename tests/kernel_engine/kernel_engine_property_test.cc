// SPDX-License-Identifier: Apache-2.0
// Property: for random policies, what the kernel reports on real sockets
// made under the kernel engine equals what the config's decide() gives
// (or the kernel's default where it gives nothing): the map compiler's
// regions lose nothing of the decision. Seeded; the seed is in the name
// of each failure.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bpf_engine/cgroup_facts.h"
#include "config/decide.h"
#include "config/policy_loader.h"
#include "tests/support/child_process.h"
#include "tests/support/eventually.h"
#include "tests/support/scratch_dir.h"

namespace sockshim::testing {
namespace {

// The options compared, as the kernel reports them (getsockopt ints).
struct Compared {
  OptionId id;
  int level;
  int name;
  const char* key;
  int (*value)(std::mt19937&);
};
const Compared kCompared[] = {
    {OptionId::keepalive_idle, IPPROTO_TCP, TCP_KEEPIDLE, "keepalive.idle",
     [](std::mt19937& random) { return 10 + static_cast<int>(random() % 200); }},
    {OptionId::keepalive_count, IPPROTO_TCP, TCP_KEEPCNT, "keepalive.count",
     [](std::mt19937& random) { return 1 + static_cast<int>(random() % 20); }},
    {OptionId::user_timeout, IPPROTO_TCP, TCP_USER_TIMEOUT, "tcp.user_timeout",
     [](std::mt19937& random) { return 1000 * (1 + static_cast<int>(random() % 60)); }},
    {OptionId::nodelay, IPPROTO_TCP, TCP_NODELAY, "tcp.nodelay",
     [](std::mt19937& random) { return static_cast<int>(random() % 2); }},
};

std::string setting(const Compared& option, int value) {
  return std::string(option.key) + " = " +
         (option.id == OptionId::nodelay ? (value ? "true" : "false") : std::to_string(value)) + "\n";
}

// Loopback destinations the rules carve up.
const char* const kHosts[] = {"127.0.0.1", "127.0.0.2", "127.0.1.1", "127.1.0.1", "127.200.3.4"};
const char* const kPrefixes[] = {"127.0.0.0/8", "127.0.0.0/16", "127.0.0.0/24", "127.0.0.2/32", "127.0.1.0/24",
                                 "127.128.0.0/9", "127.1.0.0/16"};

std::string random_policy(std::mt19937& random, int first_port) {
  std::ostringstream toml;
  for (const Compared& option : kCompared) {
    if (random() % 2) toml << setting(option, option.value(random));
  }
  const int rules = 1 + static_cast<int>(random() % 6);
  for (int i = 0; i < rules; ++i) {
    toml << "[[rule]]\nname = \"r" << i << "\"\n";
    if (random() % 3 == 0) {
      const int first = first_port + static_cast<int>(random() % 4);
      toml << "match = { direction = \"listen\", port = \"" << first << "-" << first + static_cast<int>(random() % 3)
           << "\" }\n";
    } else {
      toml << "match = { direction = \"connect\", remote = [\"" << kPrefixes[random() % std::size(kPrefixes)] << "\"]";
      if (random() % 3 == 0) toml << ", port = " << first_port + static_cast<int>(random() % 6);
      toml << " }\n";
    }
    bool any = false;
    for (const Compared& option : kCompared) {
      if (random() % 2 || (!any && &option == &kCompared[std::size(kCompared) - 1])) {
        toml << setting(option, option.value(random));
        any = true;
      }
    }
  }
  return toml.str();
}

int fresh_default(const Compared& option) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int value = -1;
  socklen_t length = sizeof value;
  getsockopt(fd, option.level, option.name, &value, &length);
  close(fd);
  return value;
}

int expected(const SocketSettings& settings, const Compared& option) {
  const std::optional<int> number = settings.number(option.id);
  return number ? *number : fresh_default(option);
}

// The python script: for each "HOST PORT", a listener on 0.0.0.0:PORT, a
// client connected to HOST:PORT, each reported.
constexpr char kScript[] = R"(
import socket, sys
opts = [(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE), (socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
        (socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT), (socket.IPPROTO_TCP, socket.TCP_NODELAY)]
def show(label, s):
    print(label, " ".join(str(s.getsockopt(level, name)) for level, name in opts))
ports = sorted(set(int(p) for p in sys.argv[2::2]))
listeners = {}
for port in ports:
    l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); l.bind(("0.0.0.0", port)); l.listen()
    listeners[port] = l
    show("listener %d" % port, l)
for host, port in zip(sys.argv[1::2], sys.argv[2::2]):
    c = socket.create_connection((host, int(port)))
    show("client %s %s" % (host, port), c)
    c.close(); listeners[int(port)].accept()[0].close()
)";

TEST(KernelEnginePropertyTest, KernelReadBackEqualsDecideForRandomPolicies) {
  if (geteuid() != 0) GTEST_SKIP() << "the kernel engine needs root";
  const std::string mount = bpf_engine::cgroup2_mount();
  if (mount.empty()) GTEST_SKIP() << "cgroup v2 is not mounted here";
  if (std::string why = bpf_engine::programs_do_not_load(); !why.empty()) GTEST_SKIP() << why;
  const std::string cgroup = mount + "/sockshim-property-" + std::to_string(getpid());
  ASSERT_EQ(mkdir(cgroup.c_str(), 0755), 0) << std::strerror(errno);
  struct Cleanup {
    std::string cgroup;
    ~Cleanup() {
      run_program({SOCKSHIM_CLI_PATH, "detach", cgroup});
      eventually([&] { return rmdir(cgroup.c_str()) == 0; });
    }
  } cleanup{cgroup};
  const unsigned seed = std::random_device()();
  std::mt19937 random(seed);
  // Fixed listener ports below the kernel's ephemeral range (32768-60999):
  // there, a client socket of a test running beside this one can hold the
  // port, and bind() fails with EADDRINUSE.
  const int first_port = 24000 + static_cast<int>(getpid() % 500) * 8;
  for (int round = 0; round < 12; ++round) {
    const std::string toml = random_policy(random, first_port);
    SCOPED_TRACE("seed " + std::to_string(seed) + ", round " + std::to_string(round) + ":\n" + toml);
    const LoadResult loaded = load_policy(toml, "random");
    ASSERT_TRUE(loaded.policy) << (loaded.errors.empty() ? "" : loaded.errors[0].message);
    const std::string path = scratch_dir() + "/random.toml";
    std::ofstream(path) << toml;
    const ProgramResult attached = run_program({SOCKSHIM_CLI_PATH, "attach", cgroup, "-c", path});
    ASSERT_EQ(attached.exit_status, 0) << attached.err;
    std::vector<std::string> argv = {"/bin/sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"", cgroup,
                                     "/usr/bin/python3", "-c", kScript};
    std::vector<std::pair<std::string, int>> cases;
    for (const char* host : kHosts) {
      const int port = first_port + static_cast<int>(random() % 6);
      cases.emplace_back(host, port);
      argv.push_back(host);
      argv.push_back(std::to_string(port));
    }
    const ProgramResult result = run_program(argv);
    ASSERT_EQ(result.exit_status, 0) << result.err;
    for (const auto& [host, port] : cases) {
      SocketEvent connect;
      connect.kind = SocketEventKind::connect;
      connect.remote.known = true;
      connect.remote.address = *IpAddress::parse(host);
      connect.remote.port = static_cast<uint16_t>(port);
      const SocketSettings client = decide(*loaded.policy, connect);
      std::string wanted = "client " + host + " " + std::to_string(port);
      for (const Compared& option : kCompared) wanted += " " + std::to_string(expected(client, option));
      EXPECT_NE(result.out.find(wanted + "\n"), std::string::npos) << "wanted: " << wanted << "\n" << result.out;

      SocketEvent listen;
      listen.kind = SocketEventKind::listen;
      listen.local.known = true;
      listen.local.address = *IpAddress::parse("0.0.0.0");
      listen.local.port = static_cast<uint16_t>(port);
      const SocketSettings listener = decide(*loaded.policy, listen);
      std::string wanted_listener = "listener " + std::to_string(port);
      for (const Compared& option : kCompared) wanted_listener += " " + std::to_string(expected(listener, option));
      EXPECT_NE(result.out.find(wanted_listener + "\n"), std::string::npos)
          << "wanted: " << wanted_listener << "\n" << result.out;
    }
  }
}

}  // namespace
}  // namespace sockshim::testing
