// SPDX-License-Identifier: Apache-2.0
// The sockshim command, driven as a user would, against real processes.
#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/probe_output.h"
#include "tests/support/scratch_dir.h"

namespace sockshim::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string example(const std::string& name) { return std::string(SOCKSHIM_EXAMPLES_DIR) + "/" + name; }

ProgramResult sockshim(std::vector<std::string> args, const Environment& environment = {}) {
  args.insert(args.begin(), SOCKSHIM_CLI_PATH);
  return run_program(args, environment);
}

std::string write_config(const std::string& name, const std::string& text) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// The library that doctor reports, and run gives a program, of this build's libc: the portable build comes
// first for glibc when scripts/common.sh has built it.
std::string doctor_library() {
#if defined(__GLIBC__)
  const std::string portable = std::string(SOCKSHIM_SOURCE_DIR) + "/build-portable/shim/libsockshim.so";
  if (access(portable.c_str(), R_OK) == 0) return portable;
#endif
  return shim_library_path();
}

TEST(CheckTest, EveryExampleIsValid) {
  for (const char* name : {"nat-keepalive.toml", "bulk-transfer.toml", "per-destination.toml", "marking-and-enforce.toml"}) {
    const ProgramResult result = sockshim({"check", example(name)});
    EXPECT_EQ(result.exit_status, 0) << name << result.err;
    EXPECT_THAT(result.out, HasSubstr(example(name) + ": valid"));
  }
}

TEST(CheckTest, MisspeltKeyIsReportedWithItsLineAndExit1) {
  const std::string path = write_config("misspelt.toml", "[keepalive]\nidle = 30\nintreval = 5\n");
  const ProgramResult result = sockshim({"check", path});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, path + ":3:1: keepalive.intreval: unknown key \"intreval\"; did you mean \"interval\"?\n");
}

TEST(CheckTest, EffectiveSettingsAndDetectionTimes) {
  const ProgramResult result = sockshim({"check", example("nat-keepalive.toml")});
  EXPECT_THAT(result.out, HasSubstr("keepalive.idle 60 s, keepalive.interval 10 s, keepalive.count 3"));
  // idle 60 s + interval 10 s x count 3, ended at the first tick after user_timeout 90 s.
  EXPECT_THAT(result.out, HasSubstr("idle dead peer: noticed after 90 s"));
  EXPECT_THAT(result.out, HasSubstr("dead peer with data in flight: noticed after 90 s (user_timeout)"));
  EXPECT_THAT(result.out, Not(HasSubstr("warning")));

  const ProgramResult rules = sockshim({"check", example("per-destination.toml")});
  EXPECT_THAT(rules.out, HasSubstr("rule[1] \"database\": connect remote 10.0.0.0/8, fd00::/8 port 5432, 6379-6380 tcp"));
  EXPECT_THAT(rules.out, HasSubstr("idle dead peer: noticed after 240 s (4.0 min) (idle 120 + interval 30 x count 4)"));
}

TEST(CheckTest, CountsRulesPrefixesAndTheCompiledSize) {
  const std::string path = write_config(
      "counts.toml",
      "[[rule]]\nmatch = { direction = \"connect\", remote = [\"10.0.0.0/8\", \"fd00::/8\"], port = [5432, \"6379-6380\"] }\n"
      "keepalive.idle = 5\n"
      "[[rule]]\nmatch = { direction = \"listen\", local = \"127.0.0.1\" }\nkeepalive.idle = 6\n");
  const ProgramResult result = sockshim({"check", path});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr(": valid, 2 rules\n3 address prefixes, 2 port ranges; compiled for matching: "));
  EXPECT_THAT(result.out, HasSubstr(" KiB\n"));
}

// Ten thousand mistakes are reported as twenty and a count, not as ten
// thousand lines.
TEST(CheckTest, ManyErrorsGiveTheFirstTwentyAndACount) {
  std::string text = "[keepalive]\n";
  for (int i = 0; i < 10000; ++i) text += "unknown" + std::to_string(i) + " = 1\n";
  const std::string path = write_config("many-errors.toml", text);
  const ProgramResult result = sockshim({"check", path});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.out, "");
  std::istringstream lines(result.err);
  std::vector<std::string> printed;
  for (std::string line; std::getline(lines, line);) printed.push_back(line);
  ASSERT_EQ(printed.size(), 21u) << result.err.substr(0, 2000);
  EXPECT_THAT(printed[0], HasSubstr(path + ":2:1: keepalive.unknown0: unknown key"));
  EXPECT_EQ(printed[20], path + ": and 9980 more errors (10000 in all; the first 20 are shown)");
}

TEST(CheckTest, TooManyRulesIsAnError) {
  std::string text;
  for (int i = 0; i < 1001; ++i) text += "[[rule]]\n";
  const std::string path = write_config("too-many-rules.toml", text);
  const ProgramResult result = sockshim({"check", path});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.err, path + ":1001:1: rule[1001]: too many rules: 1001 in the config, at most 1000 (merge rules "
                               "that set the same options: a rule's match.remote, match.local and match.port take "
                               "lists)\n");
}

// The largest config accepted is described in a bounded number of lines.
TEST(CheckTest, AHugeValidConfigDescribesTheFirstHundredRules) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "[[rule]]\nmatch.port = " + std::to_string(1000 + i) + "\nkeepalive.idle = 30\n";
  const std::string path = write_config("largest.toml", text);
  const ProgramResult result = sockshim({"check", path, "--nat-timeout", "10"});
  ASSERT_EQ(result.exit_status, 0) << result.err;
  ASSERT_LT(result.out.size(), 200000u) << "not bounded";
  EXPECT_THAT(result.out, HasSubstr(": valid, 1000 rules\n"));
  EXPECT_THAT(result.out, HasSubstr("\nrule[100] \"rule[100]\": "));
  EXPECT_THAT(result.out, Not(HasSubstr("\nrule[101] \"")));
  EXPECT_THAT(result.out, HasSubstr("\nrule[101] to rule[1000]: 900 more rules, valid, not described (at most 100 are)\n"));
  EXPECT_THAT(result.out, HasSubstr("\n    and 901 more\n"));
  EXPECT_LT(std::count(result.out.begin(), result.out.end(), '\n'), 2000);
}

// The file's size is what reading it gives: a /proc file says 0 to stat.
TEST(CheckTest, AProcFileIsReadToItsEnd) {
  const ProgramResult result = sockshim({"check", "/proc/self/cmdline"});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_THAT(result.err, Not(HasSubstr("is empty")));
  EXPECT_THAT(result.err, HasSubstr("/proc/self/cmdline:1:"));
}

TEST(CheckTest, Warnings) {
  const std::string path = write_config(
      "warnings.toml", "keepalive = { idle = 900 }\nbuffers.receive = \"1GiB\"\n");
  const ProgramResult result = sockshim({"check", path});
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_THAT(result.out, HasSubstr("warning: buffers.receive 1 GiB is above net.core.rmem_max"));
  EXPECT_THAT(result.out, HasSubstr("the kernel will clamp it to"));
  EXPECT_THAT(result.out, HasSubstr("warning: keepalive.idle 900 s is longer than the idle timeout of: "
                                    "Azure load balancer (4 min), AWS NLB (350 s), GCP load balancer (10 min)"));
  EXPECT_THAT(result.out, HasSubstr("warning: keepalive without tcp.user_timeout"));
}

TEST(CheckTest, WithoutAFileChecksWhatTheLibraryWouldLoad) {
  const std::string path = write_config("from-environment.toml", "keepalive.idle = 30\n");
  const ProgramResult inline_wins = sockshim(
      {"check"}, {{"SOCKSHIM_CONFIG_TOML", "keepalive.idle = 40\n"}, {"SOCKSHIM_CONFIG", path}});
  EXPECT_EQ(inline_wins.exit_status, 0) << inline_wins.err;
  EXPECT_THAT(inline_wins.out, HasSubstr("SOCKSHIM_CONFIG_TOML: valid, 0 rules"));
  EXPECT_THAT(inline_wins.out, HasSubstr("keepalive.idle 40 s"));

  const ProgramResult from_path = sockshim({"check"}, {{"SOCKSHIM_CONFIG", path}});
  EXPECT_EQ(from_path.exit_status, 0) << from_path.err;
  EXPECT_THAT(from_path.out, HasSubstr(path + ": valid, 0 rules"));

  const ProgramResult bad = sockshim({"check"}, {{"SOCKSHIM_CONFIG_TOML", "keepalive.idle = 0\n"}});
  EXPECT_EQ(bad.exit_status, 1);
  EXPECT_THAT(bad.err, HasSubstr("SOCKSHIM_CONFIG_TOML:1:18: keepalive.idle:"));

  if (access("/etc/sockshim.toml", F_OK) == 0) GTEST_SKIP() << "/etc/sockshim.toml exists here";
  const ProgramResult none = sockshim({"check"});
  EXPECT_EQ(none.exit_status, 1);
  EXPECT_THAT(none.err, HasSubstr("no config"));
}

// Root refuses a config that others can write: check must refuse it with the
// library's own message, or it would call valid what the library ignores.
TEST(CheckTest, RefusesAGroupWritableFileAsRootWithTheLibrarysMessage) {
  if (geteuid() != 0) GTEST_SKIP() << "the refusal applies to root only";
  const std::string path = write_config("group-writable.toml", "keepalive.idle = 30\n");
  chmod(path.c_str(), 0664);
  const std::string message =
      path + ": is writable by group or others; refusing it while running as root (chmod go-w)";
  const ProgramResult checked = sockshim({"check", path});
  EXPECT_EQ(checked.exit_status, 1);
  EXPECT_EQ(checked.out, "");
  EXPECT_EQ(checked.err, message + "\n");
  const ProgramResult from_environment = sockshim({"check"}, {{"SOCKSHIM_CONFIG", path}});
  EXPECT_EQ(from_environment.exit_status, 1);
  EXPECT_EQ(from_environment.err, message + "\n");
  const ProgramResult library =
      run_program({SOCKPROBE_PATH, "fresh"}, {{"LD_PRELOAD", shim_library_path()}, {"SOCKSHIM_CONFIG", path}});
  EXPECT_THAT(library.err, HasSubstr(": error: " + message + "; running without sockshim\n"));
}

TEST(CheckTest, NatTimeoutSaysWhichSectionsKeepIdleConnectionsAlive) {
  const std::string path = write_config("nat-timeout.toml", R"(
keepalive = { idle = 60, interval = 10, count = 3 }
[[rule]]
name = "database"
match = { port = 5432 }
keepalive = { idle = 400 }
[[rule]]
name = "batch"
match = { port = 9000 }
keepalive = { enabled = false }
)");
  const ProgramResult result = sockshim({"check", path, "--nat-timeout", "350"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("idle connection through a middlebox that forgets after 350 s: kept alive "
                                    "(a keepalive probe after 60 s of silence; survives 2 lost probes in a row)"));
  EXPECT_THAT(result.out, HasSubstr("behind a middlebox that forgets idle connections after 350 s:\n"
                                    "  idle connections would be forgotten under:\n"
                                    "    rule[1] \"database\": forgotten (the first keepalive probe comes after "
                                    "400 s (6.7 min) of silence, the middlebox forgets after 350 s (5.8 min))\n"
                                    "    rule[2] \"batch\": forgotten (keepalive is off)\n"));
  EXPECT_THAT(result.out, Not(HasSubstr("top level: forgotten")));

  // The same config behind a middlebox that waits 10 minutes; durations as in the config.
  const ProgramResult patient = sockshim({"check", "--nat-timeout", "10m", path});
  EXPECT_THAT(patient.out, HasSubstr("after 600 s:\n  idle connections would be forgotten under:\n"
                                     "    rule[2] \"batch\": forgotten (keepalive is off)\n"));
  EXPECT_THAT(sockshim({"check", path, "--nat-timeout", "1000000"}).out, HasSubstr("after 1000000 s:\n"));
  EXPECT_THAT(sockshim({"check", path, "--nat-timeout", "90000ms"}).out, HasSubstr("after 90 s:\n"));
  EXPECT_EQ(sockshim({"check", path, "--nat-timeout"}).exit_status, 2);
}

// Each refused --nat-timeout says what is wrong with it, not just that it is wrong.
TEST(CheckTest, NatTimeoutRefusalsSayWhy) {
  const std::string path = write_config("nat-timeout-refused.toml", "keepalive.idle = 60\n");
  const std::string not_a_duration =
      "not a duration: whole seconds, or a number with a unit of ms, s, m or h (350, 350s, 4m)";
  const std::pair<const char*, std::string> cases[] = {
      {"0", "must be above 0"},
      {"0s", "must be above 0"},
      {"0m", "must be above 0"},
      {"-5", "must be above 0"},
      {"-5m", "must be above 0"},
      {"1000001", "is too long: at most 1000000 s"},
      {"278h", "is too long: at most 1000000 s"},
      {"99999999999999999999", "is too long: at most 1000000 s"},
      {"99999999999999999999m", "is too long: at most 1000000 s"},
      {"1500ms", "not a whole number of seconds"},
      {"500ms", "not a whole number of seconds"},
      {"1.5s", not_a_duration},
      {"soon", not_a_duration},
      {"5 minutes", not_a_duration},
      {"", not_a_duration},
  };
  for (const auto& [bad, why] : cases) {
    const ProgramResult refused = sockshim({"check", path, "--nat-timeout", bad});
    EXPECT_EQ(refused.exit_status, 2) << bad;
    EXPECT_EQ(refused.err, "sockshim check: --nat-timeout \"" + std::string(bad) + "\": " + why + "\n");
    EXPECT_EQ(refused.out, "") << bad;
  }
}

// The overview in `sockshim --help` shows FILE as optional, as the
// command's own usage line and its behaviour (no FILE: the library's config) do.
TEST(CheckTest, OverviewShowsTheFileAsOptional) {
  const ProgramResult overview = sockshim({"--help"});
  EXPECT_THAT(sockshim({"check", "--help"}).out, HasSubstr("usage: sockshim check [FILE]"));
  EXPECT_THAT(overview.out, HasSubstr("\n  check [FILE] "));
  EXPECT_THAT(overview.out, Not(HasSubstr("\n  check FILE ")));
}

TEST(CheckTest, UsageErrorsExit2) {
  EXPECT_EQ(sockshim({"check", "a.toml", "b.toml"}).exit_status, 2);
  EXPECT_EQ(sockshim({"check", "--no-such-option"}).exit_status, 2);
  EXPECT_EQ(sockshim({"nonsense"}).exit_status, 2);
  EXPECT_EQ(sockshim({}).exit_status, 2);
  for (const char* command : {"check", "explain", "run", "inspect", "doctor"}) {
    const ProgramResult help = sockshim({command, "--help"});
    EXPECT_EQ(help.exit_status, 0) << command;
    EXPECT_THAT(help.out, HasSubstr("usage: sockshim " + std::string(command)));
    EXPECT_THAT(help.out, HasSubstr("Exit status"));
  }
}

TEST(ExplainTest, ConnectShowsMatchingRulesAndWhereEachValueComesFrom) {
  const ProgramResult result =
      sockshim({"explain", example("per-destination.toml"), "--connect", "10.1.2.3:6379"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("rule[1] \"database\""));
  EXPECT_THAT(result.out, HasSubstr("TCP_KEEPIDLE      5 s        from rule[1] \"database\" (keepalive.idle)"));
  EXPECT_THAT(result.out, HasSubstr("SO_RCVBUF         1 MiB      from rule[1] \"database\" (buffers.receive)"));
  EXPECT_THAT(result.out, HasSubstr("not set: SO_SNDBUF, TCP_NODELAY"));

  const ProgramResult elsewhere =
      sockshim({"explain", example("per-destination.toml"), "--connect", "[2001:db8::1]:6379"});
  EXPECT_THAT(elsewhere.out, HasSubstr("(none)"));
  EXPECT_THAT(elsewhere.out, HasSubstr("TCP_KEEPIDLE      120 s      from top level (keepalive.idle)"));
}

TEST(ExplainTest, ListenWithProgram) {
  const ProgramResult result = sockshim(
      {"explain", example("per-destination.toml"), "--listen", ":8080", "--program", "java"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("rule[2] \"public listener\""));
  EXPECT_THAT(result.out, HasSubstr("rule[4] \"jvm\""));
  EXPECT_THAT(result.out, HasSubstr("TCP_KEEPIDLE      60 s       from rule[4] \"jvm\""));
  EXPECT_THAT(result.out, HasSubstr("TCP_KEEPINTVL     30 s       from top level"));
  const ProgramResult other = sockshim({"explain", example("per-destination.toml"), "--listen", ":8080"});
  EXPECT_THAT(other.out, Not(HasSubstr("\"jvm\"")));
}

TEST(ExplainTest, BadConfigAndBadAddress) {
  const std::string path = write_config("bad-explain.toml", "keepalive.count = 0\n");
  EXPECT_EQ(sockshim({"explain", path, "--connect", "10.0.0.1:1"}).exit_status, 1);
  EXPECT_EQ(sockshim({"explain", example("nat-keepalive.toml"), "--connect", "10.0.0.1:99999"}).exit_status, 1);
  EXPECT_EQ(sockshim({"explain", example("nat-keepalive.toml")}).exit_status, 2);
}

TEST(RunTest, AppliesTheConfigToAProgramOfThisLibc) {
  const ProgramResult result =
      sockshim({"run", "-c", example("nat-keepalive.toml"), "--", SOCKPROBE_PATH, "pair"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("client keepalive=1 idle=60 interval=10 count=3"));
  const ProgramResult inline_toml =
      sockshim({"run", "-e", "keepalive.idle = 33", "--", SOCKPROBE_PATH, "pair"});
  EXPECT_THAT(inline_toml.out, HasSubstr("client keepalive=1 idle=33"));
}

// Another preload already in LD_PRELOAD stays, in front of the shim: both
// act on the program, and the shim is never listed twice, whichever
// separator (space or colon) the list uses.
TEST(RunTest, KeepsAnExistingPreload) {
  const std::string stacked = STACKED_PRELOAD_PATH;
  const ProgramResult both = sockshim({"run", "-e", "keepalive = { idle = 34, count = 3 }", "--",
                                       HOSTILE_PROGRAM_PATH, "connect-twice"},
                                      {{"LD_PRELOAD", stacked}});
  EXPECT_EQ(both.exit_status, 0) << both.err;
  const auto reports = parse_probe_output(both.out);
  EXPECT_EQ(reports.at("client").at("idle"), 77);  // the other preload is outer
  EXPECT_EQ(reports.at("client").at("count"), 3);  // and the shim is in
  EXPECT_THAT(both.err, HasSubstr("stacked sockets=4 connects=2\n"));

  const std::string sh = find_in_path("sh");
  if (!has_dynamic_loader(sh)) GTEST_SKIP() << sh << " is statically linked: no preload list to extend";
  const std::string echo = "echo \"$LD_PRELOAD\"";
  const ProgramResult added =
      sockshim({"run", "-e", "keepalive.idle = 34", "--", "sh", "-c", echo}, {{"LD_PRELOAD", "/a/x.so:/b/y.so"}});
  EXPECT_THAT(added.out, ::testing::MatchesRegex("/a/x\\.so:/b/y\\.so /.*/libsockshim\\.so\n"));
#if !defined(__GLIBC__)
  // This sockshim command, a musl program, would itself load the glibc
  // build that sh needs listed; the list is handled alike on both libcs.
  GTEST_SKIP() << "the glibc matrix checks a list that already names the library";
#endif
  const std::string glibc_shim = doctor_library();
  const std::string listed = "/a/x.so:" + glibc_shim + " /b/y.so";
  const ProgramResult kept = sockshim({"run", "-e", "keepalive.idle = 34", "--", "sh", "-c", echo},
                                      {{"LD_PRELOAD", listed}, {"SOCKSHIM_GLIBC_LIBRARY", glibc_shim}});
  EXPECT_EQ(kept.out, listed + "\n");
}

TEST(RunTest, PicksTheMuslOrGlibcBuildFromTheProgram) {
  const char* other_library = std::getenv("SOCKSHIM_OTHER_LIBC_LIBRARY");
  if (!other_library || !*other_library) {
    GTEST_SKIP() << "SOCKSHIM_OTHER_LIBC_LIBRARY is not set: no build for the other libc here (scripts/test sets it "
                    "on the host; a container holds one libc)";
  }
  // The other build's tree: .../shim/libsockshim.so -> .../tests/sockprobe.
  std::string other_tree = other_library;
  other_tree = other_tree.substr(0, other_tree.rfind("/shim/"));
  const std::string other_probe = other_tree + "/tests/sockprobe";
  ASSERT_EQ(access(other_probe.c_str(), X_OK), 0) << other_probe;
#if defined(__GLIBC__)
  const Environment environment = {{"SOCKSHIM_MUSL_LIBRARY", other_library}};
#else
  const Environment environment = {{"SOCKSHIM_GLIBC_LIBRARY", other_library}};
#endif
  for (const std::string& probe : {std::string(SOCKPROBE_PATH), other_probe}) {
    const ProgramResult result =
        sockshim({"run", "-e", "keepalive.idle = 35", "--", probe, "pair"}, environment);
    EXPECT_EQ(result.exit_status, 0) << probe << result.err;
    EXPECT_THAT(result.out, HasSubstr("client keepalive=1 idle=35")) << probe;
  }
}

TEST(RunTest, GoAndStaticProgramsRunUnderTheSupervisor) {
  // No preload reaches them; the supervisor runs them (tests/supervisor
  // checks their sockets) and passes their exit status on.
  const ProgramResult go = sockshim({"run", "-e", "keepalive.idle = 30", "--", FAKE_GO_PROGRAM_PATH});
  EXPECT_EQ(go.exit_status, 0) << go.err;
  EXPECT_EQ(go.err, "");
  const ProgramResult static_binary = sockshim({"run", "-e", "keepalive.idle = 30", "--", STATIC_PROGRAM_PATH});
  EXPECT_EQ(static_binary.exit_status, 0) << static_binary.err;
  EXPECT_EQ(static_binary.err, "");
}

// For a glibc program, the portable build (glibc 2.17 and later) comes
// before the one built for this machine's glibc.
TEST(RunTest, PrefersThePortableGlibcBuild) {
  const std::string portable = std::string(SOCKSHIM_SOURCE_DIR) + "/build-portable/shim/libsockshim.so";
  if (access(portable.c_str(), R_OK) != 0) {
    GTEST_SKIP() << "no " << portable << " (scripts/common.sh: build_portable; scripts/test builds it)";
  }
  const ProgramResult result =
      sockshim({"run", "-e", "keepalive.idle = 36", "--", "sh", "-c", "echo \"$LD_PRELOAD\""});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.out, portable + "\n");
}

TEST(RunTest, RefusesWhatNeitherEngineCanRun) {
  const ProgramResult missing = sockshim({"run", "--", "/nonexistent/program"});
  EXPECT_EQ(missing.exit_status, 127);
  EXPECT_EQ(missing.err, "sockshim run: /nonexistent/program: No such file or directory\n");
  const ProgramResult bad_config = sockshim({"run", "-e", "keepalive.count = 0", "--", SOCKPROBE_PATH, "pair"});
  EXPECT_EQ(bad_config.exit_status, 1);
  EXPECT_THAT(bad_config.err, HasSubstr("SOCKSHIM_CONFIG_TOML:1:19: keepalive.count"));
  EXPECT_EQ(bad_config.out, "");
}

// A fresh directory for the files of one test.
std::string scratch_directory(const std::string& name) {
  const std::string path = scratch_dir() + "/" + name;
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  return path;
}

void write_file(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  ASSERT_EQ(chmod(path.c_str(), mode), 0) << path;
}

// Both ways run starts a program: the preload's exec, and the supervisor's
// child.
const std::vector<std::vector<std::string>> kRunModes = {{"run", "-e", "keepalive.idle = 30", "--"},
                                                          {"run", "--supervise", "-e", "keepalive.idle = 30", "--"}};

std::vector<std::string> run_args(const std::vector<std::string>& mode, const std::vector<std::string>& program) {
  std::vector<std::string> args = mode;
  args.insert(args.end(), program.begin(), program.end());
  return args;
}

// A file that is there but cannot be run is not reported as missing: the
// reason is a shell's (bash 5.2), and so is the exit status, 126 when the
// file cannot be executed and 127 when it, or a file it needs, is missing.
TEST(RunTest, SaysWhyAProgramCannotStartAsAShellDoes) {
  const std::string dir = scratch_directory("run-refusals");
  write_file(dir + "/not-executable", "#!/bin/sh\necho ran\n", 0644);
  std::filesystem::create_directory(dir + "/directory");
  write_file(dir + "/missing-interpreter", "#!/nonexistent/interpreter\necho ran\n", 0755);
  const std::pair<std::string, std::pair<int, std::string>> cases[] = {
      {dir + "/not-executable", {126, dir + "/not-executable: Permission denied"}},
      {dir + "/directory", {126, dir + "/directory: Is a directory"}},
      {dir + "/missing-interpreter",
       {127, dir + "/missing-interpreter: cannot execute: required file not found (its #! line names "
                   "/nonexistent/interpreter)"}},
      {dir + "/absent", {127, dir + "/absent: No such file or directory"}},
      {"no-such-program-here", {127, "no-such-program-here: command not found"}},
  };
  for (const std::vector<std::string>& mode : kRunModes) {
    for (const auto& [program, expected] : cases) {
      const ProgramResult result = sockshim(run_args(mode, {program}), {{"PATH", dir + ":/usr/bin:/bin"}});
      EXPECT_EQ(result.exit_status, expected.first) << mode[1] << " " << program;
      EXPECT_EQ(result.err, "sockshim run: " + expected.second + "\n") << mode[1];
      EXPECT_EQ(result.out, "") << mode[1] << " " << program;
    }
  }
}

// As execvp does, a file with neither an ELF header nor #! runs as
// "/bin/sh FILE ARGS", with the preload of /bin/sh's libc.
TEST(RunTest, RunsAFileWithoutHashBangThroughBinSh) {
  const std::string dir = scratch_directory("run-through-sh");
  const std::string script = dir + "/no-hash-bang";
  write_file(script, "echo \"ran as $0 with $1\"\necho \"$LD_PRELOAD\" >&2\nexit 3\n", 0755);
  for (const std::vector<std::string>& mode : kRunModes) {
    const ProgramResult result = sockshim(run_args(mode, {script, "x"}));
    EXPECT_EQ(result.exit_status, 3) << mode[1] << result.err;
    EXPECT_EQ(result.out, "ran as " + script + " with x\n") << mode[1];
    if (mode[1] != "--supervise" && has_dynamic_loader("/bin/sh")) {
      EXPECT_THAT(result.err, HasSubstr("libsockshim.so\n"));
    }
  }
}

// PATH is searched as execvp searches it: an entry that cannot be executed
// (no permission, a directory, a missing #! interpreter) is passed over for
// a later one; with none to run, EACCES is what is reported.
TEST(RunTest, SearchesPathAsExecvpDoes) {
  const std::string dir = scratch_directory("run-path-search");
  for (const char* sub : {"/refused", "/directory/tool", "/broken", "/good"}) {
    std::filesystem::create_directories(dir + sub);
  }
  write_file(dir + "/refused/tool", "#!/bin/sh\necho refused\n", 0644);
  write_file(dir + "/broken/tool", "#!/nonexistent/interpreter\necho broken\n", 0755);
  write_file(dir + "/good/tool", "#!/bin/sh\necho \"good $*\"\n", 0755);
  const std::string refused_first = dir + "/refused:" + dir + "/directory:" + dir + "/broken:" + dir + "/good";
  for (const std::vector<std::string>& mode : kRunModes) {
    const ProgramResult found = sockshim(run_args(mode, {"tool", "a", "b"}), {{"PATH", refused_first + ":/usr/bin:/bin"}});
    EXPECT_EQ(found.exit_status, 0) << mode[1] << found.err;
    EXPECT_EQ(found.out, "good a b\n") << mode[1];

    const ProgramResult refused = sockshim(run_args(mode, {"tool"}), {{"PATH", dir + "/broken:" + dir + "/refused:/usr/bin"}});
    EXPECT_EQ(refused.exit_status, 126) << mode[1];
    EXPECT_EQ(refused.err, "sockshim run: " + dir + "/refused/tool: Permission denied\n") << mode[1];

    const ProgramResult directory = sockshim(run_args(mode, {"tool"}), {{"PATH", dir + "/directory:/usr/bin"}});
    EXPECT_EQ(directory.exit_status, 126) << mode[1];
    EXPECT_EQ(directory.err, "sockshim run: " + dir + "/directory/tool: Is a directory\n") << mode[1];

    const ProgramResult broken = sockshim(run_args(mode, {"tool"}), {{"PATH", dir + "/broken:/usr/bin"}});
    EXPECT_EQ(broken.exit_status, 127) << mode[1];
    EXPECT_EQ(broken.err, "sockshim run: " + dir + "/broken/tool: cannot execute: required file not found "
                          "(its #! line names /nonexistent/interpreter)\n") << mode[1];
  }
}

// An ELF program whose loader (PT_INTERP) is missing is found, and fails at
// execve itself: in the preload's exec and in the supervisor's child alike.
TEST(RunTest, AnElfProgramWithAMissingLoaderIsReportedFromTheExec) {
  const std::string dir = scratch_directory("run-missing-loader");
  const std::string program = dir + "/sockprobe";
  std::filesystem::copy_file(SOCKPROBE_PATH, program);
  std::fstream file(program, std::ios::in | std::ios::out | std::ios::binary);
  Elf64_Ehdr header;
  ASSERT_TRUE(file.read(reinterpret_cast<char*>(&header), sizeof header));
  bool patched = false;
  for (int i = 0; i < header.e_phnum && !patched; ++i) {
    Elf64_Phdr segment;
    file.seekg(static_cast<std::streamoff>(header.e_phoff + uint64_t(i) * header.e_phentsize));
    ASSERT_TRUE(file.read(reinterpret_cast<char*>(&segment), sizeof segment));
    if (segment.p_type != PT_INTERP) continue;
    // "/lib64/ld-linux-x86-64.so.2" becomes "/Xib64/ld-linux-x86-64.so.2".
    file.seekp(static_cast<std::streamoff>(segment.p_offset + 1));
    file.put('X');
    patched = true;
  }
  file.close();
  ASSERT_TRUE(patched) << SOCKPROBE_PATH << " has no PT_INTERP";
  ASSERT_EQ(chmod(program.c_str(), 0755), 0);
  for (const std::vector<std::string>& mode : kRunModes) {
    const ProgramResult result = sockshim(run_args(mode, {program, "pair"}));
    EXPECT_EQ(result.exit_status, 127) << mode[1];
    EXPECT_EQ(result.err, "sockshim run: " + program + ": cannot execute: required file not found (the ELF loader "
                          "it names is missing)\n") << mode[1];
  }
}

TEST(OptionsTest, TheConfigurationGuidesSettingsTableIsTheCatalogue) {
  const ProgramResult result = sockshim({"options"});
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_THAT(result.out, HasSubstr("| `ip.dscp` | `IP_TOS` (IPv6: `IPV6_TCLASS`) |"));
  std::ifstream file(std::string(SOCKSHIM_SOURCE_DIR) + "/docs/configuration.md");
  std::stringstream guide;
  guide << file.rdbuf();
  EXPECT_THAT(guide.str(), HasSubstr(result.out)) << "update docs/configuration.md's settings table with `sockshim options`";
}

// The "kernel engine" column: what bpf_setsockopt takes (the table
// `sockshim check` and `attach --skip-unsupported` use), whether or not this
// build carries the engine.
TEST(OptionsTest, SaysWhichOptionsTheKernelEngineReaches) {
  const ProgramResult result = sockshim({"options"});
  ASSERT_EQ(result.exit_status, 0);
  std::map<std::string, std::string> engine_column;
  std::istringstream lines(result.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_THAT(line, HasSubstr("| UDP | kernel engine | kernel default |"));
  while (std::getline(lines, line)) {
    std::vector<std::string> cells;
    for (size_t at = 1, bar; (bar = line.find(" | ", at)) != std::string::npos; at = bar + 3) {
      cells.push_back(line.substr(at, bar - at));
    }
    if (cells.size() >= 7 && cells[0].front() == ' ') engine_column[cells[0].substr(1)] = cells[6];
  }
  for (const char* reached : {"`buffers.receive`", "`buffers.send`", "`keepalive.enabled`", "`keepalive.idle`",
                              "`tcp.user_timeout`", "`tcp.nodelay`", "`tcp.congestion`", "`socket.mark`",
                              "`ip.dscp`", "`tcp.maxseg`", "`tcp.syncnt`"}) {
    EXPECT_EQ(engine_column[reached], "yes") << reached;
  }
  for (const char* refused :
       {"`socket.linger`", "`tcp.defer_accept`", "`tcp.fastopen`", "`ip.bind_address_no_port`"}) {
    EXPECT_EQ(engine_column[refused], "no") << refused;
  }
}

TEST(CheckTest, WarnsAboutCongestionMarkAndShowsEnforcement) {
  const std::string path = write_config("new-options.toml",
                                        "tcp.congestion = \"no-such-cc\"\nsocket.mark = 7\n"
                                        "tcp.nodelay = true\nenforce = [\"tcp.nodelay\"]\n");
  const ProgramResult result = sockshim({"check", path});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("warning: tcp.congestion \"no-such-cc\" is not in "
                                    "net.ipv4.tcp_available_congestion_control"));
  EXPECT_THAT(result.out, HasSubstr("warning: socket.mark needs CAP_NET_ADMIN (or CAP_NET_RAW)"));
  EXPECT_THAT(result.out, HasSubstr("tcp.nodelay on (enforced)"));
}

TEST(ExplainTest, SaysWhenEachOptionIsSetAndWhetherItIsEnforced) {
  const ProgramResult connect = sockshim({"explain", example("marking-and-enforce.toml"), "--connect",
                                          "10.20.1.2:873", "--program", "rsync"});
  EXPECT_EQ(connect.exit_status, 0) << connect.err;
  EXPECT_THAT(connect.out, HasSubstr("TCP_CONGESTION    bbr        from rule[1] \"backup uploads\" "
                                     "(tcp.congestion); set before connect()"));
  const ProgramResult curl = sockshim({"explain", example("marking-and-enforce.toml"), "--connect",
                                       "[2001:db8::1]:443", "--program", "curl"});
  EXPECT_THAT(curl.out, HasSubstr("(keepalive.idle); set at socket(), enforced"));
  const std::string path = write_config("listener.toml", "socket.priority = 4\ntcp.fastopen = 8\n");
  const ProgramResult listener = sockshim({"explain", path, "--listen", ":8080"});
  EXPECT_THAT(listener.out, HasSubstr("(socket.priority); set at socket(), accepted: set again after accept()"));
  EXPECT_THAT(listener.out, HasSubstr("(tcp.fastopen); set before listen(), listener only"));
}

TEST(InspectTest, ShowsTheConfiguredValuesOfAProcessUnderTheShim) {
  ChildProcess shimmed({SOCKPROBE_PATH, "hold"},
                       with_shim("keepalive = { idle = 21, interval = 7, count = 5 }\n"
                                 "buffers.receive = 65536\n"
                                 "tcp = { user_timeout = 3000, nodelay = true, congestion = \"reno\" }\n"
                                 "ip.dscp = \"AF41\"\n"));
  const HeldConnection ports = read_held_ports(shimmed);
  ASSERT_NE(ports.client_port, 0);
  const ProgramResult table = sockshim({"inspect", std::to_string(shimmed.pid())});
  EXPECT_EQ(table.exit_status, 0) << table.err;
  EXPECT_THAT(table.out, ::testing::ContainsRegex(
                             "127\\.0\\.0\\.1:" + std::to_string(ports.client_port) +
                             " +127\\.0\\.0\\.1:" + std::to_string(ports.server_port) +
                             " +CONN +1 +21 +7 +5 +131072 +[0-9]+ +3000 +1 +136 +[0-9]+ +0 +reno +pidfd"));
  const ProgramResult json = sockshim({"inspect", std::to_string(shimmed.pid()), "--json"});
  EXPECT_THAT(json.out, HasSubstr("\"keepalive_idle_s\": 21, \"keepalive_interval_s\": 7, \"keepalive_count\": 5, "
                                  "\"receive_buffer\": 131072"));
  EXPECT_THAT(json.out, HasSubstr("\"listening\": true"));
  EXPECT_THAT(json.out, HasSubstr("\"ip.dscp\": 136, \"socket.priority\": "));
  EXPECT_THAT(json.out, HasSubstr("\"tcp.congestion\": \"reno\""));
  shimmed.finish();
}

TEST(InspectTest, ShowsKernelDefaultsWithoutTheShimAndFallsBackToSockDiag) {
  ChildProcess plain({SOCKPROBE_PATH, "hold"}, {});
  const HeldConnection ports = read_held_ports(plain);
  ASSERT_NE(ports.client_port, 0);
  const std::string idle = std::to_string(read_sysctl("net/ipv4/tcp_keepalive_time"));
  const ProgramResult table = sockshim({"inspect", std::to_string(plain.pid())});
  EXPECT_THAT(table.out, ::testing::ContainsRegex("127\\.0\\.0\\.1:" + std::to_string(ports.client_port) +
                                                  " .* CONN +0 +" + idle + " "));
  const ProgramResult diag = sockshim({"inspect", std::to_string(plain.pid()), "--sock-diag"});
  EXPECT_EQ(diag.exit_status, 0) << diag.err;
  EXPECT_THAT(diag.out, ::testing::ContainsRegex("127\\.0\\.0\\.1:" + std::to_string(ports.client_port) +
                                                 " .* CONN +\\? +\\? .* diag"));
  plain.finish();
  EXPECT_EQ(sockshim({"inspect", "999999999"}).exit_status, 1);
}

// Without ptrace read rights over the process, /proc/PID/fd cannot be read
// by either method; the error says what is needed.
TEST(InspectTest, SaysWhichRightsItLacks) {
  if (getuid() != 0) GTEST_SKIP() << "needs root to run inspect as nobody on a process of root";
  if (!setpriv_accepts({"--reuid=65534", "--regid=65534", "--clear-groups"})) GTEST_SKIP() << "no util-linux setpriv";
  ChildProcess plain({SOCKPROBE_PATH, "hold"}, {});
  ASSERT_NE(read_held_ports(plain).client_port, 0);
  const std::string pid = std::to_string(plain.pid());
  for (const std::vector<std::string>& method : {std::vector<std::string>{}, std::vector<std::string>{"--sock-diag"}}) {
    std::vector<std::string> args = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                     "--inh-caps=-all", SOCKSHIM_CLI_PATH, "inspect", pid};
    args.insert(args.end(), method.begin(), method.end());
    const ProgramResult refused = run_program(args);
    EXPECT_EQ(refused.exit_status, 1) << refused.err;
    EXPECT_EQ(refused.out, "");
    EXPECT_EQ(refused.err, "sockshim inspect: cannot read /proc/" + pid + "/fd: Permission denied; reading another "
                           "process's descriptors needs ptrace read rights over it (PTRACE_MODE_READ: the same user "
                           "as the process, or CAP_SYS_PTRACE), with --sock-diag too: run as the process's user or "
                           "as root\n");
  }
  plain.finish();
  EXPECT_EQ(sockshim({"inspect", "2147483647"}).err, "sockshim inspect: no process 2147483647\n");
}

// Where a seccomp filter refuses pidfd_getfd (containerd's RuntimeDefault
// without CAP_SYS_PTRACE), inspect shows what sock_diag gives and says why
// the rest is "?".
TEST(InspectTest, ExplainsTheSockDiagFallbackUnderASeccompFilter) {
  ChildProcess plain({SOCKPROBE_PATH, "hold"}, {});
  const HeldConnection ports = read_held_ports(plain);
  ASSERT_NE(ports.client_port, 0);
  const std::string pid = std::to_string(plain.pid());
  const ProgramResult table = run_program({SECCOMP_HELPER_PATH, "deny-pidfd-getfd", SOCKSHIM_CLI_PATH, "inspect", pid});
  EXPECT_EQ(table.exit_status, 0) << table.err;
  EXPECT_THAT(table.out, ::testing::ContainsRegex("127\\.0\\.0\\.1:" + std::to_string(ports.client_port) +
                                                  " .* CONN +\\? +\\? .* diag"));
  EXPECT_THAT(table.err, ::testing::StartsWith("sockshim inspect: pidfd_getfd(" + pid + ") was refused (Operation "
                                               "not permitted): a seccomp filter on sockshim refuses pidfd_getfd even "
                                               "on itself (a container runtime's default profile, such as "
                                               "containerd's RuntimeDefault, allows it only with CAP_SYS_PTRACE)"));
  EXPECT_THAT(table.err, HasSubstr("Showing what sock_diag gives instead; \"?\" marks what it cannot.\n"));
  plain.finish();
}

// A pid that does not fit a pid_t is refused, not cut down to another
// process's (4294967297 would become 1).
TEST(InspectTest, RefusesWhatIsNotAProcessId) {
  for (const char* bad : {"4294967297", "2147483648", "18446744073709551617", "0", "-1", "-4294967295", "abc",
                          "12abc", " 12", "+1", "0x10", ""}) {
    const ProgramResult refused = sockshim({"inspect", bad});
    EXPECT_EQ(refused.exit_status, 2) << bad;
    EXPECT_EQ(refused.out, "") << bad;
    EXPECT_THAT(refused.err, ::testing::StartsWith("sockshim inspect: not a process id: \"" + std::string(bad) +
                                                   "\" (a process id is a whole number from 1 to 2147483647)\n"));
  }
  const ProgramResult two = sockshim({"inspect", "1", "2"});
  EXPECT_EQ(two.exit_status, 2);
  EXPECT_THAT(two.err, ::testing::StartsWith("sockshim inspect: one process at a time: 2\n"));
}

TEST(DoctorTest, ReportsKernelSettingsAndLibraries) {
  const ProgramResult result = sockshim({"doctor"});
  EXPECT_EQ(result.exit_status, 0) << result.out;
  EXPECT_THAT(result.out, HasSubstr("net.ipv4.tcp_keepalive_time"));
  EXPECT_THAT(result.out, HasSubstr("net.core.rmem_max"));
  EXPECT_THAT(result.out, HasSubstr("net.ipv4.tcp_rmem"));
  EXPECT_THAT(result.out, HasSubstr(doctor_library() + ": loads, every symbol resolved"));
  EXPECT_THAT(result.out, HasSubstr("seccomp user notification: available"));
  EXPECT_THAT(result.out, HasSubstr("pidfd_getfd on a child: allowed"));
}

// doctor --preload-test: a program of this build's libc starts with this
// build's library, which reads the config in it; the other libc's library,
// a bad config and a static program each fail the test with the reason.
TEST(PreloadTestTest, ProgramStartsWithTheLibraryRunningInIt) {
  const ProgramResult result = sockshim({"doctor", "--preload-test", shim_library_path(), "--", SOCKPROBE_PATH, "fresh"},
                                        {{"SOCKSHIM_CONFIG_TOML", "keepalive.idle = 30\n"}});
  EXPECT_EQ(result.exit_status, 0) << result.out;
  EXPECT_THAT(result.out, HasSubstr("starts as without the library (exit 0), the library ran in it"));
  EXPECT_THAT(result.out, HasSubstr(std::string("info: sockshim ") + SOCKSHIM_VERSION + " loaded"));
#if defined(__GLIBC__)
  EXPECT_THAT(result.out, HasSubstr("  library: glibc, needs glibc 2."));
#else
  EXPECT_THAT(result.out, HasSubstr(std::string("  library: musl, sockshim ") + SOCKSHIM_VERSION + "\n"));
#endif
  EXPECT_THAT(result.out, HasSubstr("OK: 1 program(s) start with LD_PRELOAD=" + shim_library_path()));
}

#if defined(__GLIBC__)
TEST(PreloadTestTest, DefaultProgramsAreTheShellAndEnv) {
  const ProgramResult result = sockshim({"doctor", "--preload-test", shim_library_path()});
  EXPECT_EQ(result.exit_status, 0) << result.out;
  EXPECT_THAT(result.out, HasSubstr("/bin/sh -c : (glibc): starts as without the library"));
  EXPECT_THAT(result.out, HasSubstr("/usr/bin/env true (glibc): starts as without the library"));
  EXPECT_THAT(result.out, HasSubstr(": no config; doing nothing"));
}
#endif

// What a libc that cannot load the library does to every program: glibc's
// loader finds no musl libc.so; musl's loader cannot resolve glibc-only
// symbols of the (portable) glibc build. Either stops the program with 127.
TEST(PreloadTestTest, TheOtherLibcsLibraryStopsTheProgramAndIsNamed) {
  const char* other = std::getenv("SOCKSHIM_OTHER_LIBC_LIBRARY");
  if (!other || !*other) {
    GTEST_SKIP() << "SOCKSHIM_OTHER_LIBC_LIBRARY is not set: no build for the other libc here (scripts/test sets it "
                    "on the host; a container holds one libc)";
  }
  std::string library = other;
#if !defined(__GLIBC__)
  const std::string portable = std::string(SOCKSHIM_SOURCE_DIR) + "/build-portable/shim/libsockshim.so";
  if (access(portable.c_str(), R_OK) == 0) library = portable;
#endif
  const ProgramResult result = sockshim({"doctor", "--preload-test", library, "--", SOCKPROBE_PATH, "fresh"});
  EXPECT_EQ(result.exit_status, 1) << result.out;
  EXPECT_THAT(result.out, HasSubstr("DOES NOT START with the library (exit 127; without it: exit 0)"));
#if defined(__GLIBC__)
  EXPECT_THAT(result.out, HasSubstr("error while loading shared libraries"));
  EXPECT_THAT(result.out, HasSubstr("this is the musl library and " + std::string(SOCKPROBE_PATH) +
                                    " runs on glibc: give it the glibc library"));
#else
  EXPECT_THAT(result.out, HasSubstr("symbol not found"));
  EXPECT_THAT(result.out, HasSubstr("this is the glibc library and " + std::string(SOCKPROBE_PATH) +
                                    " runs on musl: give it the musl library"));
#endif
  EXPECT_THAT(result.out, HasSubstr("FAILED: do not set LD_PRELOAD=" + library));
}

TEST(PreloadTestTest, ABadConfigFailsTheTestWithItsPosition) {
  const std::string path = write_config("preload-test-bad.toml", "[keepalive]\nidel = 3\n");
  const ProgramResult result = sockshim({"doctor", "--preload-test", shim_library_path(), "--", SOCKPROBE_PATH, "fresh"},
                                        {{"SOCKSHIM_CONFIG", path}});
  EXPECT_EQ(result.exit_status, 1) << result.out;
  EXPECT_THAT(result.out, HasSubstr("THE LIBRARY REPORTED AN ERROR"));
  EXPECT_THAT(result.out, HasSubstr(path + ":2:1: keepalive.idel: unknown key"));
}

// The environment's LD_PRELOAD stays: the library is added after it in the
// run with it, and the run without it keeps the list as it was, as
// `sockshim run` does. The shell exits 0 only when the other library is listed.
TEST(PreloadTestTest, KeepsTheEnvironmentsPreloadAndAddsTheLibrary) {
  const std::string sh = find_in_path("sh");
  if (!has_dynamic_loader(sh)) GTEST_SKIP() << sh << " is statically linked: no preload list to extend";
  // The musl matrix's libraries cannot load into Debian's glibc shell.
  const ProgramResult loads = run_program({sh, "-c", "true"}, {{"LD_PRELOAD", shim_library_path()}});
  if (loads.exit_status != 0 || !loads.err.empty()) {
    GTEST_SKIP() << sh << " cannot load " << shim_library_path() << " (built for another libc): " << loads.err;
  }
  const std::string stacked = STACKED_PRELOAD_PATH;
  const std::string script = "case \"$LD_PRELOAD\" in " + stacked + "\" \"" + shim_library_path() +
                             ") exit 0;; " + stacked + ") exit 0;; *) exit 3;; esac";
  const ProgramResult result =
      sockshim({"doctor", "--preload-test", shim_library_path(), "--", sh, "-c", script}, {{"LD_PRELOAD", stacked}});
  EXPECT_EQ(result.exit_status, 0) << result.out;
  EXPECT_THAT(result.out, HasSubstr("LD_PRELOAD of the environment kept: " + stacked + ", the library added after it"));
  EXPECT_THAT(result.out, HasSubstr("starts as without the library (exit 0), the library ran in it"));
  EXPECT_THAT(result.out, HasSubstr("OK: 1 program(s) start with LD_PRELOAD=" + shim_library_path()));
}

TEST(PreloadTestTest, StaticProgramIsNotReachedAndUsageIsChecked) {
  const ProgramResult result = sockshim({"doctor", "--preload-test", shim_library_path(), "--", STATIC_PROGRAM_PATH});
  EXPECT_EQ(result.exit_status, 1) << result.out;
  EXPECT_THAT(result.out, HasSubstr("(statically linked): no loader reads LD_PRELOAD there"));
  EXPECT_THAT(result.out, HasSubstr("FAILED: no program tried is reached by a preload"));
  EXPECT_EQ(sockshim({"doctor", "--preload-test", "/nonexistent/libsockshim.so"}).exit_status, 1);
  EXPECT_EQ(sockshim({"doctor", "--preload-test"}).exit_status, 2);
  EXPECT_EQ(sockshim({"doctor", "--preload-test", shim_library_path(), "true"}).exit_status, 2);
}

// One version, from CMake's project(VERSION): the command's, the one the
// library carries (read by doctor from the file) and the one it logs.
TEST(VersionTest, CommandLibraryAndLogAgree) {
  const ProgramResult version = sockshim({"--version"});
  EXPECT_EQ(version.exit_status, 0);
  EXPECT_EQ(version.out, std::string("sockshim ") + SOCKSHIM_VERSION + "\n");
  const ProgramResult doctor = sockshim({"doctor"});
  EXPECT_THAT(doctor.out, HasSubstr(std::string("sockshim ") + SOCKSHIM_VERSION + "\n"));
  EXPECT_THAT(doctor.out, HasSubstr(doctor_library() + ": loads, every symbol resolved\n        version: " +
                                    SOCKSHIM_VERSION + "\n"));
  Environment environment = with_shim("keepalive.idle = 30\n");
  environment["SOCKSHIM_LOG"] = "info";
  const ProgramResult logged = run_program({SOCKPROBE_PATH, "fresh"}, environment);
  EXPECT_THAT(logged.err, HasSubstr(std::string(": info: sockshim ") + SOCKSHIM_VERSION + " loaded"));
}

}  // namespace
}  // namespace sockshim::testing
