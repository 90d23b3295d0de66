// SPDX-License-Identifier: Apache-2.0
// `sockshim agent` under a real OCI runtime: Debian's runc starts containers
// whose seccomp profile names the agent's socket as its listenerPath. The
// containers' programs are static (the supervisor's threaded_program and a
// Go program), in a root that holds nothing else. What counts is what the
// kernel reports for each socket: read inside the container, and from the
// host with `sockshim inspect` (pidfd_getfd on the container's process).
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "supervisor/descriptor_passing.h"
#include "supervisor/filter.h"
#include "supervisor/json_writer.h"
#include "supervisor/listener.h"
#include "tests/support/child_process.h"
#include "tests/support/eventually.h"
#include "tests/support/probe_output.h"

namespace sockshim::testing {
namespace {

using ::testing::HasSubstr;

#if defined(__x86_64__)
constexpr char kSeccompArch[] = "SCMP_ARCH_X86_64";
#else
constexpr char kSeccompArch[] = "SCMP_ARCH_AARCH64";
#endif

using supervisor::json_string;

bool have_go() { return std::string(GOPROBE_PATH).size() > 0 && access(GOPROBE_PATH, X_OK) == 0; }

// One "key=value" field of a line such as checked-churn's; -1 when absent.
long long field(const std::string& line, const std::string& key) {
  std::smatch match;
  if (!std::regex_search(line, match, std::regex("(^| )" + key + "=(-?[0-9]+)"))) return -1;
  return std::stoll(match[2]);
}

// One integer member of a flat JSON object on one line; -1 when absent.
long long json_field(const std::string& line, const std::string& key) {
  std::smatch match;
  if (!std::regex_search(line, match, std::regex("\"" + key + "\": (-?[0-9]+)"))) return -1;
  return std::stoll(match[1]);
}

struct ContainerSpec {
  std::vector<std::string> args;
  std::map<std::string, std::string> annotations;
  std::string listener_path;  // empty: a profile that traps nothing (a baseline)
  std::string metadata;
  pid_t network_of = 0;  // join this process's network namespace; 0: a new one (loopback only)
  std::string profile;   // a whole seccomp profile instead of the one built from the fields above
};

// A scratch directory with a root of static programs, runc's state, and the
// bundles; everything it started is killed and removed at the end, failed
// test or not.
class RuncSandbox {
 public:
  RuncSandbox() {
    char pattern[] = "/tmp/sockshim-agent-test-XXXXXX";
    dir_ = mkdtemp(pattern);
    for (const char* sub : {"/rootfs", "/rootfs/bin", "/rootfs/proc", "/rootfs/dev", "/state", "/configs"}) {
      mkdir((dir_ + sub).c_str(), 0755);
    }
    copy(THREADED_PROGRAM_PATH, dir_ + "/rootfs/bin/threaded_program");
    if (have_go()) copy(GOPROBE_PATH, dir_ + "/rootfs/bin/goprobe");
  }
  ~RuncSandbox() {
    for (const std::string& id : ids_) run_program({"runc", "--root", dir_ + "/state", "delete", "--force", id});
    for (pid_t holder : holders_) {
      // Only if that pid is still a listener holder.
      std::ifstream cmdline("/proc/" + std::to_string(holder) + "/cmdline");
      std::string text((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
      if (text.find("--hold") != std::string::npos) kill(holder, SIGKILL);
    }
    run_program({"rm", "-rf", dir_});
  }

  const std::string& dir() const { return dir_; }
  std::string state_root() const { return dir_ + "/state"; }
  void forget_holder_at_exit(pid_t holder) {
    if (holder > 0) holders_.push_back(holder);
  }

  // Writes a config into the agent's config directory (mode 0600: root's
  // agent refuses files that others may write).
  std::string write_config(const std::string& name, const std::string& toml) {
    const std::string path = dir_ + "/configs/" + name + ".toml";
    std::ofstream(path) << toml;
    chmod(path.c_str(), 0600);
    return path;
  }

  // A bundle for |spec|; returns the container's id.
  std::string bundle(const ContainerSpec& spec) {
    const std::string id = "sockshim-" + std::to_string(getpid()) + "-" + std::to_string(ids_.size());
    ids_.push_back(id);
    const std::string bundle_dir = dir_ + "/" + id;
    mkdir(bundle_dir.c_str(), 0755);
    std::string args, annotations, network = "{\"type\": \"network\"}";
    for (const std::string& arg : spec.args) args += (args.empty() ? "" : ", ") + json_string(arg);
    for (const auto& [name, value] : spec.annotations) {
      annotations += (annotations.empty() ? "" : ", ") + json_string(name) + ": " + json_string(value);
    }
    if (spec.network_of) {
      network = "{\"type\": \"network\", \"path\": \"/proc/" + std::to_string(spec.network_of) + "/ns/net\"}";
    }
    std::string seccomp = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"" +
                          std::string(kSeccompArch) + "\"], \"syscalls\": [";
    if (!spec.listener_path.empty()) {
      seccomp = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": " + json_string(spec.listener_path) +
                ", \"listenerMetadata\": " + json_string(spec.metadata) + ", \"architectures\": [\"" +
                kSeccompArch + "\"], \"syscalls\": [{\"names\": [\"connect\", \"listen\", \"bind\"], " +
                "\"action\": \"SCMP_ACT_NOTIFY\"}";
    }
    seccomp += "]}";
    if (!spec.profile.empty()) seccomp = spec.profile;
    std::ofstream(bundle_dir + "/config.json")
        << "{\"ociVersion\": \"1.0.2\",\n"
           " \"process\": {\"terminal\": false, \"user\": {\"uid\": 0, \"gid\": 0}, \"args\": ["
        << args
        << "], \"env\": [\"PATH=/bin\"], \"cwd\": \"/\", \"noNewPrivileges\": true},\n"
           " \"root\": {\"path\": "
        << json_string(dir_ + "/rootfs")
        << ", \"readonly\": true},\n"
           " \"hostname\": \"sockshim-test\",\n"
           " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},\n"
           "   {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"nosuid\", "
           "\"mode=755\", \"size=1m\"]}],\n"
           " \"annotations\": {"
        << annotations
        << "},\n"
           " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, "
        << network << ", {\"type\": \"ipc\"}, {\"type\": \"uts\"}, {\"type\": \"mount\"}],\n"
        << "  \"seccomp\": " << seccomp << "}}\n";
    return id;
  }

  std::vector<std::string> run_command(const std::string& id) const {
    return {"runc", "--root", state_root(), "run", "--bundle", dir_ + "/" + id, id};
  }

  // Runs the container to its end.
  ProgramResult run(const ContainerSpec& spec) { return run_program(run_command(bundle(spec))); }

  // The container's first process, as the host sees it.
  pid_t pid_of(const std::string& id) const {
    const ProgramResult state = run_program({"runc", "--root", state_root(), "state", id});
    return static_cast<pid_t>(json_field(state.out, "pid"));
  }

 private:
  static void copy(const std::string& from, const std::string& to) {
    run_program({"cp", from, to});
  }

  std::string dir_;
  std::vector<std::string> ids_;
  std::vector<pid_t> holders_;
};

// `sockshim agent` in the background, stopped with SIGTERM.
class Agent {
 public:
  // |wrapper|: a command that runs the agent (its argv appended).
  Agent(RuncSandbox* sandbox, std::vector<std::string> extra, std::vector<std::string> wrapper = {})
      : sandbox_(sandbox) {
    std::vector<std::string> argv = wrapper;
    argv.insert(argv.end(), {SOCKSHIM_CLI_PATH, "agent", "--socket", socket_path(*sandbox), "--config-dir",
                             sandbox->dir() + "/configs"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<ChildProcess>(argv, Environment{});
    const bool answered = eventually([&] {
      const ProgramResult answer = status(true);
      if (answer.exit_status != 0 || answer.out.empty()) return false;
      sandbox_->forget_holder_at_exit(static_cast<pid_t>(json_field(answer.out, "holder_pid")));
      return true;
    });
    if (!answered) ADD_FAILURE() << "the agent never answered --status";
  }
  static std::string socket_path(const RuncSandbox& sandbox) { return sandbox.dir() + "/agent.sock"; }

  ProgramResult status(bool json) const {
    std::vector<std::string> argv = {SOCKSHIM_CLI_PATH, "agent", "--socket", socket_path(*sandbox_), "--status"};
    if (json) argv.push_back("--json");
    return run_program(argv);
  }
  ProgramResult stop() {
    kill(process_->pid(), SIGTERM);
    return process_->finish(static_cast<int>(kEventually.count()));
  }

 private:
  RuncSandbox* sandbox_;
  std::unique_ptr<ChildProcess> process_;
};

// Why these tests cannot run here, or empty.
std::string runc_unavailable() {
  static const std::string reason = [] {
    if (geteuid() != 0) return std::string("runc containers need root here");
    if (run_program({"sh", "-c", "command -v runc"}).exit_status != 0) {
      return std::string("runc is not installed (Debian: apt-get install runc)");
    }
    if (const std::string missing = supervisor::user_notification_unavailable(); !missing.empty()) return missing;
    RuncSandbox sandbox;
    ContainerSpec spec;
    spec.args = {"/bin/threaded_program", "idle"};
    const ProgramResult trial = sandbox.run(spec);
    if (trial.exit_status != 0) return "runc cannot start a container here: " + trial.err;
    return std::string();
  }();
  return reason;
}

#define SKIP_WITHOUT_RUNC()                                                              \
  if (const std::string why = runc_unavailable(); !why.empty()) {                        \
    std::fprintf(stderr, "SKIPPED: sockshim agent tests need runc: %s\n", why.c_str()); \
    GTEST_SKIP() << why;                                                                 \
  }

// The socket of |sockets_json| (sockshim inspect --json) whose local or
// remote endpoint is |endpoint| and which is (not) listening; empty if none.
std::string inspected(const std::string& sockets_json, const std::string& key, const std::string& endpoint,
                      bool listening) {
  std::istringstream lines(sockets_json);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("\"" + key + "\": \"" + endpoint + "\"") == std::string::npos) continue;
    if ((line.find("\"listening\": true") != std::string::npos) == listening) return line;
  }
  return "";
}

constexpr char kServerConfig[] =
    "keepalive = { idle = 31, interval = 6, count = 4 }\n"
    "[[rule]]\nname = \"service\"\nmatch = { direction = \"listen\", port = 7000 }\n"
    "buffers = { receive = 98304 }\n";
constexpr char kClientToml[] = "keepalive = { idle = 42, interval = 8 }\ntcp.user_timeout = 4000\n";

TEST(AgentTest, ServerAndGoClientContainersGetTheConfigsTheirAnnotationsName) {
  SKIP_WITHOUT_RUNC();
  if (!have_go()) GTEST_SKIP() << "no Go toolchain at build time (Debian: golang-go)";
  RuncSandbox sandbox;
  sandbox.write_config("server", kServerConfig);
  Agent agent(&sandbox, {});

  ContainerSpec server_spec;
  server_spec.args = {"/bin/threaded_program", "serve", "7000"};
  server_spec.listener_path = Agent::socket_path(sandbox);
  server_spec.annotations = {{"io.sockshim.config", "server"}};
  const std::string server_id = sandbox.bundle(server_spec);
  ChildProcess server(sandbox.run_command(server_id), {});
  const std::string listening = server.read_line(kEventuallyMs);
  ASSERT_THAT(listening, HasSubstr("listener keepalive=1 idle=31"));
  const pid_t server_pid = sandbox.pid_of(server_id);
  ASSERT_GT(server_pid, 0);

  // The Go client dials the server in its network namespace, Go's own
  // keepalive off, with the whole config in an annotation.
  ContainerSpec client_spec;
  client_spec.args = {"/bin/goprobe", "idle", "127.0.0.1", "7000"};
  client_spec.listener_path = Agent::socket_path(sandbox);
  client_spec.annotations = {{"io.sockshim.config-toml", kClientToml}};
  client_spec.network_of = server_pid;
  const std::string client_id = sandbox.bundle(client_spec);
  ChildProcess client(sandbox.run_command(client_id), {});
  ASSERT_EQ(client.read_line(kEventuallyMs), "connected");
  ASSERT_THAT(server.read_line(kEventuallyMs), HasSubstr("accepted0"));
  const pid_t client_pid = sandbox.pid_of(client_id);
  ASSERT_GT(client_pid, 0);

  // Read from the host, through pidfd_getfd on each container's process.
  const ProgramResult server_sockets = run_program({SOCKSHIM_CLI_PATH, "inspect", std::to_string(server_pid), "--json"});
  const ProgramResult client_sockets = run_program({SOCKSHIM_CLI_PATH, "inspect", std::to_string(client_pid), "--json"});
  ASSERT_EQ(server_sockets.exit_status, 0) << server_sockets.err;
  ASSERT_EQ(client_sockets.exit_status, 0) << client_sockets.err;
  const std::string listener = inspected(server_sockets.out, "local", "127.0.0.1:7000", true);
  const std::string accepted = inspected(server_sockets.out, "local", "127.0.0.1:7000", false);
  const std::string dialed = inspected(client_sockets.out, "remote", "127.0.0.1:7000", false);
  ASSERT_FALSE(listener.empty()) << server_sockets.out;
  ASSERT_FALSE(accepted.empty()) << server_sockets.out;
  ASSERT_FALSE(dialed.empty()) << client_sockets.out;
  for (const std::string& socket : {listener, accepted}) {
    EXPECT_EQ(json_field(socket, "keepalive"), 1) << socket;
    EXPECT_EQ(json_field(socket, "keepalive_idle_s"), 31) << socket;
    EXPECT_EQ(json_field(socket, "keepalive_interval_s"), 6) << socket;
    EXPECT_EQ(json_field(socket, "keepalive_count"), 4) << socket;
    EXPECT_EQ(json_field(socket, "receive_buffer"), 2 * 98304) << socket;
    EXPECT_EQ(json_field(socket, "user_timeout_ms"), 0) << socket;
  }
  EXPECT_EQ(json_field(dialed, "keepalive"), 1) << dialed;
  EXPECT_EQ(json_field(dialed, "keepalive_idle_s"), 42) << dialed;
  EXPECT_EQ(json_field(dialed, "keepalive_interval_s"), 8) << dialed;
  EXPECT_EQ(json_field(dialed, "user_timeout_ms"), 4000) << dialed;

  const ProgramResult status = agent.status(true);
  EXPECT_THAT(status.out, HasSubstr("\"id\": \"" + server_id + "\", \"pid\": " + std::to_string(server_pid) +
                                    ", \"config\": \"" + sandbox.dir() + "/configs/server.toml\", \"tuned\": true"));
  EXPECT_THAT(status.out, HasSubstr("\"id\": \"" + client_id + "\", \"pid\": " + std::to_string(client_pid) +
                                    ", \"config\": \"annotation io.sockshim.config-toml\", \"tuned\": true"));
  const ProgramResult text = agent.status(false);
  EXPECT_THAT(text.out, HasSubstr("containers served: 2 running, 0 ended"));
}

TEST(AgentTest, MetadataAndDefaultConfigsAndStatusCounts) {
  SKIP_WITHOUT_RUNC();
  RuncSandbox sandbox;
  sandbox.write_config("by-metadata", "keepalive.idle = 55\n");
  const std::string fallback = sandbox.write_config("fallback", "keepalive.idle = 66\n");
  Agent agent(&sandbox, {"-c", fallback});
  ContainerSpec spec;
  spec.listener_path = Agent::socket_path(sandbox);
  spec.metadata = "by-metadata";
  spec.args = {"/bin/threaded_program", "checked-churn", "20", "55"};
  const ProgramResult keyed = sandbox.run(spec);
  EXPECT_EQ(keyed.exit_status, 0) << keyed.err;
  EXPECT_THAT(keyed.out, HasSubstr("rounds=20 failed=0 untuned=0 "));
  spec.metadata = "";
  spec.args = {"/bin/threaded_program", "checked-churn", "20", "66"};
  const ProgramResult by_default = sandbox.run(spec);
  EXPECT_EQ(by_default.exit_status, 0) << by_default.err;
  EXPECT_THAT(by_default.out, HasSubstr("rounds=20 failed=0 untuned=0 "));

  const ProgramResult status = agent.status(true);
  EXPECT_THAT(status.out, HasSubstr("\"containers\": [], \"ended_containers\": 2"));
  // Each round: connect trapped (the listener's listen and bind once each),
  // and keepalive on plus its idle set on the dialed socket.
  EXPECT_GE(json_field(status.out, "notifications"), 40) << status.out;
  EXPECT_GE(json_field(status.out, "options_applied"), 2 * 40) << status.out;
  EXPECT_EQ(json_field(status.out, "errors"), 0) << status.out;
  const ProgramResult stopped = agent.stop();
  EXPECT_EQ(stopped.exit_status, 0) << stopped.err;
  EXPECT_THAT(stopped.err, HasSubstr("serving with " + sandbox.dir() + "/configs/by-metadata.toml"));
  EXPECT_THAT(stopped.err, HasSubstr("serving with " + fallback));
}

TEST(AgentTest, ABadConfigLeavesTheContainerUntunedWithOneLineAndNoFailedCall) {
  SKIP_WITHOUT_RUNC();
  RuncSandbox sandbox;
  Agent agent(&sandbox, {});
  ContainerSpec spec;
  spec.listener_path = Agent::socket_path(sandbox);
  spec.annotations = {{"io.sockshim.config-toml", "keepalive = { idle = 0 }\n"}};
  // 7200 s: the kernel's default idle time in a new network namespace.
  spec.args = {"/bin/threaded_program", "checked-churn", "20", "7200"};
  const ProgramResult bad_toml = sandbox.run(spec);
  EXPECT_EQ(bad_toml.exit_status, 0) << bad_toml.err;
  EXPECT_THAT(bad_toml.out, HasSubstr("rounds=20 failed=0 untuned=0 "));
  spec.annotations = {{"io.sockshim.config", "no-such-config"}};
  const ProgramResult missing = sandbox.run(spec);
  EXPECT_THAT(missing.out, HasSubstr("rounds=20 failed=0 untuned=0 "));
  spec.annotations = {{"io.sockshim.config", "../../etc/passwd"}};
  const ProgramResult escaping = sandbox.run(spec);
  EXPECT_THAT(escaping.out, HasSubstr("rounds=20 failed=0 untuned=0 "));

  const ProgramResult stopped = agent.stop();
  const std::string& log = stopped.err;
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 5) << log;  // listening, 3 refusals, stopping
  EXPECT_THAT(log, ::testing::ContainsRegex("container sockshim-[0-9]+-0 \\(pid [0-9]+\\): annotation "
                                            "io.sockshim.config-toml:1:[0-9]+: keepalive.idle: .*; the container "
                                            "runs untuned\n"));
  EXPECT_THAT(log, ::testing::ContainsRegex("sockshim-[0-9]+-1 .*no-such-config.toml.*runs untuned\n"));
  EXPECT_THAT(log, HasSubstr("\"../../etc/passwd\" is not a config name"));
}

TEST(AgentTest, ASecondAgentAtTheSameSocketRefusesToStart) {
  SKIP_WITHOUT_RUNC();
  RuncSandbox sandbox;
  Agent running(&sandbox, {});
  const ProgramResult second =
      run_program({"timeout", "60", SOCKSHIM_CLI_PATH, "agent", "--socket", Agent::socket_path(sandbox), "--no-holder"});
  EXPECT_EQ(second.exit_status, 1);
  EXPECT_THAT(second.err, HasSubstr("another agent answers at " + Agent::socket_path(sandbox) + ".status"));
  EXPECT_EQ(running.status(false).exit_status, 0);
}

TEST(AgentTest, FreshSocketValuesAreTheContainersNotTheAgentsNamespace) {
  // The agent's network namespace has another keepalive default than the
  // container's (a fresh one: 7200 s); the config's idle must still be set,
  // not mistaken for a value the program chose itself.
  SKIP_WITHOUT_RUNC();
  RuncSandbox sandbox;
  Agent agent(&sandbox, {"-c", sandbox.write_config("default", "keepalive.idle = 31\n")},
              {"unshare", "--net", "sh", "-c", "echo 600 > /proc/sys/net/ipv4/tcp_keepalive_time && exec \"$@\"", "sh"});
  ContainerSpec spec;
  spec.listener_path = Agent::socket_path(sandbox);
  spec.args = {"/bin/threaded_program", "checked-churn", "20", "31"};
  const ProgramResult result = sandbox.run(spec);
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("rounds=20 failed=0 untuned=0 "));
  const ProgramResult stopped = agent.stop();
  EXPECT_EQ(stopped.exit_status, 0) << stopped.err;
}

// The profiles in examples/seccomp, as shipped, with only their
// listenerPath pointed at this test's agent.
TEST(AgentTest, TheShippedSeccompProfilesWorkWithRunc) {
  SKIP_WITHOUT_RUNC();
  RuncSandbox sandbox;
  Agent agent(&sandbox, {"-c", sandbox.write_config("default", "keepalive.idle = 99\n")});
  for (const char* name : {"sockshim.json", "sockshim-default-denials.json"}) {
    std::ifstream file(std::string(SOCKSHIM_EXAMPLES_DIR) + "/seccomp/" + name);
    std::string profile((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    const std::string shipped_path = "/run/sockshim/agent.sock";
    const size_t at = profile.find(shipped_path);
    ASSERT_NE(at, std::string::npos) << name;
    profile.replace(at, shipped_path.size(), Agent::socket_path(sandbox));
    ContainerSpec spec;
    spec.profile = profile;
    spec.args = {"/bin/threaded_program", "checked-churn", "20", "99"};
    const ProgramResult result = sandbox.run(spec);
    EXPECT_EQ(result.exit_status, 0) << name << ": " << result.err;
    EXPECT_THAT(result.out, HasSubstr("rounds=20 failed=0 untuned=0 ")) << name;
  }
}

// With the profile that also notifies setsockopt of the keepalive options
// (SOL_SOCKET/SO_KEEPALIVE, IPPROTO_TCP/TCP_KEEPIDLE, TCP_KEEPINTVL,
// TCP_KEEPCNT), a config that enforces keepalive replaces Go's own 15 s on
// the dialed and the accepted connection; without enforce, Go's stand.
TEST(AgentTest, EnforcedKeepaliveReplacesGosOwnThroughTheEnforcingProfile) {
  SKIP_WITHOUT_RUNC();
  if (!have_go()) GTEST_SKIP() << "no Go toolchain at build time (Debian: golang-go)";
  RuncSandbox sandbox;
  sandbox.write_config("enforced", "enforce = [\"keepalive\"]\nkeepalive = { idle = 21, interval = 7, count = 5 }\n");
  sandbox.write_config("plain", "keepalive = { idle = 21, interval = 7, count = 5 }\n");
  Agent agent(&sandbox, {});
  std::ifstream file(std::string(SOCKSHIM_EXAMPLES_DIR) + "/seccomp/sockshim-enforce-keepalive.json");
  std::string profile((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const std::string shipped_path = "/run/sockshim/agent.sock";
  const size_t at = profile.find(shipped_path);
  ASSERT_NE(at, std::string::npos);
  profile.replace(at, shipped_path.size(), Agent::socket_path(sandbox));
  for (const char* config : {"enforced", "plain"}) {
    ContainerSpec spec;
    spec.profile = profile;
    spec.annotations = {{"io.sockshim.config", config}};
    spec.args = {"/bin/goprobe", "pair"};
    const ProgramResult result = sandbox.run(spec);
    ASSERT_EQ(result.exit_status, 0) << config << ": " << result.err;
    const auto sockets = parse_probe_output(result.out);
    const bool enforced = std::string(config) == "enforced";
    for (const char* end : {"client", "server"}) {
      EXPECT_EQ(sockets.at(end).at("idle"), enforced ? 21 : 15) << config << " " << end;
      EXPECT_EQ(sockets.at(end).at("interval"), enforced ? 7 : 15) << config << " " << end;
      EXPECT_EQ(sockets.at(end).at("count"), 5) << config << " " << end;
    }
  }
}

// The container of the restart tests: this many connects, |kRestartPauseUs|
// apart, at least 2.4 s of them. The agent stops once the container's first
// 50 have been served; the rest must outlast the test's own steps until
// the stop (its --status calls and the SIGTERM), which a loaded machine
// slows down as much as it slows the container.
constexpr int kRestartConnects = 8000;
constexpr char kRestartPauseUs[] = "300";

// Waits until |agent| has served the container's first connects (runc may
// take seconds to start it on a loaded machine).
void wait_for_first_connects(const Agent& agent) {
  EXPECT_TRUE(eventually([&] { return json_field(agent.status(true).out, "notifications") >= 50; }))
      << "the container never connected";
}

// A container connects in a loop while the agent (started with |extra|)
// stops and a new one starts: no connect fails, every one is tuned.
void expect_no_failed_call_across_a_restart(RuncSandbox* sandbox, std::vector<std::string> extra) {
  const std::string config = sandbox->write_config("default", "keepalive.idle = 77\n");
  extra.insert(extra.end(), {"-c", config});
  auto first = std::make_unique<Agent>(sandbox, extra);
  ContainerSpec spec;
  spec.listener_path = Agent::socket_path(*sandbox);
  spec.args = {"/bin/threaded_program", "checked-churn", std::to_string(kRestartConnects), "77", kRestartPauseUs};
  ChildProcess container(sandbox->run_command(sandbox->bundle(spec)), {});
  // Restart once the container is connecting.
  wait_for_first_connects(*first);
  const ProgramResult stopped = first->stop();
  EXPECT_EQ(stopped.exit_status, 0) << stopped.err;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the container's calls wait meanwhile
  Agent second(sandbox, extra);
  const ProgramResult result = container.finish(120);
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(field(result.out, "rounds"), kRestartConnects) << result.out;
  EXPECT_EQ(field(result.out, "failed"), 0) << result.out;
  EXPECT_EQ(field(result.out, "errno"), 0) << result.out;
  EXPECT_EQ(field(result.out, "untuned"), 0) << result.out;
  // The new agent took the container over from the holder and served the
  // rest of its connects.
  const ProgramResult status = second.status(true);
  EXPECT_THAT(status.out, HasSubstr("\"ended_containers\": 1"));
  EXPECT_GT(json_field(status.out, "notifications"), 100) << status.out;
  const ProgramResult second_log = second.stop();
  EXPECT_THAT(second_log.err, HasSubstr("serving again with " + config));
}

TEST(AgentRestartTest, NoCallFailsWhileTheAgentRestarts) {
  SKIP_WITHOUT_RUNC();
  RuncSandbox sandbox;
  expect_no_failed_call_across_a_restart(&sandbox, {});
}

TEST(AgentRestartTest, AHolderStartedSeparatelyCarriesTheListenersToo) {
  SKIP_WITHOUT_RUNC();
  RuncSandbox sandbox;
  const std::string holder_path = sandbox.dir() + "/holder.sock";
  // As the DaemonSet's holder container runs it: not ending when idle.
  ChildProcess holder({SOCKSHIM_CLI_PATH, "agent", "--hold", holder_path}, {});
  expect_no_failed_call_across_a_restart(&sandbox, {"--holder", holder_path});
  EXPECT_EQ(kill(holder.pid(), 0), 0) << "the holder ended with nothing to hold";
}

TEST(AgentRestartTest, WithoutTheHolderTheContainersCallsFailWithEnosys) {
  // What the holder prevents: once the last copy of a listener is closed,
  // the kernel answers the container's trapped calls with ENOSYS.
  SKIP_WITHOUT_RUNC();
  RuncSandbox sandbox;
  const std::string config = sandbox.write_config("default", "keepalive.idle = 77\n");
  Agent agent(&sandbox, {"-c", config, "--no-holder"});
  ContainerSpec spec;
  spec.listener_path = Agent::socket_path(sandbox);
  spec.args = {"/bin/threaded_program", "checked-churn", std::to_string(kRestartConnects), "77", kRestartPauseUs};
  ChildProcess container(sandbox.run_command(sandbox.bundle(spec)), {});
  wait_for_first_connects(agent);
  agent.stop();
  const ProgramResult result = container.finish(120);
  EXPECT_EQ(result.exit_status, 0) << result.err;  // the program itself saw each failure and went on
  EXPECT_GT(field(result.out, "failed"), 0) << result.out;
  EXPECT_EQ(field(result.out, "errno"), ENOSYS) << result.out;
}

TEST(AgentAbsentTest, RuncRefusesToStartAContainerWhoseAgentIsNotListening) {
  SKIP_WITHOUT_RUNC();
  RuncSandbox sandbox;
  ContainerSpec spec;
  spec.listener_path = Agent::socket_path(sandbox);  // nothing listens there
  spec.args = {"/bin/threaded_program", "checked-churn", "1", "7200"};
  const std::string id = sandbox.bundle(spec);
  const ProgramResult result = run_program(sandbox.run_command(id));
  EXPECT_NE(result.exit_status, 0);
  EXPECT_EQ(result.out, "");  // the program never ran
  EXPECT_THAT(result.err, HasSubstr("failed to connect with seccomp agent specified in the seccomp profile"));
  // Nothing is left running.
  EXPECT_THAT(run_program({"runc", "--root", sandbox.state_root(), "state", id}).out,
              ::testing::Not(HasSubstr("\"status\": \"running\"")));
}

// 20 containers in a row, each opening 1,000 connections, under the agent;
// and the same containers with a profile that traps nothing, for the cost.
TEST(AgentLoadTest, EveryConnectionOfTwentyContainersIsTunedAndTheAddedLatencyIsReported) {
  SKIP_WITHOUT_RUNC();
  constexpr int kContainers = 20, kConnections = 1000, kBaselineContainers = 3;
  RuncSandbox sandbox;
  const std::string config = sandbox.write_config("default", "keepalive = { idle = 88, interval = 9 }\n");
  Agent agent(&sandbox, {"-c", config});
  const auto started = std::chrono::steady_clock::now();
  long long tuned_ns = 0, plain_ns = 0;
  for (int i = 0; i < kContainers; ++i) {
    ContainerSpec spec;
    spec.listener_path = Agent::socket_path(sandbox);
    spec.args = {"/bin/threaded_program", "checked-churn", std::to_string(kConnections), "88"};
    const ProgramResult result = sandbox.run(spec);
    ASSERT_EQ(result.exit_status, 0) << result.err;
    ASSERT_EQ(field(result.out, "rounds"), kConnections) << result.out;
    ASSERT_EQ(field(result.out, "failed"), 0) << result.out;
    ASSERT_EQ(field(result.out, "untuned"), 0) << result.out;
    tuned_ns += field(result.out, "connect_ns");
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  for (int i = 0; i < kBaselineContainers; ++i) {
    ContainerSpec spec;
    spec.args = {"/bin/threaded_program", "checked-churn", std::to_string(kConnections), "7200"};
    const ProgramResult result = sandbox.run(spec);
    ASSERT_EQ(field(result.out, "untuned"), 0) << result.out;
    plain_ns += field(result.out, "connect_ns");
  }
  const ProgramResult status = agent.status(true);
  EXPECT_THAT(status.out, HasSubstr("\"ended_containers\": " + std::to_string(kContainers)));
  EXPECT_GE(json_field(status.out, "options_applied"), 3LL * kContainers * kConnections) << status.out;
  const double with_agent_us = tuned_ns / 1000.0 / kContainers;
  const double without_us = plain_ns / 1000.0 / kBaselineContainers;
  std::printf("agent load: %d containers x %d connections in %.1f s; connect %.1f us under the agent, %.1f us "
              "without: %.1f us added per connect\n",
              kContainers, kConnections, seconds, with_agent_us, without_us, with_agent_us - without_us);
  RecordProperty("connect_us_with_agent", std::to_string(with_agent_us));
  RecordProperty("connect_us_without_agent", std::to_string(without_us));
}

// A connection to the UNIX stream socket at |path|; non-blocking connect,
// as runc's Go dialer does: a full queue fails at once (EAGAIN) instead of
// waiting. -errno on failure.
int connect_unix(const std::string& path, bool nonblocking) {
  sockaddr_un address;
  std::memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) return -errno;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    const int error = errno;
    close(fd);
    return -error;
  }
  return fd;
}

// The container state as runc sends it with a listener.
std::string runtime_state_json(const std::string& id, pid_t pid) {
  return "{\"ociVersion\": \"1.0.2\", \"fds\": [\"seccompFd\"], \"pid\": " + std::to_string(pid) +
         ", \"metadata\": \"\", \"state\": {\"ociVersion\": \"1.0.2\", \"id\": " + json_string(id) +
         ", \"status\": \"creating\", \"pid\": " + std::to_string(pid) + ", \"bundle\": \"/\"}}";
}

// Clients of the agent's socket that never finish their message: half say
// nothing, half trickle the start of a container state, a byte at a time.
// Whenever the agent hangs up on one, another takes its place, so that
// |count| stay open for as long as this object lives.
class HostileClients {
 public:
  HostileClients(const std::string& path, int count) : path_(path) {
    for (int i = 0; i < count; ++i) connections_.push_back({connect_unix(path_, false), i % 2 == 1, 0});
    thread_ = std::thread([this] { keep_open(); });
  }
  ~HostileClients() {
    stop_ = true;
    thread_.join();
    for (const Connection& connection : connections_) {
      if (connection.fd >= 0) close(connection.fd);
    }
  }
  // Connections open right now (each is replaced within ~50 ms of the
  // agent's hang-up), and how many the agent has hung up on so far.
  int open() const { return open_.load(); }
  int replaced() const { return replaced_.load(); }

 private:
  struct Connection {
    int fd;
    bool trickles;
    size_t sent;
  };
  void keep_open() {
    const std::string partial = runtime_state_json("hostile", 1);
    while (!stop_) {
      int open = 0;
      for (Connection& connection : connections_) {
        if (connection.fd >= 0) {
          pollfd ready = {connection.fd, POLLIN, 0};
          char byte;
          if (poll(&ready, 1, 0) > 0 && recv(connection.fd, &byte, 1, MSG_DONTWAIT) <= 0) {
            close(connection.fd);
            connection.fd = -1;
            ++replaced_;
          }
        }
        if (connection.fd < 0) connection = {connect_unix(path_, false), connection.trickles, 0};
        if (connection.fd >= 0 && connection.trickles && connection.sent + 1 < partial.size()) {
          if (send(connection.fd, partial.data() + connection.sent, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1) {
            ++connection.sent;
          }
        }
        if (connection.fd >= 0) ++open;
      }
      open_ = open;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  std::string path_;
  std::vector<Connection> connections_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> open_{0};
  std::atomic<int> replaced_{0};
};

// A served container's connects must never wait on a client of the agent's
// socket that stalls: silent, or stopping half-way through its message.
// Before, the agent read one runtime connection at a time, for up to 2 s
// each, and served no container meanwhile.
TEST(AgentRobustnessTest, HeldOpenHostileConnectionsDelayNoContainer) {
  SKIP_WITHOUT_RUNC();
  constexpr int kHostile = 20, kConnections = 1000;
  RuncSandbox sandbox;
  const std::string config = sandbox.write_config("default", "keepalive.idle = 91\n");
  Agent agent(&sandbox, {"-c", config});
  ContainerSpec spec;
  spec.listener_path = Agent::socket_path(sandbox);
  spec.args = {"/bin/threaded_program", "checked-churn", std::to_string(kConnections), "91"};
  const ProgramResult quiet = sandbox.run(spec);
  ASSERT_EQ(field(quiet.out, "untuned"), 0) << quiet.out << quiet.err;

  HostileClients hostile(Agent::socket_path(sandbox), kHostile);
  eventually([&] { return hostile.open() == kHostile; });
  ASSERT_EQ(hostile.open(), kHostile);
  // Started behind the hostile connections: its own runtime connection
  // waits in the same queue.
  const auto started = std::chrono::steady_clock::now();
  ChildProcess container(sandbox.run_command(sandbox.bundle(spec)), {});
  // Before, 20 connections took the agent 40 s to get past, then 2 s more
  // for each that replaced one: far over this.
  const ProgramResult result = container.finish(120);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const int still_open = hostile.open();
  std::printf("agent with %d hostile connections held open (%d replaced after the agent hung up): %d connects "
              "in %.1f s, mean %.1f us, slowest %.1f ms; without them: mean %.1f us, slowest %.1f ms\n",
              kHostile, hostile.replaced(), kConnections, seconds, field(result.out, "connect_ns") / 1000.0,
              field(result.out, "max_connect_ns") / 1e6, field(quiet.out, "connect_ns") / 1000.0,
              field(quiet.out, "max_connect_ns") / 1e6);
  ASSERT_EQ(result.exit_status, 0) << result.out << result.err;
  EXPECT_EQ(field(result.out, "rounds"), kConnections) << result.out;
  EXPECT_EQ(field(result.out, "failed"), 0) << result.out;
  EXPECT_EQ(field(result.out, "untuned"), 0) << result.out;
  // Every connect was served while the hostile connections were open.
  EXPECT_EQ(still_open, kHostile);
  // Not a speed bound: a stalled connect waited for the rest of the hostile
  // connection the agent was reading, up to its 2 s deadline, and the
  // slowest of 1,000 came close to that. 1.5 s stays below the deadline,
  // so such a stall still fails here, and gives one connect on a loaded
  // machine a thousand times what it takes on an idle one.
  EXPECT_LT(field(result.out, "max_connect_ns"), 1500LL * 1000 * 1000) << result.out;
}

TEST(AgentRobustnessTest, APipeSentAsAListenerIsRefusedInOneLineAndNotCounted) {
  SKIP_WITHOUT_RUNC();
  RuncSandbox sandbox;
  Agent agent(&sandbox, {"--no-holder"});
  int ends[2];
  ASSERT_EQ(pipe2(ends, O_CLOEXEC), 0);
  const int connection = connect_unix(Agent::socket_path(sandbox), false);
  ASSERT_GE(connection, 0) << std::strerror(-connection);
  const std::string state = runtime_state_json("not-a-listener", getpid());
  ASSERT_EQ(supervisor::send_with_descriptor(connection, state.data(), state.size(), ends[0]),
            static_cast<ssize_t>(state.size()));
  close(connection);
  close(ends[0]);
  // The agent has read the connection once it has closed its copy of the
  // pipe's read end: then a write to the pipe fails (EPIPE).
  signal(SIGPIPE, SIG_IGN);
  const bool closed_by_agent = eventually([&] { return write(ends[1], "x", 1) < 0 && errno == EPIPE; });
  close(ends[1]);
  EXPECT_TRUE(closed_by_agent) << "the agent kept the pipe";
  const ProgramResult status = agent.status(false);
  EXPECT_THAT(status.out, HasSubstr("containers served: 0 running, 0 ended")) << status.out;
  EXPECT_THAT(status.out, HasSubstr("notifications: 0,")) << status.out;
  const ProgramResult stopped = agent.stop();
  const std::string& log = stopped.err;
  EXPECT_THAT(log, ::testing::ContainsRegex("container not-a-listener \\(pid [0-9]+\\) sent a descriptor that is "
                                            "not a seccomp listener \\(pipe:\\[[0-9]+\\]\\); refused\n"));
  EXPECT_THAT(log, ::testing::Not(HasSubstr("serving"))) << log;
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 3) << log;  // listening, the refusal, stopping
}

// A process under a seccomp filter that notifies connect and listen, as a
// container under the agent's profile: it sends its listener on |channel|,
// waits for |go| to close, then dials a listener of its own and exits 0
// when the dialed socket has the config's keepalive idle |expected_idle|
// (1: untuned, 2: the connect failed).
[[noreturn]] void run_filtered_process(int channel, int go, int expected_idle) {
  supervisor::TrapList traps;
  traps.connect = true;
  traps.listen = true;
  const int listener = supervisor::install_filter_with_listener(supervisor::build_filter(traps));
  if (listener < 0 || supervisor::send_with_descriptor(channel, "L", 1, listener) != 1) _exit(3);
  close(listener);
  close(channel);
  char byte;
  while (read(go, &byte, 1) < 0 && errno == EINTR) {
  }
  sockaddr_in address;
  std::memset(&address, 0, sizeof address);
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const int server = socket(AF_INET, SOCK_STREAM, 0);
  if (bind(server, reinterpret_cast<sockaddr*>(&address), length) != 0 || listen(server, 4) != 0 ||
      getsockname(server, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    _exit(2);
  }
  const int client = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(client, reinterpret_cast<sockaddr*>(&address), length) != 0) _exit(2);
  int idle = 0;
  socklen_t idle_length = sizeof idle;
  getsockopt(client, IPPROTO_TCP, TCP_KEEPIDLE, &idle, &idle_length);
  _exit(idle == expected_idle ? 0 : 1);
}

// A node starting many containers at once: every runtime connects before
// the agent has read any of them, without blocking (as runc does), and
// every container is served. Before, the agent's queue held 64: runc's
// dialer failed the other containers' starts.
TEST(AgentRobustnessTest, ThreeHundredSimultaneousRuntimeConnectionsAreAllServed) {
  SKIP_WITHOUT_RUNC();
  constexpr int kContainers = 300, kIdle = 93;
  RuncSandbox sandbox;
  Agent agent(&sandbox, {"-c", sandbox.write_config("default", "keepalive.idle = 93\n")});
  int go[2];
  ASSERT_EQ(pipe2(go, O_CLOEXEC), 0);
  std::vector<pid_t> processes;
  std::vector<int> listeners;
  for (int i = 0; i < kContainers; ++i) {
    int channel[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, channel), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(go[1]);
      close(channel[0]);
      // Only its own listener: another's copy here would keep that one
      // open after its process ended.
      for (int other : listeners) close(other);
      run_filtered_process(channel[1], go[0], kIdle);
    }
    close(channel[1]);
    processes.push_back(pid);
    char byte;
    int listener = -1;
    supervisor::receive_with_descriptor(channel[0], &byte, 1, &listener);
    close(channel[0]);
    listeners.push_back(listener);
  }
  close(go[0]);
  std::vector<int> connections;
  int refused = 0, first_error = 0;
  for (int i = 0; i < kContainers; ++i) {
    const int fd = connect_unix(Agent::socket_path(sandbox), true);
    if (fd < 0) {
      ++refused;
      if (!first_error) first_error = -fd;
    }
    connections.push_back(fd);
  }
  int sent = 0;
  for (int i = 0; i < kContainers; ++i) {
    if (connections[i] >= 0 && listeners[i] >= 0) {
      const std::string state = runtime_state_json("burst-" + std::to_string(i), processes[i]);
      // Blocking again for the send: the agent reads as it can.
      fcntl(connections[i], F_SETFL, 0);
      sent += supervisor::send_with_descriptor(connections[i], state.data(), state.size(), listeners[i]) > 0;
      close(connections[i]);
    }
    if (listeners[i] >= 0) close(listeners[i]);
  }
  std::string status;
  // 300 containers to take over: twice the usual deadline.
  eventually(
      [&] {
        status = agent.status(false).out;
        return status.find("containers served: " + std::to_string(kContainers) + " running") != std::string::npos;
      },
      2 * kEventually, std::chrono::milliseconds(50));
  close(go[1]);  // every process dials now
  int tuned = 0, untuned = 0, failed = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (pid_t pid : processes) {
    int wait_status = 0;
    pid_t done;
    while ((done = waitpid(pid, &wait_status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (done == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, &wait_status, 0);
    }
    const int code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
    tuned += code == 0;
    untuned += code == 1;
    failed += code != 0 && code != 1;
  }
  std::printf("%d simultaneous runtime connections: %d refused (first: %s), %d sent; %d processes tuned, %d "
              "untuned, %d failed\n",
              kContainers, refused, first_error ? std::strerror(first_error) : "none", sent, tuned, untuned, failed);
  EXPECT_EQ(refused, 0) << std::strerror(first_error);
  EXPECT_THAT(status, HasSubstr("containers served: " + std::to_string(kContainers) + " running")) << status;
  EXPECT_EQ(tuned, kContainers);
}

}  // namespace
}  // namespace sockshim::testing
