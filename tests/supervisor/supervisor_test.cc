// SPDX-License-Identifier: Apache-2.0
// `sockshim run` with the supervisor, as a user runs it, on programs no
// preload reaches: a static C program and a Go program. What counts is what
// the kernel reports for each socket (read back inside the program and from
// outside with `sockshim inspect`).
#include <linux/capability.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "tests/support/child_process.h"
#include "tests/support/eventually.h"
#include "tests/support/probe_output.h"

namespace sockshim::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kTopLevel[] =
    "keepalive = { idle = 21, interval = 7, count = 5 }\n"
    "buffers.receive = 65536\n"
    "tcp = { user_timeout = 3000, nodelay = true }\n";

// Top level, a connect rule for loopback, and a listen rule for loopback.
constexpr char kWithRules[] =
    "keepalive = { idle = 21, interval = 7, count = 5 }\n"
    "tcp.user_timeout = 3000\n"
    "[[rule]]\nname = \"loopback out\"\nmatch = { direction = \"connect\", remote = [\"127.0.0.0/8\"] }\n"
    "keepalive = { idle = 22 }\nbuffers = { send = 65536 }\n"
    "[[rule]]\nname = \"loopback in\"\nmatch = { direction = \"listen\", local = [\"127.0.0.0/8\"] }\n"
    "keepalive = { idle = 23 }\nbuffers = { receive = 98304 }\n";

ProgramResult sockshim(std::vector<std::string> args, const Environment& environment = {}) {
  args.insert(args.begin(), SOCKSHIM_CLI_PATH);
  return run_program(args, environment);
}

bool have_go() { return std::string(GOPROBE_PATH).size() > 0 && access(GOPROBE_PATH, X_OK) == 0; }

// The first child of |pid| (the program under `sockshim run`), or 0.
pid_t first_child(pid_t pid) {
  pid_t child = 0;
  eventually([&] {
    std::ifstream children("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
    return children >> child && child > 0;
  });
  return child > 0 ? child : 0;
}

void expect_top_level(const SocketReport& socket, const std::string& label) {
  EXPECT_EQ(socket.at("keepalive"), 1) << label;
  EXPECT_EQ(socket.at("idle"), 21) << label;
  EXPECT_EQ(socket.at("interval"), 7) << label;
  EXPECT_EQ(socket.at("count"), 5) << label;
  EXPECT_EQ(socket.at("rcvbuf"), 131072) << label;
  EXPECT_EQ(socket.at("user_timeout"), 3000) << label;
  EXPECT_EQ(socket.at("nodelay"), 1) << label;
}

TEST(StaticProgramTest, EverySocketOfEveryThreadAndExecdChildHasItsOptions) {
  const ProgramResult result = sockshim({"run", "-e", kTopLevel, "--", THREADED_PROGRAM_PATH, "threads", "4"});
  ASSERT_EQ(result.exit_status, 0) << result.err;
  const auto sockets = parse_probe_output(result.out);
  for (const char* label : {"listener", "thread0", "thread1", "thread2", "thread3", "accepted0", "accepted1",
                            "accepted2", "accepted3", "child", "accepted-child"}) {
    ASSERT_TRUE(sockets.count(label)) << label << "\n" << result.out;
    expect_top_level(sockets.at(label), label);
  }
}

TEST(StaticProgramTest, WithoutSockshimTheKernelDefaultsStand) {
  const ProgramResult result = run_program({THREADED_PROGRAM_PATH, "threads", "2"});
  ASSERT_EQ(result.exit_status, 0) << result.err;
  const auto sockets = parse_probe_output(result.out);
  EXPECT_EQ(sockets.at("thread0").at("keepalive"), 0);
  EXPECT_EQ(sockets.at("child").at("user_timeout"), 0);
}

TEST(StaticProgramTest, ConnectAndListenRules) {
  const ProgramResult result = sockshim({"run", "-e", kWithRules, "--", THREADED_PROGRAM_PATH, "threads", "2"});
  ASSERT_EQ(result.exit_status, 0) << result.err;
  const auto sockets = parse_probe_output(result.out);
  EXPECT_EQ(sockets.at("listener").at("idle"), 23);
  EXPECT_EQ(sockets.at("listener").at("rcvbuf"), 2 * 98304);
  EXPECT_EQ(sockets.at("accepted0").at("idle"), 23);  // the kernel's copy of the listener
  EXPECT_EQ(sockets.at("accepted0").at("rcvbuf"), 2 * 98304);
  EXPECT_EQ(sockets.at("thread0").at("idle"), 22);
  EXPECT_EQ(sockets.at("thread0").at("interval"), 7);
  EXPECT_EQ(sockets.at("thread0").at("sndbuf"), 2 * 65536);
  EXPECT_EQ(sockets.at("child").at("idle"), 22);
  EXPECT_EQ(sockets.at("child").at("user_timeout"), 3000);
}

TEST(GoProgramTest, ListenerDialedAndAcceptedConnections) {
  if (!have_go()) GTEST_SKIP() << "no Go toolchain at build time (Debian: golang-go)";
  const ProgramResult result = sockshim({"run", "-e", "tcp.nodelay = true\n" + std::string(kWithRules),
                                         "--", GOPROBE_PATH, "pair"});
  ASSERT_EQ(result.exit_status, 0) << result.err;
  const auto sockets = parse_probe_output(result.out);
  // Set before listen(): Go changes none of these on a listener.
  EXPECT_EQ(sockets.at("listener").at("keepalive"), 1);
  EXPECT_EQ(sockets.at("listener").at("idle"), 23);
  EXPECT_EQ(sockets.at("listener").at("count"), 5);
  EXPECT_EQ(sockets.at("listener").at("rcvbuf"), 2 * 98304);
  EXPECT_EQ(sockets.at("listener").at("user_timeout"), 3000);
  // Buffers and user_timeout stand on the dialed and the accepted
  // connection; Go's own keepalive (15 s idle and interval, Go 1.13+), set
  // after connect and accept, replaces the config's idle and interval.
  EXPECT_EQ(sockets.at("client").at("sndbuf"), 2 * 65536);
  EXPECT_EQ(sockets.at("client").at("user_timeout"), 3000);
  EXPECT_EQ(sockets.at("client").at("count"), 5);
  EXPECT_EQ(sockets.at("client").at("idle"), 15);
  EXPECT_EQ(sockets.at("client").at("interval"), 15);
  EXPECT_EQ(sockets.at("server").at("rcvbuf"), 2 * 98304);
  EXPECT_EQ(sockets.at("server").at("user_timeout"), 3000);
  EXPECT_EQ(sockets.at("server").at("idle"), 15);
  EXPECT_EQ(sockets.at("server").at("nodelay"), 1);
}

// With enforce, sockshim run traps Go's own keepalive calls after connect
// and accept, and the config's values stay on both ends.
TEST(GoProgramTest, EnforcedKeepaliveReplacesGosOwn) {
  if (!have_go()) GTEST_SKIP() << "no Go toolchain at build time (Debian: golang-go)";
  const std::string config = "enforce = [\"keepalive\"]\n" + std::string(kWithRules);
  for (const char* mode : {"", "own"}) {
    std::vector<std::string> args = {"run", "-e", config, "--", GOPROBE_PATH, "pair"};
    if (*mode) args.push_back(mode);
    const ProgramResult result = sockshim(args);
    ASSERT_EQ(result.exit_status, 0) << result.err;
    const auto sockets = parse_probe_output(result.out);
    for (const char* end : {"client", "server"}) {
      EXPECT_EQ(sockets.at(end).at("keepalive"), 1) << end << " " << mode;
      EXPECT_EQ(sockets.at(end).at("interval"), 7) << end << " " << mode;
      EXPECT_EQ(sockets.at(end).at("count"), 5) << end << " " << mode;
    }
    EXPECT_EQ(sockets.at("client").at("idle"), 22) << mode;  // the connect rule
    EXPECT_EQ(sockets.at("server").at("idle"), 23) << mode;  // the listen rule, through the listener
  }
}

TEST(GoProgramTest, AProgramsOwnKeepaliveStands) {
  if (!have_go()) GTEST_SKIP() << "no Go toolchain at build time (Debian: golang-go)";
  const ProgramResult result = sockshim({"run", "-e", kTopLevel, "--", GOPROBE_PATH, "pair", "own"});
  ASSERT_EQ(result.exit_status, 0) << result.err;
  const auto sockets = parse_probe_output(result.out);
  EXPECT_EQ(sockets.at("client").at("idle"), 40);
  EXPECT_EQ(sockets.at("client").at("rcvbuf"), 131072);
}

TEST(GoProgramTest, InspectShowsTheConfiguredValues) {
  if (!have_go()) GTEST_SKIP() << "no Go toolchain at build time (Debian: golang-go)";
  ChildProcess run({SOCKSHIM_CLI_PATH, "run", "-c", std::string(SOCKSHIM_EXAMPLES_DIR) + "/nat-keepalive.toml",
                    "--", GOPROBE_PATH, "hold"},
                   {});
  const HeldConnection ports = read_held_ports(run);
  ASSERT_NE(ports.client_port, 0);
  const pid_t program = first_child(run.pid());
  ASSERT_GT(program, 0);
  const ProgramResult table = sockshim({"inspect", std::to_string(program)});
  EXPECT_EQ(table.exit_status, 0) << table.err;
  // nat-keepalive.toml: idle 60, interval 10, count 3, user_timeout 90 s.
  EXPECT_THAT(table.out, ::testing::ContainsRegex("127\\.0\\.0\\.1:" + std::to_string(ports.server_port) +
                                                  " +- +LISTEN +1 +60 +10 +3 .* 90000 "));
  // The accepted connection (local port = the listener's): user_timeout and
  // count from the config, idle and interval Go's own.
  EXPECT_THAT(table.out, ::testing::ContainsRegex("127\\.0\\.0\\.1:" + std::to_string(ports.server_port) +
                                                  " +127\\.0\\.0\\.1:" + std::to_string(ports.client_port) +
                                                  " +CONN +1 +15 +15 +3 .* 90000 "));
  EXPECT_THAT(table.out, ::testing::ContainsRegex("127\\.0\\.0\\.1:" + std::to_string(ports.client_port) +
                                                  " +127\\.0\\.0\\.1:" + std::to_string(ports.server_port) +
                                                  " +CONN +1 +15 +15 +3 .* 90000 "));
  const ProgramResult finished = run.finish();
  EXPECT_EQ(finished.exit_status, 0) << finished.err;
}

TEST(SupervisedErrnoTest, ResultsAndErrnoMatchTheRunWithoutSockshim) {
  const ProgramResult plain = run_program({SOCKPROBE_PATH, "errors"});
  const ProgramResult supervised = sockshim({"run", "--supervise", "-e", kWithRules, "--", SOCKPROBE_PATH, "errors"});
  EXPECT_EQ(supervised.exit_status, plain.exit_status) << supervised.err;
  EXPECT_EQ(supervised.out, plain.out);
  EXPECT_THAT(plain.out, HasSubstr("refused result=-1 errno=ECONNREFUSED"));
  EXPECT_THAT(plain.out, HasSubstr("connect-ebadf result=-1 errno=EBADF"));
  EXPECT_THAT(plain.out, HasSubstr("listen-enotsock result=-1 errno=ENOTSOCK"));
  // Non-blocking: EINPROGRESS, or 0 when loopback completes at once.
  const ProgramResult nonblocking =
      sockshim({"run", "--supervise", "-e", kWithRules, "--", SOCKPROBE_PATH, "errors", "-n"});
  EXPECT_EQ(nonblocking.out, run_program({SOCKPROBE_PATH, "errors", "-n"}).out);
}

TEST(SupervisedSignalsTest, ExitStatusAndDeathBySignalPassThrough) {
  EXPECT_EQ(sockshim({"run", "--supervise", "--", "sh", "-c", "exit 7"}).exit_status, 7);
  EXPECT_EQ(sockshim({"run", "--supervise", "--", THREADED_PROGRAM_PATH, "idle"}).exit_status, 0);
  EXPECT_EQ(sockshim({"run", "--supervise", "--", "sh", "-c", "kill -USR1 $$"}).exit_status, 128 + SIGUSR1);
}

TEST(SupervisedSignalsTest, SigtermIsForwarded) {
  ChildProcess run({SOCKSHIM_CLI_PATH, "run", "--supervise", "--", "sh", "-c",
                    "trap 'echo got TERM; exit 42' TERM; echo ready; while :; do sleep 0.05; done"},
                   {});
  ASSERT_EQ(run.read_line(kEventuallyMs), "ready");
  kill(run.pid(), SIGTERM);
  const ProgramResult result = run.finish(static_cast<int>(kEventually.count()));
  EXPECT_EQ(result.exit_status, 42) << result.err;
  EXPECT_THAT(result.out, HasSubstr("got TERM"));
}

TEST(SupervisedSignalsTest, AsPid1InANewPidNamespaceOrphansAreReaped) {
  if (geteuid() != 0) GTEST_SKIP() << "a new PID namespace needs root";
  // The shell leaves two orphans; the last of them ends after the shell.
  // Unreaped, their zombies would keep the supervisor waiting for ever.
  const ProgramResult result = run_program(
      {"timeout", "60", "unshare", "-fp", "--mount-proc", SOCKSHIM_CLI_PATH, "run", "--supervise", "--", "sh", "-c",
       "(sleep 0.3; echo late orphan) & (sleep 0.1) & echo pid $$; exit 3"});
  if (result.err.find("unshare failed") != std::string::npos) GTEST_SKIP() << result.err;
  EXPECT_EQ(result.exit_status, 3) << result.err;
  EXPECT_THAT(result.out, HasSubstr("pid 2\n"));  // the program runs as PID 2, under sockshim as PID 1
  EXPECT_THAT(result.out, HasSubstr("late orphan"));
}

TEST(SupervisorDeathTest, TheProgramDiesWithTheSupervisor) {
  // The program would run ten times as long as the test waits for it to end.
  ChildProcess run({SOCKSHIM_CLI_PATH, "run", "--supervise", "-e", kTopLevel, "--", "sh", "-c",
                    "echo ready; exec sleep " + std::to_string(10 * kEventually.count())},
                   {});
  ASSERT_EQ(run.read_line(kEventuallyMs), "ready");
  const pid_t program = first_child(run.pid());
  ASSERT_GT(program, 0);
  kill(run.pid(), SIGKILL);
  // Not longer: the program holds the output pipes open while it lives.
  run.finish(5);
  const bool gone = eventually([&] {
    std::ifstream stat("/proc/" + std::to_string(program) + "/stat");
    std::string text;
    std::getline(stat, text);
    // Gone, or a zombie waiting for whoever inherited it.
    return text.empty() || text.find(") Z ") != std::string::npos;
  });
  EXPECT_TRUE(gone) << "the program outlived its supervisor";
  if (!gone) kill(program, SIGKILL);
}

TEST(SupervisorUnavailableTest, NonDumpableProgramWithoutPtraceRightsIsStoppedWithOneLine) {
  if (geteuid() != 0) GTEST_SKIP() << "dropping CAP_SYS_PTRACE from root's bounding set needs root";
  if (!has_effective_capability(CAP_SYS_PTRACE)) GTEST_SKIP() << "needs CAP_SYS_PTRACE, which this process lacks";
  if (!setpriv_accepts({"--bounding-set", "-sys_ptrace"})) {
    GTEST_SKIP() << "needs util-linux's setpriv (--bounding-set); /usr/bin/setpriv lacks it or is missing";
  }
  // With CAP_SYS_PTRACE (root) the copy of a non-dumpable program's socket works.
  const ProgramResult allowed = sockshim({"run", "-e", kTopLevel, "--", THREADED_PROGRAM_PATH, "undumpable"});
  EXPECT_EQ(allowed.exit_status, 0) << allowed.err;
  EXPECT_THAT(allowed.out, HasSubstr("undumpable keepalive=1 idle=21"));
  // Without it, the program is stopped before its connect runs unconfigured.
  const ProgramResult refused = run_program({"/usr/bin/setpriv", "--bounding-set", "-sys_ptrace", "--", SOCKSHIM_CLI_PATH,
                                             "run", "-e", kTopLevel, "--", THREADED_PROGRAM_PATH, "undumpable"});
  EXPECT_EQ(refused.exit_status, 1);
  EXPECT_EQ(refused.out, "");
  EXPECT_THAT(refused.err, HasSubstr("sockshim run: pidfd_getfd on process"));
  EXPECT_THAT(refused.err, HasSubstr("non-dumpable"));
  EXPECT_THAT(refused.err, HasSubstr("CAP_SYS_PTRACE"));
  EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1) << refused.err;
}

TEST(SupervisorUnavailableTest, AcceptRulesAreRefusedBeforeTheProgramStarts) {
  const ProgramResult result = sockshim(
      {"run", "-e", "[[rule]]\nname = \"peers\"\nmatch = { direction = \"accept\" }\nkeepalive.idle = 5\n", "--",
       THREADED_PROGRAM_PATH, "threads", "1"});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_THAT(result.err, HasSubstr("rule[1] \"peers\" has direction = \"accept\""));
  const ProgramResult by_peer = sockshim(
      {"run", "-e", "[[rule]]\nname = \"lan\"\nmatch = { remote = [\"10.0.0.0/8\"] }\nkeepalive.idle = 5\n", "--",
       THREADED_PROGRAM_PATH, "threads", "1"});
  EXPECT_EQ(by_peer.exit_status, 1);
  EXPECT_EQ(by_peer.out, "");
  EXPECT_THAT(by_peer.err, HasSubstr("rule[1] \"lan\" has direction \"any\" with a remote or local address"));
}

}  // namespace
}  // namespace sockshim::testing

namespace sockshim::testing {
namespace {

TEST(SupervisorUnavailableTest, SeccompHiddenByAProfileGivesOneLineAndNoProgram) {
  const ProgramResult result = run_program({SECCOMP_HELPER_PATH, "deny-seccomp", SOCKSHIM_CLI_PATH, "run", "-e",
                                            kTopLevel, "--", THREADED_PROGRAM_PATH, "threads", "1"});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_THAT(result.err, HasSubstr("sockshim run: this kernel has no seccomp system call (or a seccomp profile "
                                    "hides it)"));
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

TEST(SupervisorUnavailableTest, AnExistingListenerGivesOneLineAndNoProgram) {
  const ProgramResult result = run_program({SECCOMP_HELPER_PATH, "hold-listener", SOCKSHIM_CLI_PATH, "run", "-e",
                                            kTopLevel, "--", THREADED_PROGRAM_PATH, "threads", "1"});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_THAT(result.err, HasSubstr("already runs under a seccomp filter with a listener"));
  EXPECT_THAT(result.err, HasSubstr("(EBUSY)"));
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

// The supervisor makes an event's writes in one batch (with io_uring where
// it can), before it lets connect() and listen() run: a 4 KiB receive
// buffer is in place at the SYN, so the window scale offered is 0. With
// five options, the writes are one batch where io_uring is allowed.
TEST(SupervisedWindowScaleTest, ReceiveBufferIsSetBeforeTheSynWithAndWithoutIoUring) {
  SKIP_WITHOUT_PROGRAM("ss", "iproute2");
  const std::string config = "buffers.receive = 4096\nkeepalive = { idle = 21, interval = 7, count = 5 }\n";
  for (const bool io_uring : {true, false}) {
    std::vector<std::string> argv = {SOCKSHIM_CLI_PATH, "run", "--supervise", "-e", config, "--", SOCKPROBE_PATH, "hold"};
    if (!io_uring) argv.insert(argv.begin(), {SECCOMP_HELPER_PATH, "deny-io-uring"});
    ChildProcess supervised(argv, {});
    const HeldConnection ports = read_held_ports(supervised);
    ASSERT_NE(ports.client_port, 0) << (io_uring ? "with" : "without") << " io_uring";
    EXPECT_EQ(receive_window_scale(ports.client_port), 0) << "client, io_uring " << io_uring;
    EXPECT_EQ(receive_window_scale(ports.server_port), 0) << "accepted, io_uring " << io_uring;
    supervised.finish();
  }
}

// The supervisor reads and writes several options with one io_uring system
// call where it can; a profile that refuses io_uring (Docker's default
// does) leaves it its plain calls, with the same result.
TEST(SupervisorWithoutIoUringTest, OptionsAreSetAndAProgramsOwnValueStandsWithPlainCalls) {
  const ProgramResult result = run_program({SECCOMP_HELPER_PATH, "deny-io-uring", SOCKSHIM_CLI_PATH, "run", "-e",
                                            kTopLevel, "--", THREADED_PROGRAM_PATH, "threads", "2"});
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.err, "");
  const auto sockets = parse_probe_output(result.out);
  for (const char* label : {"listener", "thread0", "thread1", "accepted0", "accepted1", "child"}) {
    ASSERT_TRUE(sockets.count(label)) << label << "\n" << result.out;
    expect_top_level(sockets.at(label), label);
  }
  const ProgramResult own = run_program({SECCOMP_HELPER_PATH, "deny-io-uring", SOCKSHIM_CLI_PATH, "run", "-e",
                                         kTopLevel, "--", THREADED_PROGRAM_PATH, "own"});
  ASSERT_EQ(own.exit_status, 0) << own.err;
  const auto own_sockets = parse_probe_output(own.out);
  ASSERT_TRUE(own_sockets.count("own")) << own.out;
  EXPECT_EQ(own_sockets.at("own").at("rcvbuf"), 8192);  // its SO_RCVBUF 4096 before connect
  EXPECT_EQ(own_sockets.at("own").at("idle"), 21);
}

}  // namespace
}  // namespace sockshim::testing

namespace sockshim::testing {
namespace {

TEST(SupervisorDoctorTest, SaysWhetherSupervisionWorksAndWhatHappensInstead) {
  const ProgramResult here = sockshim({"doctor"});
  EXPECT_THAT(here.out, HasSubstr("seccomp user notification: available"));
  const ProgramResult hidden = run_program({SECCOMP_HELPER_PATH, "deny-seccomp", SOCKSHIM_CLI_PATH, "doctor"});
  EXPECT_THAT(hidden.out, HasSubstr("seccomp user notification: UNAVAILABLE: this kernel has no seccomp system call"));
  EXPECT_THAT(hidden.out, HasSubstr("sockshim run refuses static\n  and Go programs"));
}

TEST(StaticProgramTest, SsSeesTheKeepaliveTimerOfTheConfig) {
  SKIP_WITHOUT_PROGRAM("ss", "iproute2");
  // ss reads the kernel's socket from outside: the keepalive timer of an
  // idle connection counts down from the configured idle time.
  ChildProcess run({SOCKSHIM_CLI_PATH, "run", "--supervise", "-e", "keepalive = { idle = 600, interval = 7 }\n",
                    "--", SOCKPROBE_PATH, "hold"},
                   {});
  const HeldConnection ports = read_held_ports(run);
  ASSERT_NE(ports.client_port, 0);
  const ProgramResult ss = run_program({"ss", "-tieon", "state", "established", "( sport = :" +
                                                                               std::to_string(ports.client_port) + " )"});
  EXPECT_THAT(ss.out, ::testing::ContainsRegex("timer:\\(keepalive,(9m|10min)"));
  run.finish();
}

}  // namespace
}  // namespace sockshim::testing
