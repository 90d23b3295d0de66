// SPDX-License-Identifier: Apache-2.0
// Unmodified programs of the distribution under the shim: python3, curl,
// redis-server, nginx. Their sockets are read from outside the process
// (pidfd_getfd). Built only when those programs use the shim's libc.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "inspect/process_sockets.h"
#include "tests/support/child_process.h"
#include "tests/support/eventually.h"
#include "tests/support/probe_output.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/typical_top_level.h"

namespace sockshim::testing {
namespace {

using ::testing::HasSubstr;

std::string find_program(const std::string& name) {
  for (const char* dir : {"/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/"}) {
    const std::string path = dir + name;
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

// Polls |pid| until one of its sockets satisfies |wanted|.
template <typename Predicate>
std::optional<InspectedSocket> wait_for_socket(pid_t pid, Predicate wanted) {
  std::optional<InspectedSocket> found;
  bool inspected = true;
  eventually(
      [&] {
        std::vector<InspectedSocket> sockets;
        std::string error;
        if (!inspect_process_sockets(pid, &sockets, &error)) {
          ADD_FAILURE() << error;
          inspected = false;
          return true;  // no use waiting
        }
        for (const InspectedSocket& socket : sockets) {
          if (wanted(socket)) {
            found = socket;
            break;
          }
        }
        return found.has_value();
      },
      kEventually, std::chrono::milliseconds(50));
  return inspected ? found : std::nullopt;
}

// curl's own limit, far past the test's wait for its socket: the server
// never answers, and curl must still be there when the test looks.
const std::string kCurlMaxTime = std::to_string(2 * kEventually.count());

TEST(Python3Test, ConfiguredValuesOnEverySocket) {
  const std::string python = find_program("python3");
  ASSERT_FALSE(python.empty()) << "python3 is not installed";
  const std::string script = std::string(SOCKSHIM_SOURCE_DIR) + "/tests/programs/socket_report.py";
  for (const std::vector<std::string>& extra : {std::vector<std::string>{}, {"-6"}}) {
    std::vector<std::string> argv = {python, script};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const ProgramResult result = run_program(argv, with_shim(kTypicalTopLevelConfig));
    ASSERT_EQ(result.exit_status, 0) << result.err;
    EXPECT_EQ(result.err, "");
    expect_typical_top_level(parse_probe_output(result.out), result.out);
    const ProgramResult plain = run_program(argv);
    EXPECT_THAT(plain.out, HasSubstr("client keepalive=0"));
  }
}

TEST(Python3Test, SockshimRunAppliesAnExampleAndInspectShowsIt) {
  const std::string python = find_program("python3");
  ASSERT_FALSE(python.empty()) << "python3 is not installed";
  const std::string script = std::string(SOCKSHIM_SOURCE_DIR) + "/tests/programs/socket_report.py";
  ChildProcess child({SOCKSHIM_CLI_PATH, "run", "-c", std::string(SOCKSHIM_EXAMPLES_DIR) + "/nat-keepalive.toml",
                      "--", python, script, "--hold"},
                     {});
  ASSERT_THAT(child.read_line(kEventuallyMs), HasSubstr("listener keepalive=1 idle=60 interval=10 count=3"));
  const ProgramResult inspected = run_program({SOCKSHIM_CLI_PATH, "inspect", std::to_string(child.pid()), "--json"});
  EXPECT_EQ(inspected.exit_status, 0) << inspected.err;
  // Listener, client and accepted socket, each read from outside the process.
  size_t sockets = 0;
  for (size_t at = 0; (at = inspected.out.find("\"keepalive_idle_s\": 60, \"keepalive_interval_s\": 10, "
                                                "\"keepalive_count\": 3", at)) != std::string::npos;
       ++at) {
    ++sockets;
  }
  EXPECT_EQ(sockets, 3u) << inspected.out;
  EXPECT_THAT(inspected.out, HasSubstr("\"user_timeout_ms\": 90000"));
  child.finish();
}

// A loopback listener in the test process, for clients under the shim.
class LoopbackServer {
 public:
  LoopbackServer() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    bind(fd_, reinterpret_cast<sockaddr*>(&address), length);
    listen(fd_, 4);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~LoopbackServer() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(CurlTest, ConnectRuleReachesCurlsSocket) {
  const std::string curl = find_program("curl");
  ASSERT_FALSE(curl.empty()) << "curl is not installed (apt-get install curl)";
  LoopbackServer server;  // accepts in the backlog and never answers: curl waits
  const std::string port = std::to_string(server.port());
  ChildProcess child({curl, "-s", "--max-time", kCurlMaxTime, "http://127.0.0.1:" + port + "/"},
                     with_shim("[[rule]]\nname = \"api\"\n"
                               "match = { direction = \"connect\", remote = \"127.0.0.1\", port = " +
                               port + " }\nkeepalive = { idle = 7, interval = 3, count = 2 }\n"
                               "buffers.receive = \"64KiB\"\ntcp.user_timeout = 9000\n"));
  const auto socket = wait_for_socket(child.pid(), [&](const InspectedSocket& s) {
    return s.remote == "127.0.0.1:" + port;
  });
  ASSERT_TRUE(socket.has_value()) << "curl never connected";
  EXPECT_EQ(socket->keepalive, 1);
  EXPECT_EQ(socket->keepalive_idle_s, 7);
  EXPECT_EQ(socket->keepalive_interval_s, 3);
  EXPECT_EQ(socket->keepalive_count, 2);
  EXPECT_EQ(socket->receive_buffer, 2 * 65536);
  EXPECT_EQ(socket->user_timeout_ms, 9000);
}

TEST(RedisTest, ListenRuleReachesRedisListener) {
  const std::string redis = find_program("redis-server");
  ASSERT_FALSE(redis.empty()) << "redis-server is not installed (apt-get install redis-server)";
  const std::string port = std::to_string(free_port());
  ChildProcess child({redis, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly",
                      "no", "--dir", scratch_dir()},
                     with_shim("[[rule]]\nmatch = { direction = \"listen\", port = " + port +
                               " }\nkeepalive = { idle = 13, interval = 4, count = 5 }\n"
                               "buffers = { receive = 8192, send = 16384 }\n"));
  const auto listener = wait_for_socket(child.pid(), [&](const InspectedSocket& s) {
    return s.listening && s.local == "127.0.0.1:" + port;
  });
  ASSERT_TRUE(listener.has_value()) << "redis-server never listened";
  EXPECT_EQ(listener->keepalive, 1);
  EXPECT_EQ(listener->keepalive_idle_s, 13);
  EXPECT_EQ(listener->keepalive_interval_s, 4);
  EXPECT_EQ(listener->keepalive_count, 5);
  EXPECT_EQ(listener->receive_buffer, 16384);
  EXPECT_EQ(listener->send_buffer, 32768);
  kill(child.pid(), SIGTERM);
  child.finish(10);
}

// curl sets keepalive 60 s/60 s on its socket after socket(), where the top
// level was applied: without enforce curl's values stay, with it the config's.
TEST(CurlTest, EnforcedKeepaliveWinsOverCurlsOwn) {
  const std::string curl = find_program("curl");
  ASSERT_FALSE(curl.empty()) << "curl is not installed (apt-get install curl)";
  for (bool enforce : {false, true}) {
    LoopbackServer server;
    const std::string port = std::to_string(server.port());
    ChildProcess child({curl, "-s", "--max-time", kCurlMaxTime, "http://127.0.0.1:" + port + "/"},
                       with_shim(std::string("keepalive = { idle = 7, interval = 3, count = 2 }\n") +
                                 (enforce ? "enforce = [\"keepalive\"]\n" : "")));
    const auto socket = wait_for_socket(child.pid(), [&](const InspectedSocket& s) {
      return s.remote == "127.0.0.1:" + port;
    });
    ASSERT_TRUE(socket.has_value()) << "curl never connected";
    EXPECT_EQ(socket->keepalive, 1);
    EXPECT_EQ(socket->keepalive_idle_s, enforce ? 7 : 60) << "enforce " << enforce;
    EXPECT_EQ(socket->keepalive_interval_s, enforce ? 3 : 60) << "enforce " << enforce;
    EXPECT_EQ(socket->keepalive_count, 2);
    kill(child.pid(), SIGTERM);
    child.finish(10);
  }
}

// redis sets TCP_KEEPIDLE 300 (and interval 100, count 3) on every client it
// accepts, over what the listener passed on.
TEST(RedisTest, EnforcedKeepaliveWinsOverRedisOnAcceptedClients) {
  const std::string redis = find_program("redis-server");
  ASSERT_FALSE(redis.empty()) << "redis-server is not installed (apt-get install redis-server)";
  for (bool enforce : {false, true}) {
    const int port = free_port();
    ChildProcess child({redis, "--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "",
                        "--appendonly", "no", "--dir", scratch_dir()},
                       with_shim("[[rule]]\nmatch = { direction = \"listen\", port = " + std::to_string(port) +
                                 " }\nkeepalive = { idle = 13, interval = 4, count = 5 }\n" +
                                 (enforce ? "enforce = true\n" : "")));
    ASSERT_TRUE(wait_for_socket(child.pid(), [&](const InspectedSocket& s) { return s.listening; }));
    const int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port));
    ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    // A command makes sure redis has set up the client (and its keepalive).
    ASSERT_EQ(write(client, "PING\r\n", 6), 6);
    char reply[16] = {};
    ASSERT_GT(read(client, reply, sizeof reply), 0);
    socklen_t length = sizeof address;
    getsockname(client, reinterpret_cast<sockaddr*>(&address), &length);
    const std::string peer = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
    const auto accepted = wait_for_socket(child.pid(), [&](const InspectedSocket& s) { return s.remote == peer; });
    ASSERT_TRUE(accepted.has_value());
    EXPECT_EQ(accepted->keepalive_idle_s, enforce ? 13 : 300) << "enforce " << enforce;
    EXPECT_EQ(accepted->keepalive_count, enforce ? 5 : 3) << "enforce " << enforce;
    close(client);
    kill(child.pid(), SIGTERM);
    child.finish(10);
  }
}

TEST(NginxTest, ListenRuleReachesNginxListener) {
  const std::string nginx = find_program("nginx");
  ASSERT_FALSE(nginx.empty()) << "nginx is not installed (apt-get install nginx)";
  const std::string port = std::to_string(free_port());
  const std::string& dir = scratch_dir();
  const std::string conf = dir + "/sockshim-nginx.conf";
  std::ofstream(conf) << "daemon off;\nmaster_process off;\npid " << dir << "/sockshim-nginx.pid;\n"
                      << "error_log " << dir << "/sockshim-nginx.err;\n"
                      << "events {}\nhttp {\n  access_log off;\n"
                      << "  server { listen 127.0.0.1:" << port << "; return 204; }\n}\n";
  ChildProcess child({nginx, "-p", dir, "-c", conf},
                     with_shim("[[rule]]\nmatch = { direction = \"listen\", port = " + port +
                               ", program = \"nginx\" }\ntcp = { user_timeout = 4321, nodelay = true }\n"
                               "keepalive.idle = 17\n"));
  const auto listener = wait_for_socket(child.pid(), [&](const InspectedSocket& s) {
    return s.listening && s.local == "127.0.0.1:" + port;
  });
  ASSERT_TRUE(listener.has_value()) << "nginx never listened";
  EXPECT_EQ(listener->keepalive_idle_s, 17);
  EXPECT_EQ(listener->keepalive, 1);
  EXPECT_EQ(listener->user_timeout_ms, 4321);
  EXPECT_EQ(listener->nodelay, 1);
  kill(child.pid(), SIGQUIT);
  child.finish(10);
}

}  // namespace
}  // namespace sockshim::testing
