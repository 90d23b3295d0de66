// SPDX-License-Identifier: Apache-2.0
// The kernel engine (cgroup BPF) on real programs: `sockshim attach` on a
// cgroup v2 directory the test makes, programs moved into it, and what the
// kernel reports for their sockets read back (getsockopt in the program,
// or from outside through pidfd_getfd). Skipped, with the reason, where
// the engine cannot run: not root, no cgroup v2, or a kernel that refuses
// its programs.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <csignal>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bpf_engine/bpf_syscalls.h"
#include "bpf_engine/cgroup_attachment.h"
#include "bpf_engine/cgroup_facts.h"
#include "bpf_engine/map_compiler.h"
#include "bpf_engine/map_writer.h"
#include "config/policy_loader.h"
#include "inspect/process_sockets.h"
#include "tests/support/child_process.h"
#include "tests/support/eventually.h"
#include "tests/support/forgetful_router.h"
#include "tests/support/probe_output.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/typical_top_level.h"

namespace sockshim::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const char kPython[] = "/usr/bin/python3";

std::string write_config(const std::string& name, const std::string& toml) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream(path) << toml;
  return path;
}

std::string socket_report_script() { return std::string(SOCKSHIM_SOURCE_DIR) + "/tests/programs/socket_report.py"; }

// A cgroup v2 directory of the test's own, removed (engine detached) at the end.
class KernelEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "the kernel engine needs root (CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON)";
    const std::string mount = bpf_engine::cgroup2_mount();
    if (mount.empty()) GTEST_SKIP() << "cgroup v2 is not mounted here";
    static int counter = 0;
    cgroup_ = mount + "/sockshim-test-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
    ASSERT_EQ(mkdir(cgroup_.c_str(), 0755), 0) << cgroup_ << ": " << std::strerror(errno);
    if (std::string why = bpf_engine::programs_do_not_load(); !why.empty()) GTEST_SKIP() << why;
  }
  void TearDown() override {
    if (cgroup_.empty()) return;
    run_program({SOCKSHIM_CLI_PATH, "detach", cgroup_});
    // Its processes have ended; the kernel frees an emptied cgroup shortly after.
    eventually([&] { return rmdir(cgroup_.c_str()) == 0 || errno == ENOENT; });
  }

  ProgramResult attach(const std::string& toml, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {SOCKSHIM_CLI_PATH, "attach", cgroup_, "-c", write_config("engine.toml", toml)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_program(argv);
  }
  // |argv| run inside the cgroup (moved there before it execs).
  std::vector<std::string> in_cgroup(const std::vector<std::string>& argv) const {
    std::vector<std::string> shell = {"/bin/sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"", cgroup_};
    shell.insert(shell.end(), argv.begin(), argv.end());
    return shell;
  }

  std::string cgroup_;
};

TEST_F(KernelEngineTest, Python3ListenerClientAndAcceptedGetTheTopLevel) {
  const ProgramResult attached = attach(kTypicalTopLevelConfig);
  ASSERT_EQ(attached.exit_status, 0) << attached.err;
  for (const std::vector<std::string>& extra : {std::vector<std::string>{}, {"-6"}}) {
    std::vector<std::string> argv = {kPython, socket_report_script()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const ProgramResult result = run_program(in_cgroup(argv));
    ASSERT_EQ(result.exit_status, 0) << result.err;
    expect_typical_top_level(parse_probe_output(result.out), result.out);
  }
  // Outside the cgroup: untouched.
  const ProgramResult outside = run_program({kPython, socket_report_script()});
  EXPECT_THAT(outside.out, HasSubstr("client keepalive=0"));
}

TEST_F(KernelEngineTest, RunWithTheEngineAttachesToATransientCgroupAndRemovesIt) {
  const std::string config = write_config("run.toml", kTypicalTopLevelConfig);
  const ProgramResult result =
      run_program({SOCKSHIM_CLI_PATH, "run", "--engine", "bpf", "-c", config, "--", kPython, socket_report_script()});
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.err, "");
  expect_typical_top_level(parse_probe_output(result.out), result.out);
  // Its exit status and signals, as the other runs give them.
  EXPECT_EQ(run_program({SOCKSHIM_CLI_PATH, "run", "--engine", "bpf", "-c", config, "--", "/bin/sh", "-c", "exit 7"})
                .exit_status,
            7);
  EXPECT_EQ(run_program({SOCKSHIM_CLI_PATH, "run", "--engine", "bpf", "-c", config, "--", "/bin/sh", "-c",
                         "kill -TERM $$"})
                .exit_status,
            128 + SIGTERM);
  const ProgramResult missing =
      run_program({SOCKSHIM_CLI_PATH, "run", "--engine", "bpf", "-c", config, "--", "/nonexistent/program"});
  EXPECT_EQ(missing.exit_status, 127);
  EXPECT_THAT(missing.err, HasSubstr("/nonexistent/program"));
  // Nothing of the transient cgroup stays: the program names it and its id.
  const ProgramResult named = run_program({SOCKSHIM_CLI_PATH, "run", "--engine", "bpf", "-c", config, "--", "/bin/sh",
                                           "-c", "d=\"$0$(sed -n 's/^0:://p' /proc/self/cgroup)\"; stat -c '%i %n' \"$d\"",
                                           bpf_engine::cgroup2_mount()});
  ASSERT_EQ(named.exit_status, 0) << named.err;
  const std::string id = named.out.substr(0, named.out.find(' '));
  const std::string directory = named.out.substr(named.out.find(' ') + 1, named.out.size() - named.out.find(' ') - 2);
  EXPECT_THAT(directory, HasSubstr("/sockshim-run-"));
  EXPECT_NE(access(directory.c_str(), F_OK), 0) << directory;
  EXPECT_NE(access(("/sys/fs/bpf/sockshim/" + id).c_str(), F_OK), 0) << id;
}

// Rules by address prefix and by port: the longest prefix's region, and a
// listener's port.
TEST_F(KernelEngineTest, RulesByAddressPrefixAndPort) {
  const ProgramResult attached = attach(
      "tcp = { user_timeout = \"3s\" }\n"
      "[[rule]]\nname = \"loopback\"\nmatch = { direction = \"connect\", remote = [\"127.0.0.0/8\"] }\n"
      "tcp = { user_timeout = \"5s\" }\n"
      "[[rule]]\nname = \"one host\"\nmatch = { direction = \"connect\", remote = [\"127.0.0.2\"] }\n"
      "tcp = { user_timeout = \"7s\" }\n"
      "[[rule]]\nname = \"service port\"\nmatch = { direction = \"listen\", port = \"41000-41999\" }\n"
      "keepalive = { idle = 77 }\n");
  ASSERT_EQ(attached.exit_status, 0) << attached.err;
  const char* script = R"(
import socket
def ut(s): return s.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT)
def idle(s): return s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE)
server = socket.socket()
for port in range(41000, 42000):
    try:
        server.bind(("0.0.0.0", port)); break
    except OSError: pass
server.listen()
other = socket.socket(); other.bind(("0.0.0.0", 0)); other.listen()
for host in ["127.0.0.1", "127.0.0.2"]:
    c = socket.create_connection((host, server.getsockname()[1]))
    print(host, "user_timeout", ut(c))
print("service listener idle", idle(server), "ka", server.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE))
print("other listener idle", idle(other), "ka", other.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE))
a, _ = server.accept()
print("accepted idle", idle(a))
)";
  const ProgramResult result = run_program(in_cgroup({kPython, "-c", script}));
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("127.0.0.1 user_timeout 5000"));
  EXPECT_THAT(result.out, HasSubstr("127.0.0.2 user_timeout 7000"));
  EXPECT_THAT(result.out, HasSubstr("service listener idle 77 ka 1"));
  EXPECT_THAT(result.out, HasSubstr("other listener idle 7200 ka 0"));
  EXPECT_THAT(result.out, HasSubstr("accepted idle 77"));
}

// bench/kernel_floor, the floor under the benchmark's kernel rows: its
// constant options must reach the sockets, or the floor measures nothing.
TEST_F(KernelEngineTest, TheBenchmarksFloorSetsItsTenOptionsBeforeTheSyn) {
  const char script[] = R"(
import socket
T = socket.IPPROTO_TCP
server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen()
c = socket.create_connection(server.getsockname())
print("client", c.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE), c.getsockopt(T, socket.TCP_KEEPIDLE),
      c.getsockopt(T, socket.TCP_KEEPINTVL), c.getsockopt(T, socket.TCP_KEEPCNT),
      c.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF), c.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF),
      c.getsockopt(T, socket.TCP_USER_TIMEOUT), c.getsockopt(T, socket.TCP_NODELAY), c.getsockopt(T, socket.TCP_SYNCNT),
      c.getsockopt(T, 25))
print("listener idle", server.getsockopt(T, socket.TCP_KEEPIDLE))
)";
  for (const char* hook : {"", "--with-setsockopt-hook"}) {
    std::vector<std::string> argv = {KERNEL_FLOOR_PATH};
    if (*hook) argv.push_back(hook);
    argv.insert(argv.end(), {kPython, "-c", script});
    const ProgramResult result = run_program(argv);
    ASSERT_EQ(result.exit_status, 0) << hook << ": " << result.err;
    // The kernel doubles a buffer size set (262144 asked for).
    EXPECT_THAT(result.out, HasSubstr("client 1 30 10 3 524288 524288 90000 1 3 131072")) << hook;
    EXPECT_THAT(result.out, HasSubstr("listener idle 30")) << hook;
  }
  // Outside it: the kernel's defaults.
  const ProgramResult outside = run_program({kPython, "-c", script});
  EXPECT_THAT(outside.out, HasSubstr("listener idle 7200"));
}

// curl, read from outside the process while it waits for an answer.
TEST_F(KernelEngineTest, CurlsSocketHasTheConfiguredValues) {
  SKIP_WITHOUT_PROGRAM("curl", "curl");
  const ProgramResult attached = attach(kTypicalTopLevelConfig);
  ASSERT_EQ(attached.exit_status, 0) << attached.err;
  const int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(bind(server, reinterpret_cast<sockaddr*>(&address), length), 0);
  ASSERT_EQ(listen(server, 4), 0);  // never answers: curl waits
  getsockname(server, reinterpret_cast<sockaddr*>(&address), &length);
  const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/";
  ChildProcess child(in_cgroup({find_in_path("curl"), "-s", "--max-time", "120", url}), {});
  std::optional<InspectedSocket> found;
  eventually([&] {
    std::vector<InspectedSocket> sockets;
    std::string error;
    if (!inspect_process_sockets(child.pid(), &sockets, &error)) return false;
    for (const InspectedSocket& socket : sockets) {
      if (!socket.remote.empty() && !socket.listening) found = socket;
    }
    return found.has_value();
  });
  kill(child.pid(), SIGTERM);
  child.finish();
  close(server);
  ASSERT_TRUE(found.has_value()) << "curl never connected";
  EXPECT_EQ(found->receive_buffer, 2 * 131072);
  EXPECT_EQ(found->send_buffer, 2 * 65536);
  EXPECT_EQ(found->user_timeout_ms, 15000);
  EXPECT_EQ(found->keepalive_count, 4);
}

// Detach leaves no program, link or pin behind, as bpftool sees it.
TEST_F(KernelEngineTest, DetachLeavesNothingBehind) {
  SKIP_WITHOUT_PROGRAM("bpftool", "bpftool");
  const ProgramResult attached = attach(kTypicalTopLevelConfig);
  ASSERT_EQ(attached.exit_status, 0) << attached.err;
  const std::string bpftool = find_in_path("bpftool");
  const ProgramResult shown = run_program({bpftool, "cgroup", "show", cgroup_});
  ASSERT_THAT(shown.out, HasSubstr("sock_ops"));
  const std::string program_id = shown.out.substr(shown.out.find_first_of("0123456789", shown.out.find('\n')));
  const std::string id = program_id.substr(0, program_id.find_first_not_of("0123456789"));
  ASSERT_EQ(run_program({bpftool, "prog", "show", "id", id}).exit_status, 0);
  struct stat status;
  ASSERT_EQ(stat(cgroup_.c_str(), &status), 0);
  const std::string pins = "/sys/fs/bpf/sockshim/" + std::to_string(status.st_ino);
  ASSERT_EQ(access(pins.c_str(), F_OK), 0);

  const ProgramResult detached = run_program({SOCKSHIM_CLI_PATH, "detach", cgroup_});
  ASSERT_EQ(detached.exit_status, 0) << detached.err;
  const ProgramResult after = run_program({bpftool, "cgroup", "show", cgroup_});
  EXPECT_THAT(after.out, Not(HasSubstr("sock_ops")));
  EXPECT_THAT(after.out, Not(HasSubstr("setsockopt")));
  EXPECT_THAT(after.out, Not(HasSubstr("sockshim_")));  // connect, bind, sendmsg too
  EXPECT_NE(access(pins.c_str(), F_OK), 0);
  // The kernel frees a program once its last reference (the link) is gone.
  EXPECT_TRUE(eventually([&] { return run_program({bpftool, "prog", "show", "id", id}).exit_status != 0; }));
  // Attaching again replaces nothing and works from scratch.
  const ProgramResult again = run_program({SOCKSHIM_CLI_PATH, "detach", cgroup_});
  EXPECT_NE(again.exit_status, 0);
  EXPECT_THAT(again.err, HasSubstr("not attached"));
}

// A second attach replaces the config: the maps are rewritten, no second
// program is attached.
TEST_F(KernelEngineTest, AttachingAgainReplacesTheConfig) {
  ASSERT_EQ(attach(kTypicalTopLevelConfig).exit_status, 0);
  const ProgramResult second = attach("tcp = { user_timeout = \"9s\" }\n");
  ASSERT_EQ(second.exit_status, 0) << second.err;
  const ProgramResult result = run_program(in_cgroup({kPython, socket_report_script()}));
  ASSERT_EQ(result.exit_status, 0) << result.err;
  const auto sockets = parse_probe_output(result.out);
  ASSERT_TRUE(sockets.count("client")) << result.out;
  EXPECT_EQ(sockets.at("client").at("user_timeout"), 9000);
  EXPECT_EQ(sockets.at("client").at("keepalive"), 0);  // the first config's keepalive is gone
  SKIP_WITHOUT_PROGRAM("bpftool", "bpftool");
  const ProgramResult shown = run_program({find_in_path("bpftool"), "cgroup", "show", cgroup_});
  // One program at each hook, as after the first attach.
  auto count = [&](const std::string& word) {
    size_t n = 0;
    for (size_t at = shown.out.find(word); at != std::string::npos; at = shown.out.find(word, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("sockshim_sock_ops"), 1u) << shown.out;
  EXPECT_EQ(count("sockshim_setsockopt"), 1u) << shown.out;
}

// The window scale offered in the SYN (client) and the SYN-ACK (accepted,
// from its listener's buffer) proves the buffer was set before either.
TEST_F(KernelEngineTest, TheWindowScaleShowsTheBuffersCameFirst) {
  SKIP_WITHOUT_PROGRAM("ss", "iproute2");
  for (auto [buffer, scale] : {std::pair{"64KiB", 1}, std::pair{"1MiB", 5}}) {
    const ProgramResult attached = attach(std::string("buffers.receive = \"") + buffer + "\"\n");
    ASSERT_EQ(attached.exit_status, 0) << attached.err;
    ChildProcess held(in_cgroup({SOCKPROBE_PATH, "hold"}), {});
    const HeldConnection ports = read_held_ports(held);
    ASSERT_NE(ports.client_port, 0);
    EXPECT_EQ(receive_window_scale(ports.client_port), scale) << buffer << ", client";
    EXPECT_EQ(receive_window_scale(ports.server_port), scale) << buffer << ", accepted";
    held.finish();
  }
  // Without the engine the default buffer gives a larger scale.
  ChildProcess plain({SOCKPROBE_PATH, "hold"}, {});
  const HeldConnection ports = read_held_ports(plain);
  EXPECT_GT(receive_window_scale(ports.client_port).value_or(0), 5);
  plain.finish();
}

// An accept rule for one peer: only the connections from that peer get it.
// The supervisor refuses accept rules; the kernel sees each accepted
// connection (PASSIVE_ESTABLISHED).
TEST_F(KernelEngineTest, AcceptRulePerPeer) {
  const ProgramResult attached = attach(
      "tcp = { user_timeout = \"3s\" }\n"
      "[[rule]]\nname = \"from .2\"\nmatch = { direction = \"accept\", remote = [\"127.0.0.2/32\"] }\n"
      "tcp = { user_timeout = \"4s\" }\nkeepalive = { idle = 31 }\n");
  ASSERT_EQ(attached.exit_status, 0) << attached.err;
  const char* script = R"(
import socket
server = socket.socket(); server.bind(("0.0.0.0", 0)); server.listen()
for source in ["127.0.0.1", "127.0.0.2"]:
    c = socket.socket(); c.bind((source, 0)); c.connect(("127.0.0.1", server.getsockname()[1]))
    a, peer = server.accept()
    print("from", peer[0], "user_timeout", a.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT),
          "idle", a.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
          "ka", a.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE))
)";
  const ProgramResult result = run_program(in_cgroup({kPython, "-c", script}));
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("from 127.0.0.1 user_timeout 3000 idle 7200 ka 0"));
  EXPECT_THAT(result.out, HasSubstr("from 127.0.0.2 user_timeout 4000 idle 31 ka 1"));
}

class KernelEngineErrorTest : public KernelEngineTest {
 protected:
  // No pin directory and no program on the cgroup.
  void expect_nothing_attached() {
    EXPECT_EQ(run_program({"/bin/sh", "-c", "ls /sys/fs/bpf/sockshim 2>/dev/null"}).out.find(cgroup_id()),
              std::string::npos);
    if (!find_in_path("bpftool").empty()) {
      EXPECT_THAT(run_program({find_in_path("bpftool"), "cgroup", "show", cgroup_}).out, Not(HasSubstr("sock_ops")));
    }
  }
  std::string cgroup_id() const {
    struct stat status;
    return stat(cgroup_.c_str(), &status) == 0 ? std::to_string(status.st_ino) : "?";
  }
  // Exactly one line on stderr, with |words|, exit status 1.
  static void expect_one_line(const ProgramResult& result, const std::string& words) {
    EXPECT_EQ(result.exit_status, 1);
    EXPECT_THAT(result.err, HasSubstr(words));
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }
};

TEST_F(KernelEngineErrorTest, ACgroupPathThatDoesNotExist) {
  const std::string config = write_config("e.toml", kTypicalTopLevelConfig);
  expect_one_line(run_program({SOCKSHIM_CLI_PATH, "attach", cgroup_ + "/missing", "-c", config}),
                  cgroup_ + "/missing: No such file or directory");
  expect_nothing_attached();
}

TEST_F(KernelEngineErrorTest, ADirectoryThatIsNotACgroupV2) {
  const std::string config = write_config("e.toml", kTypicalTopLevelConfig);
  const ProgramResult result = run_program({SOCKSHIM_CLI_PATH, "attach", scratch_dir(), "-c", config});
  expect_one_line(result, scratch_dir() + " is not a cgroup v2 directory (cgroup v2 is mounted at " +
                              bpf_engine::cgroup2_mount() + ")");
  expect_nothing_attached();
}

TEST_F(KernelEngineErrorTest, MissingPrivileges) {
  const std::string config = write_config("e.toml", kTypicalTopLevelConfig);
  expect_one_line(run_program({SOCKSHIM_CLI_PATH, "attach", cgroup_, "-c", config},
                              {{"SOCKSHIM_TEST_NO_BPF_PRIVILEGES", "1"}}),
                  "missing privileges: needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON (or CAP_SYS_ADMIN)");
  expect_nothing_attached();
  // A real unprivileged user.
  if (!setpriv_accepts({"--reuid=65534", "--regid=65534", "--clear-groups"})) return;
  chmod(config.c_str(), 0644);
  chmod(scratch_dir().c_str(), 0755);
  const ProgramResult nobody = run_program({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                            SOCKSHIM_CLI_PATH, "attach", cgroup_, "-c", config});
  expect_one_line(nobody, "missing privileges");
  expect_nothing_attached();
}

TEST_F(KernelEngineErrorTest, OptionsTheKernelCannotSetAreNamedAndRefusedUnlessSkipped) {
  const std::string toml =
      "tcp = { user_timeout = \"6s\" }\nsocket = { linger = 5 }\n"
      "[[rule]]\nname = \"web\"\nmatch = { direction = \"listen\", port = 8080 }\n"
      "tcp = { fastopen = 16, defer_accept = \"5s\" }\n";
  const ProgramResult refused = attach(toml);
  expect_one_line(refused, "the kernel engine cannot do: top level: socket.linger; rule \"web\": ");
  EXPECT_THAT(refused.err, HasSubstr("tcp.fastopen"));
  EXPECT_THAT(refused.err, HasSubstr("tcp.defer_accept"));
  EXPECT_THAT(refused.err, HasSubstr("--skip-unsupported"));
  expect_nothing_attached();
  // check names them for this engine, section by section.
  const ProgramResult checked = run_program({SOCKSHIM_CLI_PATH, "check", write_config("check.toml", toml)});
  EXPECT_EQ(checked.exit_status, 0) << checked.err;
  EXPECT_THAT(checked.out, HasSubstr("the kernel engine (sockshim attach, run --engine bpf) cannot do:\n"
                                     "  top level: socket.linger\n  rule \"web\": tcp.defer_accept, tcp.fastopen\n"));
  const ProgramResult skipped = attach(toml, {"--skip-unsupported"});
  ASSERT_EQ(skipped.exit_status, 0) << skipped.err;
  const ProgramResult result = run_program(in_cgroup({kPython, socket_report_script()}));
  EXPECT_THAT(result.out, HasSubstr("user_timeout=6000"));
}

TEST_F(KernelEngineErrorTest, ProgramGlobsAreRefused) {
  const ProgramResult refused =
      attach("[[rule]]\nname = \"py\"\nmatch = { program = \"py*\" }\ntcp = { user_timeout = 1000 }\n");
  expect_one_line(refused, "rule \"py\": program glob \"py*\"");
  expect_nothing_attached();
}

// A program rule matches the task's name (comm) at connect and listen.
TEST_F(KernelEngineTest, ProgramRulesMatchTheTaskName) {
  const ProgramResult attached = attach(
      "tcp = { user_timeout = \"3s\" }\n"
      "[[rule]]\nname = \"python\"\nmatch = { program = \"python3\" }\ntcp = { user_timeout = \"8s\" }\n");
  ASSERT_EQ(attached.exit_status, 0) << attached.err;
  const ProgramResult python = run_program(in_cgroup({kPython, socket_report_script()}));
  ASSERT_EQ(python.exit_status, 0) << python.err;
  EXPECT_EQ(parse_probe_output(python.out).at("client").at("user_timeout"), 8000) << python.out;
  EXPECT_EQ(parse_probe_output(python.out).at("listener").at("user_timeout"), 8000) << python.out;
  // Another program (task name "sockprobe") in the same cgroup.
  const ProgramResult other = run_program(in_cgroup({SOCKPROBE_PATH, "pair"}));
  ASSERT_EQ(other.exit_status, 0) << other.err;
  const auto sockets = parse_probe_output(other.out);
  ASSERT_TRUE(sockets.count("client")) << other.out;
  EXPECT_EQ(sockets.at("client").at("user_timeout"), 3000) << other.out;
}

// The first connected socket |pid| has, read from outside the process.
std::optional<InspectedSocket> connected_socket(pid_t pid, const std::string& remote) {
  std::optional<InspectedSocket> found;
  eventually([&] {
    std::vector<InspectedSocket> sockets;
    std::string error;
    if (!inspect_process_sockets(pid, &sockets, &error)) return false;
    for (const InspectedSocket& socket : sockets) {
      if (socket.remote == remote && !socket.listening) found = socket;
    }
    return found.has_value();
  });
  return found;
}

// curl sets keepalive 60 s/60 s on its socket before connect(): the
// untouched rule keeps curl's values; enforce replaces them (its own
// setsockopt succeeds without effect).
TEST_F(KernelEngineTest, CurlsOwnKeepaliveStaysUnlessEnforced) {
  SKIP_WITHOUT_PROGRAM("curl", "curl");
  for (bool enforce : {false, true}) {
    const ProgramResult attached = attach(std::string("keepalive = { idle = 7, interval = 3, count = 2 }\n") +
                                          "tcp = { user_timeout = \"11s\" }\n" +
                                          (enforce ? "enforce = [\"keepalive\"]\n" : ""));
    ASSERT_EQ(attached.exit_status, 0) << attached.err;
    const int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ASSERT_EQ(bind(server, reinterpret_cast<sockaddr*>(&address), length), 0);
    ASSERT_EQ(listen(server, 4), 0);
    getsockname(server, reinterpret_cast<sockaddr*>(&address), &length);
    const std::string remote = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
    ChildProcess child(in_cgroup({find_in_path("curl"), "-s", "--max-time", "120", "http://" + remote + "/"}), {});
    const std::optional<InspectedSocket> found = connected_socket(child.pid(), remote);
    kill(child.pid(), SIGTERM);
    child.finish();
    close(server);
    ASSERT_TRUE(found.has_value()) << "curl never connected";
    EXPECT_EQ(found->keepalive, 1);
    EXPECT_EQ(found->keepalive_idle_s, enforce ? 7 : 60) << "enforce " << enforce;
    EXPECT_EQ(found->keepalive_interval_s, enforce ? 3 : 60) << "enforce " << enforce;
    EXPECT_EQ(found->keepalive_count, 2);  // curl does not set it
    EXPECT_EQ(found->user_timeout_ms, 11000);
  }
}

// A program's own value set before connect() stays; a connect rule's value
// is set at connect() over it, as the preload does.
TEST_F(KernelEngineTest, TheUntouchedRuleKeepsTheProgramsOwnValueBeforeConnect) {
  const ProgramResult attached = attach(
      "tcp = { user_timeout = \"3s\" }\nkeepalive = { idle = 50 }\n"
      "[[rule]]\nname = \"loopback\"\nmatch = { direction = \"connect\", remote = [\"127.0.0.0/8\"] }\n"
      "keepalive = { idle = 60 }\n");
  ASSERT_EQ(attached.exit_status, 0) << attached.err;
  const char* script = R"(
import socket
server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen()
c = socket.socket()
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, 1234)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 99)
c.connect(server.getsockname())
print("user_timeout", c.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT),
      "idle", c.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE))
)";
  const ProgramResult result = run_program(in_cgroup({kPython, "-c", script}));
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("user_timeout 1234 idle 60"));
}

// redis sets keepalive 300 s on every client it accepts: an enforced listen
// rule's values win on accepted sockets (their per-socket storage is
// cloned from the listener's).
TEST_F(KernelEngineTest, EnforcedListenRuleWinsOverRedisOnAcceptedClients) {
  SKIP_WITHOUT_PROGRAM("redis-server", "redis-server");
  for (bool enforce : {false, true}) {
    // Below the ephemeral range, where other tests' client sockets cannot hold it.
    const int port = 28000 + getpid() % 1000 + (enforce ? 1000 : 0);
    const ProgramResult attached =
        attach("[[rule]]\nmatch = { direction = \"listen\", port = " + std::to_string(port) +
               " }\nkeepalive = { idle = 13, interval = 4, count = 5 }\n" + (enforce ? "enforce = true\n" : ""));
    ASSERT_EQ(attached.exit_status, 0) << attached.err;
    ChildProcess redis(in_cgroup({find_in_path("redis-server"), "--port", std::to_string(port), "--bind",
                                  "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", scratch_dir()}),
                       {});
    std::optional<InspectedSocket> accepted;
    int client = -1;
    eventually([&] {
      if (client < 0) {
        client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(static_cast<uint16_t>(port));
        if (connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
          close(client);
          client = -1;
          return false;
        }
        // A command makes sure redis has set up the client (and its keepalive).
        char reply[64];
        if (write(client, "PING\r\n", 6) != 6 || read(client, reply, sizeof reply) <= 0) return false;
      }
      std::vector<InspectedSocket> sockets;
      std::string error;
      if (!inspect_process_sockets(redis.pid(), &sockets, &error)) return false;
      for (const InspectedSocket& socket : sockets) {
        if (!socket.listening && !socket.remote.empty()) accepted = socket;
      }
      return accepted.has_value();
    });
    if (client >= 0) close(client);
    kill(redis.pid(), SIGTERM);
    redis.finish();
    ASSERT_TRUE(accepted.has_value()) << "redis accepted nothing";
    EXPECT_EQ(accepted->keepalive_idle_s, enforce ? 13 : 300) << "enforce " << enforce;
    EXPECT_EQ(accepted->keepalive_count, enforce ? 5 : 3) << "enforce " << enforce;
  }
}

// UDP sockets get their buffers (and the other options bpf_setsockopt
// takes on them) at bind(), connect(), or an unconnected socket's first
// sendmsg(), as their rules say.
TEST_F(KernelEngineTest, UdpSocketsGetTheirBuffers) {
  const ProgramResult attached = attach(
      "[[rule]]\nname = \"every udp\"\nmatch = { protocol = \"udp\" }\n"
      "buffers = { receive = \"256KiB\", send = \"128KiB\" }\n"
      "[[rule]]\nname = \"dns\"\nmatch = { protocol = \"udp\", direction = \"connect\", port = 53 }\n"
      "socket = { priority = 5 }\n"
      "[[rule]]\nname = \"server\"\nmatch = { protocol = \"udp\", direction = \"listen\", port = \"43000-43999\" }\n"
      "buffers = { receive = \"512KiB\" }\n");
  ASSERT_EQ(attached.exit_status, 0) << attached.err;
  const char* script = R"(
import socket
def show(label, s):
    print(label, "rcvbuf", s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF),
          "sndbuf", s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF),
          "priority", s.getsockopt(socket.SOL_SOCKET, socket.SO_PRIORITY))
connected = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); connected.connect(("127.0.0.1", 53)); show("connected", connected)
six = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); six.connect(("::1", 9)); show("connected6", six)
sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); sender.sendto(b"x", ("127.0.0.1", 9)); show("sender", sender)
server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for port in range(43000, 44000):
    try:
        server.bind(("127.0.0.1", port)); break
    except OSError: pass
show("bound", server)
)";
  const ProgramResult result = run_program(in_cgroup({kPython, "-c", script}));
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("connected rcvbuf 524288 sndbuf 262144 priority 5"));
  EXPECT_THAT(result.out, HasSubstr("connected6 rcvbuf 524288 sndbuf 262144 priority 0"));
  EXPECT_THAT(result.out, HasSubstr("sender rcvbuf 524288 sndbuf 262144 priority 0"));
  EXPECT_THAT(result.out, HasSubstr("bound rcvbuf 1048576 sndbuf 262144 priority 0"));
}

// A config with nothing for UDP leaves the UDP hooks out (cgroup/connect4
// would run at every TCP connect() for nothing); a second attach whose
// config has UDP options attaches them, and UDP sockets get their
// buffers; a third without UDP keeps them (documented), with nothing to set.
TEST_F(KernelEngineTest, UdpHooksAreAttachedOnlyOnceAConfigNeedsThem) {
  SKIP_WITHOUT_PROGRAM("bpftool", "bpftool");
  const std::string bpftool = find_in_path("bpftool");
  auto hooks = [&] { return run_program({bpftool, "cgroup", "show", cgroup_}).out; };
  const char* udp_script =
      "import socket\n"
      "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect((\"127.0.0.1\", 9))\n"
      "print(\"rcvbuf\", s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))\n";
  const char* udp_config = "[[rule]]\nmatch = { protocol = \"udp\" }\nbuffers.receive = \"96KiB\"\n";

  ProgramResult attached = attach(kTypicalTopLevelConfig);
  ASSERT_EQ(attached.exit_status, 0) << attached.err;
  std::string shown = hooks();
  EXPECT_THAT(shown, HasSubstr("sockshim_sock_ops"));
  EXPECT_THAT(shown, HasSubstr("sockshim_setsockopt"));
  for (const char* udp_hook : {"sockshim_connect", "sockshim_bind", "sockshim_sendmsg"}) {
    EXPECT_THAT(shown, Not(HasSubstr(udp_hook))) << shown;
  }
  ProgramResult udp = run_program(in_cgroup({kPython, "-c", udp_script}));
  ASSERT_EQ(udp.exit_status, 0) << udp.err;
  EXPECT_THAT(udp.out, Not(HasSubstr("rcvbuf 196608")));

  attached = attach(udp_config);
  ASSERT_EQ(attached.exit_status, 0) << attached.err;
  shown = hooks();
  for (const char* hook : {"sockshim_sock_ops", "sockshim_setsockopt", "sockshim_connect4", "sockshim_connect6",
                           "sockshim_bind4", "sockshim_bind6", "sockshim_sendmsg4", "sockshim_sendmsg6"}) {
    EXPECT_THAT(shown, HasSubstr(hook)) << shown;
  }
  udp = run_program(in_cgroup({kPython, "-c", udp_script}));
  ASSERT_EQ(udp.exit_status, 0) << udp.err;
  EXPECT_THAT(udp.out, HasSubstr("rcvbuf 196608"));  // 96 KiB, doubled by the kernel

  attached = attach(kTypicalTopLevelConfig);
  ASSERT_EQ(attached.exit_status, 0) << attached.err;
  EXPECT_EQ(hooks(), shown);  // the same programs at the same hooks, once each
  udp = run_program(in_cgroup({kPython, "-c", udp_script}));
  ASSERT_EQ(udp.exit_status, 0) << udp.err;
  EXPECT_THAT(udp.out, Not(HasSubstr("rcvbuf 196608")));
}

// A config whose options are all a connect rule's (set over the program's
// own) and enforces nothing leaves cgroup/setsockopt out: it would add the
// kernel's hook to every setsockopt call for nothing. A second attach whose
// config has options of socket() attaches it, and the program's own value
// set before connect() stays.
TEST_F(KernelEngineTest, TheSetsockoptHookIsAttachedOnlyOnceAConfigNeedsIt) {
  SKIP_WITHOUT_PROGRAM("bpftool", "bpftool");
  const std::string bpftool = find_in_path("bpftool");
  const char* script = R"(
import socket
server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen()
c = socket.socket()
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, 1234)
c.connect(server.getsockname())
print("user_timeout", c.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT),
      "idle", c.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE))
)";
  ProgramResult attached = attach(
      "[[rule]]\nname = \"loopback\"\nmatch = { direction = \"connect\", remote = [\"127.0.0.0/8\"] }\n"
      "keepalive = { idle = 60 }\n");
  ASSERT_EQ(attached.exit_status, 0) << attached.err;
  std::string shown = run_program({bpftool, "cgroup", "show", cgroup_}).out;
  EXPECT_THAT(shown, HasSubstr("sockshim_sock_ops"));
  EXPECT_THAT(shown, Not(HasSubstr("setsockopt"))) << shown;
  ProgramResult result = run_program(in_cgroup({kPython, "-c", script}));
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("user_timeout 1234 idle 60"));

  attached = attach("tcp = { user_timeout = \"3s\" }\nkeepalive = { idle = 50 }\n");
  ASSERT_EQ(attached.exit_status, 0) << attached.err;
  shown = run_program({bpftool, "cgroup", "show", cgroup_}).out;
  EXPECT_THAT(shown, HasSubstr("sockshim_setsockopt")) << shown;
  result = run_program(in_cgroup({kPython, "-c", script}));
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("user_timeout 1234 idle 50"));  // its own timeout stays
}

// The engine on a parent and on a child cgroup: a socket made in the
// child gets the child's config (the innermost wins), one made in the
// parent the parent's.
TEST_F(KernelEngineTest, NestedCgroupsTheInnermostConfigWins) {
  const ProgramResult parent = attach("tcp = { user_timeout = \"3s\" }\nkeepalive = { idle = 33 }\n");
  ASSERT_EQ(parent.exit_status, 0) << parent.err;
  const std::string child = cgroup_ + "/child";
  ASSERT_EQ(mkdir(child.c_str(), 0755), 0);
  const ProgramResult attached = run_program(
      {SOCKSHIM_CLI_PATH, "attach", child, "-c", write_config("child.toml", "tcp = { user_timeout = \"8s\" }\n")});
  ASSERT_EQ(attached.exit_status, 0) << attached.err;
  const std::vector<std::string> in_child = {"/bin/sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"", child,
                                             kPython, socket_report_script()};
  const ProgramResult inner = run_program(in_child);
  const ProgramResult outer = run_program(in_cgroup({kPython, socket_report_script()}));
  EXPECT_EQ(run_program({SOCKSHIM_CLI_PATH, "detach", child}).exit_status, 0);
  eventually([&] { return rmdir(child.c_str()) == 0; });
  ASSERT_EQ(inner.exit_status, 0) << inner.err;
  ASSERT_EQ(outer.exit_status, 0) << outer.err;
  for (const char* label : {"listener", "client", "accepted"}) {
    EXPECT_EQ(parse_probe_output(inner.out).at(label).at("user_timeout"), 8000) << label << inner.out;
    EXPECT_EQ(parse_probe_output(inner.out).at(label).at("idle"), 7200) << label << inner.out;
    EXPECT_EQ(parse_probe_output(outer.out).at(label).at("user_timeout"), 3000) << label << outer.out;
    EXPECT_EQ(parse_probe_output(outer.out).at(label).at("idle"), 33) << label << outer.out;
  }
}

// Config slots of one engine: the engine's own config (slot 0) at the
// parent, other configs for child cgroups mapped to them by cgroup id (as
// the node agent writes them), read back from real sockets.
class ConfigSlotsTest : public KernelEngineTest {
 protected:
  void SetUp() override {
    KernelEngineTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    const ProgramResult attached = attach(default_config());
    ASSERT_EQ(attached.exit_status, 0) << attached.err;
    std::string error;
    ASSERT_TRUE(bpf_engine::open_attached_engine(cgroup_, &engine_, &error)) << error;
  }
  // Slot 0's.
  virtual std::string default_config() const { return "tcp = { user_timeout = \"3s\" }\nkeepalive = { idle = 33 }\n"; }
  void TearDown() override {
    for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
      eventually([&] { return rmdir(it->c_str()) == 0 || errno == ENOENT; });
    }
    KernelEngineTest::TearDown();
  }
  std::string child(const std::string& name) {
    const std::string directory = cgroup_ + "/" + name;
    EXPECT_EQ(mkdir(directory.c_str(), 0755), 0) << directory << ": " << std::strerror(errno);
    children_.push_back(directory);
    return directory;
  }
  void write_slot(uint32_t slot, const std::string& toml) {
    LoadResult loaded = load_policy(toml, "slot.toml");
    ASSERT_TRUE(loaded.policy.has_value()) << toml;
    bpf_engine::CompiledMaps maps;
    std::string error;
    ASSERT_TRUE(bpf_engine::compile_maps(*loaded.policy, &maps, &error)) << error;
    // As the node agent writes it: the hooks it needs attached first.
    ASSERT_TRUE(bpf_engine::write_config(cgroup_, engine_.maps, slot, maps, &error)) << error;
  }
  void map(const std::string& directory, uint32_t slot) {
    std::string error;
    ASSERT_TRUE(bpf_engine::map_cgroup(engine_.maps, bpf_engine::cgroup_id(directory), slot, &error)) << error;
  }
  // socket_report.py's sockets, made in |directory|.
  std::map<std::string, SocketReport> report_in(const std::string& directory) {
    const ProgramResult result = run_program({"/bin/sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"",
                                              directory, kPython, socket_report_script()});
    EXPECT_EQ(result.exit_status, 0) << result.err;
    std::map<std::string, SocketReport> sockets = parse_probe_output(result.out);
    for (const char* label : {"listener", "client", "accepted"}) EXPECT_TRUE(sockets.count(label)) << result.out;
    return sockets;
  }

  // Whether the programs look the task's cgroups up (engine_state's flag).
  bool looks_cgroups_up() {
    const uint32_t zero = 0;
    sockshim_engine_state state{};
    EXPECT_EQ(bpf_engine::map_lookup(engine_.maps.engine_state, &zero, &state), 0);
    return (state.flags & SOCKSHIM_ENGINE_CGROUP_SLOTS) != 0;
  }

  bpf_engine::AttachedEngine engine_;
  std::vector<std::string> children_;
};

TEST_F(ConfigSlotsTest, AMappedCgroupGetsItsSlotAnUnmappedOneTheDefaultAnOptedOutOneNothing) {
  const std::string mapped = child("mapped");
  const std::string unmapped = child("unmapped");
  const std::string opted_out = child("opted-out");
  write_slot(1, "tcp = { user_timeout = \"8s\" }\n");
  std::string error;
  ASSERT_TRUE(bpf_engine::write_untouched(engine_.maps, 2, &error)) << error;
  EXPECT_FALSE(looks_cgroups_up());  // no entry: no walk up the task's cgroups
  map(mapped, 1);
  map(opted_out, 2);
  EXPECT_TRUE(looks_cgroups_up());

  const auto in_mapped = report_in(mapped);
  const auto in_unmapped = report_in(unmapped);
  const auto in_opted_out = report_in(opted_out);
  for (const char* label : {"listener", "client", "accepted"}) {
    EXPECT_EQ(in_mapped.at(label).at("user_timeout"), 8000) << label;
    EXPECT_EQ(in_mapped.at(label).at("idle"), 7200) << label;  // slot 1's config alone, not the default's keepalive
    EXPECT_EQ(in_unmapped.at(label).at("user_timeout"), 3000) << label;
    EXPECT_EQ(in_unmapped.at(label).at("idle"), 33) << label;
    EXPECT_EQ(in_opted_out.at(label).at("user_timeout"), 0) << label;
    EXPECT_EQ(in_opted_out.at(label).at("idle"), 7200) << label;
    EXPECT_EQ(in_opted_out.at(label).at("keepalive"), 0) << label;
  }

  // Rewriting slot 1 switches the mapped cgroup alone.
  write_slot(1, "tcp = { user_timeout = \"9s\" }\n");
  EXPECT_EQ(report_in(mapped).at("client").at("user_timeout"), 9000);
  EXPECT_EQ(report_in(unmapped).at("client").at("user_timeout"), 3000);

  // Without its entry, new sockets of the cgroup get the default again.
  ASSERT_TRUE(bpf_engine::unmap_cgroup(engine_.maps, bpf_engine::cgroup_id(mapped), &error)) << error;
  const auto unmapped_again = report_in(mapped);
  for (const char* label : {"listener", "client", "accepted"}) {
    EXPECT_EQ(unmapped_again.at(label).at("user_timeout"), 3000) << label;
    EXPECT_EQ(unmapped_again.at(label).at("idle"), 33) << label;
  }
  EXPECT_EQ(bpf_engine::mapped_cgroups(engine_.maps).size(), 1u);
  ASSERT_TRUE(bpf_engine::unmap_cgroup(engine_.maps, bpf_engine::cgroup_id(opted_out), &error)) << error;
  EXPECT_EQ(report_in(opted_out).at("client").at("user_timeout"), 3000);
  EXPECT_TRUE(bpf_engine::mapped_cgroups(engine_.maps).empty());
  EXPECT_FALSE(looks_cgroups_up());

  // A cleared slot is no longer configured.
  ASSERT_TRUE(bpf_engine::clear_slot(engine_.maps, 1, &error)) << error;
  ASSERT_TRUE(bpf_engine::clear_slot(engine_.maps, 2, &error)) << error;
  EXPECT_EQ(bpf_engine::configured_slots(engine_.maps), std::vector<uint32_t>{0});
}

// Slot 0's config needs sock_ops alone (a connect rule, nothing enforced,
// nothing for UDP); the other slots' configs need the hooks it left out.
class ConfigSlotsHooksTest : public ConfigSlotsTest {
 protected:
  std::string default_config() const override {
    return "[[rule]]\nname = \"loopback\"\nmatch = { direction = \"connect\", remote = [\"127.0.0.0/8\"] }\n"
           "keepalive = { idle = 60 }\n";
  }
  std::string hooks() { return run_program({find_in_path("bpftool"), "cgroup", "show", cgroup_}).out; }
  ProgramResult run_in(const std::string& directory, const char* script) {
    return run_program({"/bin/sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"", directory, kPython, "-c",
                        script});
  }
};

// A slot whose config has UDP options gets the UDP hooks attached when it
// is written: a UDP socket of its cgroup gets its buffers; one of a
// cgroup left at slot 0's config does not.
TEST_F(ConfigSlotsHooksTest, ASlotWithUdpOptionsGetsTheUdpHooks) {
  SKIP_WITHOUT_PROGRAM("bpftool", "bpftool");
  std::string shown = hooks();
  EXPECT_THAT(shown, HasSubstr("sockshim_sock_ops"));
  for (const char* left_out : {"sockshim_setsockopt", "sockshim_connect", "sockshim_bind", "sockshim_sendmsg"}) {
    EXPECT_THAT(shown, Not(HasSubstr(left_out))) << shown;
  }
  const std::string udp = child("udp");
  const std::string other = child("other");
  write_slot(1, "[[rule]]\nmatch = { protocol = \"udp\" }\nbuffers.receive = \"96KiB\"\n");
  map(udp, 1);
  shown = hooks();
  for (const char* hook : {"sockshim_sock_ops", "sockshim_connect4", "sockshim_connect6", "sockshim_bind4",
                           "sockshim_bind6", "sockshim_sendmsg4", "sockshim_sendmsg6"}) {
    EXPECT_THAT(shown, HasSubstr(hook)) << shown;
  }
  const char* script =
      "import socket\n"
      "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect((\"127.0.0.1\", 9))\n"
      "print(\"rcvbuf\", s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))\n";
  ProgramResult result = run_in(udp, script);
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("rcvbuf 196608"));  // 96 KiB, doubled by the kernel
  result = run_in(other, script);
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_THAT(result.out, Not(HasSubstr("rcvbuf 196608")));
}

// A slot whose config enforces an option, slot 0's enforcing nothing: the
// slot's write attaches cgroup/setsockopt, and its program's own calls of
// that option succeed without effect, before connect() (socket()'s list
// of the slot is looked up: the slot's own flags, not slot 0's, say it
// enforces) and after it (the socket's list); a cgroup left at slot 0's
// config keeps its program's own value.
TEST_F(ConfigSlotsHooksTest, ASlotThatEnforcesGetsTheSetsockoptHookAndItsValueStays) {
  SKIP_WITHOUT_PROGRAM("bpftool", "bpftool");
  EXPECT_THAT(hooks(), Not(HasSubstr("sockshim_setsockopt")));
  const std::string enforced = child("enforced");
  const std::string other = child("other");
  write_slot(1, "keepalive = { idle = 7 }\nenforce = [\"keepalive\"]\n");
  map(enforced, 1);
  EXPECT_THAT(hooks(), HasSubstr("sockshim_setsockopt"));
  const char* script = R"(
import socket
server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen()
c = socket.socket()
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 99)
before = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE)
c.connect(server.getsockname())
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 98)
print("before", before, "after", c.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE))
)";
  ProgramResult result = run_in(enforced, script);
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("before 7200 after 7"));  // the kernel's default, then the slot's value
  result = run_in(other, script);
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("before 99 after 98"));
}

// The innermost mapped cgroup of a task wins; a cgroup below a mapped one
// that is not mapped itself takes its parent's slot.
TEST_F(ConfigSlotsTest, TheInnermostMappedCgroupWins) {
  const std::string pod = child("pod");
  const std::string container = child("pod/container");
  const std::string other = child("pod/other");
  write_slot(1, "tcp = { user_timeout = \"5s\" }\n");
  write_slot(2, "tcp = { user_timeout = \"6s\" }\n");
  map(pod, 1);
  map(container, 2);
  EXPECT_EQ(report_in(container).at("client").at("user_timeout"), 6000);
  EXPECT_EQ(report_in(other).at("client").at("user_timeout"), 5000);
}

// An accepted socket takes its listener's slot: PASSIVE_ESTABLISHED does
// not run in the program's context. The listener is made in a mapped
// cgroup, then the same process moves to an unmapped one, connects and
// accepts: the client gets the default, the accepted socket slot 1's
// accept rule.
TEST_F(ConfigSlotsTest, AnAcceptedSocketTakesItsListenersSlot) {
  const std::string mapped = child("server");
  const std::string unmapped = child("client");
  write_slot(1,
             "tcp = { user_timeout = \"8s\" }\n"
             "[[rule]]\nname = \"accepted\"\nmatch = { direction = \"accept\" }\n"
             "tcp = { user_timeout = \"6s\" }\n");
  map(mapped, 1);
  const char* script = R"(
import socket, sys
def move(directory): open(directory + "/cgroup.procs", "w").write("0")
def ut(s): return s.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT)
move(sys.argv[1])
listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen()
move(sys.argv[2])
client = socket.create_connection(listener.getsockname())
accepted, _ = listener.accept()
print("listener", ut(listener), "client", ut(client), "accepted", ut(accepted))
)";
  const ProgramResult result = run_program({kPython, "-c", script, mapped, unmapped});
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("listener 8000 client 3000 accepted 6000"));
}

// A statically linked program, and one whose client socket is made and
// connected through io_uring: no preload and no system call filter sees
// either, the kernel's hooks do.
TEST_F(KernelEngineTest, StaticAndIoUringProgramsGetTheConfig) {
  const ProgramResult attached = attach(kTypicalTopLevelConfig);
  ASSERT_EQ(attached.exit_status, 0) << attached.err;
  const ProgramResult statically = run_program(in_cgroup({KERNEL_PROBE_STATIC_PATH}));
  ASSERT_EQ(statically.exit_status, 0) << statically.err;
  expect_typical_top_level(parse_probe_output(statically.out), statically.out);
  if (std::string(KERNEL_PROBE_URING_PATH).empty()) GTEST_SKIP() << "built without liburing (liburing-dev)";
  const ProgramResult uring = run_program(in_cgroup({KERNEL_PROBE_URING_PATH, "uring"}));
  if (uring.err.find("IORING_OP_SOCKET: Invalid argument") != std::string::npos) {
    GTEST_SKIP() << "this kernel has no IORING_OP_SOCKET (Linux 5.19+)";
  }
  ASSERT_EQ(uring.exit_status, 0) << uring.err;
  expect_typical_top_level(parse_probe_output(uring.out), uring.out);
  // Without the engine the io_uring client has the kernel's defaults.
  const ProgramResult plain = run_program({KERNEL_PROBE_URING_PATH, "uring"});
  EXPECT_THAT(plain.out, HasSubstr("client keepalive=0"));
}

// Go switches keepalive on with idle = interval = 15 s after connect and
// accept: without enforce Go's values stay (as under the other engines);
// with it the config's replace them on the dialed and the accepted
// connection (Go's own setsockopt succeeds without effect).
TEST_F(KernelEngineTest, GosOwnKeepaliveIsReplacedWithEnforce) {
  if (std::string(GOPROBE_PATH).empty() || access(GOPROBE_PATH, X_OK) != 0) {
    GTEST_SKIP() << "no Go toolchain at build time (Debian: golang-go)";
  }
  for (bool enforce : {false, true}) {
    const ProgramResult attached =
        attach(std::string("keepalive = { idle = 23, interval = 6, count = 5 }\ntcp = { user_timeout = \"3s\" }\n") +
               (enforce ? "enforce = [\"keepalive\"]\n" : ""));
    ASSERT_EQ(attached.exit_status, 0) << attached.err;
    const ProgramResult result = run_program(in_cgroup({GOPROBE_PATH, "pair"}));
    ASSERT_EQ(result.exit_status, 0) << result.err;
    const auto sockets = parse_probe_output(result.out);
    for (const char* label : {"client", "server"}) {
      ASSERT_TRUE(sockets.count(label)) << result.out;
      EXPECT_EQ(sockets.at(label).at("idle"), enforce ? 23 : 15) << label << " enforce " << enforce;
      EXPECT_EQ(sockets.at(label).at("interval"), enforce ? 6 : 15) << label << " enforce " << enforce;
      EXPECT_EQ(sockets.at(label).at("count"), 5) << label;
      EXPECT_EQ(sockets.at(label).at("user_timeout"), 3000) << label;
    }
  }
}

TEST_F(KernelEngineErrorTest, AKernelThatRefusesThePrograms) {
  const std::string config = write_config("e.toml", kTypicalTopLevelConfig);
  expect_one_line(run_program({SOCKSHIM_CLI_PATH, "attach", cgroup_, "-c", config},
                              {{"SOCKSHIM_TEST_REFUSE_BPF_PROGRAMS", "1"}}),
                  "the kernel refused the engine's programs (loading the programs; the engine needs Linux 5.15+ "
                  "with cgroup sock_ops): Invalid argument");
  expect_nothing_attached();
  const ProgramResult doctor =
      run_program({SOCKSHIM_CLI_PATH, "doctor"}, {{"SOCKSHIM_TEST_REFUSE_BPF_PROGRAMS", "1"}});
  EXPECT_THAT(doctor.out, HasSubstr("kernel engine (sockshim attach, run --engine bpf):\n  cannot run here: "
                                    "the kernel refused the engine's programs"));
  EXPECT_THAT(run_program({SOCKSHIM_CLI_PATH, "doctor"}).out,
              HasSubstr("kernel engine (sockshim attach, run --engine bpf):\n  can run here"));
}

// Dead peers under the kernel engine, as tests/end_to_end/dead_peer_test.cc
// checks them under the preload (which also shows the clients without
// sockshim still waiting): two network namespaces of the test's own joined
// by a veth pair; the server's address is taken away, and the clients,
// in the engine's cgroup, see ETIMEDOUT within the config's bounds.
class TestNamespaces {
 public:
  TestNamespaces() {
    const std::string suffix = std::to_string(getpid());
    client_ = "sockshim-kclient-" + suffix;
    server_ = "sockshim-kserver-" + suffix;
    link_ = "skc" + suffix;
    server_link_ = "sks" + suffix;
    auto quiet = [](const std::vector<std::string>& argv) { return run_program(argv).exit_status == 0; };
    ok_ = quiet({"ip", "netns", "add", client_}) && quiet({"ip", "netns", "add", server_}) &&
          quiet({"ip", "link", "add", link_, "type", "veth", "peer", "name", server_link_}) &&
          quiet({"ip", "link", "set", link_, "netns", client_}) &&
          quiet({"ip", "link", "set", server_link_, "netns", server_}) &&
          quiet({"ip", "-n", client_, "addr", "add", "10.98.0.1/24", "dev", link_}) &&
          quiet({"ip", "-n", server_, "addr", "add", "10.98.0.2/24", "dev", server_link_}) &&
          quiet({"ip", "-n", client_, "link", "set", link_, "up"}) &&
          quiet({"ip", "-n", server_, "link", "set", server_link_, "up"});
  }
  ~TestNamespaces() {
    run_program({"ip", "netns", "del", client_});
    run_program({"ip", "netns", "del", server_});
  }
  bool ok() const { return ok_; }
  std::vector<std::string> in(bool server, std::vector<std::string> argv) const {
    argv.insert(argv.begin(), {"ip", "netns", "exec", server ? server_ : client_});
    return argv;
  }
  bool silence_server() const {
    return run_program({"ip", "-n", server_, "addr", "del", "10.98.0.2/24", "dev", server_link_}).exit_status == 0;
  }

 private:
  std::string client_, server_, link_, server_link_;
  bool ok_ = false;
};

TEST_F(KernelEngineTest, DeadPeersAreFoundWithinTheConfigsBounds) {
  TestNamespaces namespaces;
  if (!namespaces.ok()) GTEST_SKIP() << "this machine cannot create network namespaces and veth links";
  const ProgramResult attached = attach(
      "[[rule]]\nname = \"idle\"\nmatch = { direction = \"connect\", port = 5071 }\n"
      "keepalive = { idle = 1, interval = 1, count = 2 }\nenforce = [\"keepalive\"]\n"
      "[[rule]]\nname = \"in flight\"\nmatch = { direction = \"connect\", port = 5072 }\n"
      "tcp = { user_timeout = 3000 }\n");
  ASSERT_EQ(attached.exit_status, 0) << attached.err;
  ChildProcess idle_server(namespaces.in(true, {PEER_PROGRAM_PATH, "serve", "10.98.0.2", "5071"}), {});
  ChildProcess inflight_server(namespaces.in(true, {PEER_PROGRAM_PATH, "serve", "10.98.0.2", "5072"}), {});
  ASSERT_EQ(idle_server.read_line(kEventuallyMs), "listening");
  ASSERT_EQ(inflight_server.read_line(kEventuallyMs), "listening");
  ChildProcess idle(in_cgroup(namespaces.in(false, {PEER_PROGRAM_PATH, "idle", "10.98.0.2", "5071"})), {});
  ChildProcess inflight(in_cgroup(namespaces.in(false, {PEER_PROGRAM_PATH, "inflight", "10.98.0.2", "5072"})), {});
  ASSERT_EQ(idle.read_line(kEventuallyMs), "connected");
  ASSERT_EQ(inflight.read_line(kEventuallyMs), "connected");
  std::unique_ptr<ChildProcess> go;
  if (!std::string(GOPROBE_PATH).empty() && access(GOPROBE_PATH, X_OK) == 0) {
    // Go's own keepalive (15 s) after connect: replaced, as enforced.
    go = std::make_unique<ChildProcess>(
        in_cgroup(namespaces.in(false, {GOPROBE_PATH, "idle-go-keepalive", "10.98.0.2", "5071"})), Environment{});
    ASSERT_EQ(go->read_line(kEventuallyMs), "connected");
  }
  ASSERT_TRUE(namespaces.silence_server());
  const auto silenced = std::chrono::steady_clock::now();
  const auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - silenced).count(); };
  inflight.close_stdin();  // send what will never be acknowledged
  // Bounds as in dead_peer_test.cc: idle 1 + 1 x 2 s, user timeout 3 s,
  // with room for a loaded machine, below what the kernel's defaults give.
  const std::string idle_result = idle.read_line(20000);
  EXPECT_THAT(idle_result, ::testing::StartsWith("recv result=-1 errno=ETIMEDOUT"));
  EXPECT_LE(seconds(), 1 + 1 * 2 + 5) << idle_result;
  if (go) {
    EXPECT_THAT(go->read_line(20000), HasSubstr("connection timed out")) << "Go client";
    EXPECT_LE(seconds(), 1 + 1 * 2 + 5);
  }
  const std::string inflight_result = inflight.read_line(20000);
  EXPECT_THAT(inflight_result, ::testing::StartsWith("recv result=-1 errno=ETIMEDOUT"));
  const auto report = parse_probe_output(inflight_result);
  if (report.count("recv")) {
    EXPECT_GE(report.at("recv").at("after_ms"), 2500);
    EXPECT_LE(report.at("recv").at("after_ms"), 3000 + 7000);
  }
}

// The forgetful NAT under the kernel engine, as
// tests/end_to_end/forgetful_router_test.cc checks it under the preload:
// scripts/forgetful-router's three namespaces, a router that forgets a
// connection idle for 4 s and drops what comes after. The same clients
// (the test's own, python3, curl) idle for 8 s, some in the engine's
// cgroup and some outside it, at the same time: outside, the connection is
// dead afterwards; inside, the engine's keepalive kept it in the router's
// table and it is alive. Then, with the router dropping everything and data
// in flight, tcp.user_timeout ends the connection within its bound.

size_t router_connections_to_port(const std::string& table, const std::string& port) {
  size_t count = 0;
  const std::string wanted = " dport=" + port + " ";
  for (size_t at = table.find(wanted); at != std::string::npos; at = table.find(wanted, at + 1)) ++count;
  return count;
}

#define REQUIRE_FORGETFUL_ROUTER(router)                                                        \
  if (!(router).ok()) {                                                                         \
    if (run_program({"ip", "netns", "add", "sockshim-kprobe"}).exit_status != 0)                \
      GTEST_SKIP() << "this machine cannot create network namespaces";                         \
    run_program({"ip", "netns", "del", "sockshim-kprobe"});                                     \
    FAIL() << "scripts/forgetful-router up failed: " << (router).error();                       \
  }

TEST_F(KernelEngineTest, BehindANatThatForgetsIdleConnectionsTheEnginesKeepaliveKeepsThemAlive) {
  constexpr int kForgetAfterS = 4, kIdleS = 8, kAnswerWaitS = 15;
  constexpr int kOutcomeWaitMs = (kIdleS + kAnswerWaitS) * 1000 + kEventuallyMs;
  ForgetfulRouter router("k", kForgetAfterS, "drop");
  REQUIRE_FORGETFUL_ROUTER(router);
  ASSERT_EQ(attach("keepalive = { idle = 2, interval = 1, count = 3 }\n").exit_status, 0);
  const std::string server = ForgetfulRouter::kServerAddress;
  const std::string idle_client = std::string(SOCKSHIM_SOURCE_DIR) + "/tests/programs/idle_client.py";
  const std::string late_answer = std::string(SOCKSHIM_SOURCE_DIR) + "/tests/programs/late_answer_server.py";
  // Ports tell the router's entries apart: outside the cgroup, then inside.
  const std::string echo_outside = "7000", echo_inside = "7001", http_outside = "7002", http_inside = "7003";
  std::vector<std::unique_ptr<ChildProcess>> servers;
  for (const std::string& port : {echo_outside, echo_inside}) {
    servers.push_back(std::make_unique<ChildProcess>(router.in_server({PEER_PROGRAM_PATH, "echo", server, port}),
                                                     Environment{}));
  }
  for (const std::string& port : {http_outside, http_inside}) {
    servers.push_back(std::make_unique<ChildProcess>(
        router.in_server({kPython, late_answer, server, port, std::to_string(kIdleS)}), Environment{}));
  }
  for (auto& s : servers) ASSERT_EQ(s->read_line(kEventuallyMs), "listening");

  struct Client {
    std::string label;
    bool in_engine;
    std::unique_ptr<ChildProcess> process;
  };
  const auto start = [&](const std::string& label, bool in_engine, const std::vector<std::string>& program) {
    const std::vector<std::string> argv = router.in_client(program);
    return Client{label, in_engine, std::make_unique<ChildProcess>(in_engine ? in_cgroup(argv) : argv, Environment{})};
  };
  // curl's own keepalive is off (--no-keepalive), so the config's is what it gets.
  const auto curl = [&](const std::string& port) {
    return std::vector<std::string>{"/usr/bin/curl", "-sS", "--no-keepalive", "--max-time",
                                    std::to_string(kIdleS + kAnswerWaitS), "http://" + server + ":" + port + "/"};
  };
  Client curl_outside = start("curl outside", false, curl(http_outside));
  Client curl_inside = start("curl in the engine's cgroup", true, curl(http_inside));
  std::vector<Client> chats;
  for (bool in_engine : {false, true}) {
    const std::string port = in_engine ? echo_inside : echo_outside;
    const std::string where = in_engine ? " in the engine's cgroup" : " outside";
    chats.push_back(start("peer_program" + where, in_engine,
                          {PEER_PROGRAM_PATH, "chat", server, port, std::to_string(kIdleS), std::to_string(kAnswerWaitS)}));
    chats.push_back(start("python3" + where, in_engine,
                          {kPython, idle_client, "chat", server, port, std::to_string(kIdleS), "--answer-wait",
                           std::to_string(kAnswerWaitS)}));
  }
  for (Client& c : chats) ASSERT_EQ(c.process->read_line(kEventuallyMs), "connected") << c.label;
  EXPECT_EQ(servers[2]->read_line(kEventuallyMs), "request");
  EXPECT_EQ(servers[3]->read_line(kEventuallyMs), "request");
  const auto connected = std::chrono::steady_clock::now();

  // Past the router's memory, before anyone speaks again.
  std::this_thread::sleep_until(connected + std::chrono::seconds(kForgetAfterS + 1));
  const std::string table = router.conntrack();
  EXPECT_EQ(router_connections_to_port(table, echo_outside), 0u) << "the router did not forget:\n" << table;
  EXPECT_EQ(router_connections_to_port(table, echo_inside), 2u) << table;
  EXPECT_EQ(router_connections_to_port(table, http_outside), 0u) << table;
  EXPECT_EQ(router_connections_to_port(table, http_inside), 1u) << table;

  for (Client& c : chats) {
    const std::string result = c.process->read_line(kOutcomeWaitMs);
    std::fprintf(stderr, "[ outcome  ] %s: %s\n", c.label.c_str(), result.c_str());
    EXPECT_EQ(result, c.in_engine ? "after idle: alive" : "after idle: no answer") << c.label;
  }
  const ProgramResult outside = curl_outside.process->finish(kOutcomeWaitMs / 1000);
  const ProgramResult inside = curl_inside.process->finish(kOutcomeWaitMs / 1000);
  EXPECT_EQ(outside.exit_status, 28) << "curl outside: expected a timeout\n" << outside.out << outside.err;
  EXPECT_EQ(inside.exit_status, 0) << inside.err;
  EXPECT_EQ(inside.out, "alive\n");
}

TEST_F(KernelEngineTest, WhenTheForgetfulRouterDropsEverythingTheEnginesUserTimeoutEndsTheConnection) {
  ForgetfulRouter router("k", 600, "drop");
  REQUIRE_FORGETFUL_ROUTER(router);
  ASSERT_EQ(attach("tcp.user_timeout = 3000\n").exit_status, 0);
  const std::string server = ForgetfulRouter::kServerAddress;
  const std::string idle_client = std::string(SOCKSHIM_SOURCE_DIR) + "/tests/programs/idle_client.py";
  ChildProcess echo(router.in_server({PEER_PROGRAM_PATH, "echo", server, "7001"}), {});
  ASSERT_EQ(echo.read_line(kEventuallyMs), "listening");
  const std::vector<std::vector<std::string>> programs = {{PEER_PROGRAM_PATH, "inflight", server, "7001"},
                                                          {kPython, idle_client, "inflight", server, "7001"}};
  std::vector<std::unique_ptr<ChildProcess>> inside, outside;
  for (const auto& program : programs) {
    inside.push_back(std::make_unique<ChildProcess>(in_cgroup(router.in_client(program)), Environment{}));
    outside.push_back(std::make_unique<ChildProcess>(router.in_client(program), Environment{}));
  }
  for (auto* group : {&inside, &outside}) {
    for (auto& c : *group) ASSERT_EQ(c->read_line(kEventuallyMs), "connected");
  }
  ASSERT_TRUE(router.blackhole());
  const auto blackholed = std::chrono::steady_clock::now();
  for (auto* group : {&inside, &outside}) {
    for (auto& c : *group) c->close_stdin();  // "go": send into the void
  }
  constexpr int kUserTimeoutBoundMs = 3000 + 7000;
  for (size_t i = 0; i < inside.size(); ++i) {
    const std::string result = inside[i]->read_line(kEventuallyMs);
    std::fprintf(stderr, "[ outcome  ] %s in the engine's cgroup: %s\n", programs[i][0].c_str(), result.c_str());
    EXPECT_THAT(result, ::testing::StartsWith("recv result=-1 errno=ETIMEDOUT")) << programs[i][0];
    const auto report = parse_probe_output(result);
    ASSERT_TRUE(report.count("recv")) << result;
    EXPECT_GE(report.at("recv").at("after_ms"), 2500) << programs[i][0];
    EXPECT_LE(report.at("recv").at("after_ms"), kUserTimeoutBoundMs) << programs[i][0];
  }
  // Outside the cgroup the kernel retransmits for ~15 min: still waiting
  // at four times the user timeout, past the bound above.
  constexpr int kOutsideWaitS = 12;
  static_assert(kOutsideWaitS * 1000 > kUserTimeoutBoundMs);
  for (size_t i = 0; i < outside.size(); ++i) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        blackholed + std::chrono::seconds(kOutsideWaitS) - std::chrono::steady_clock::now());
    EXPECT_EQ(outside[i]->read_line(left.count() > 0 ? static_cast<int>(left.count()) : 0), "")
        << programs[i][0] << " outside gave up";
  }
}

}  // namespace
}  // namespace sockshim::testing
