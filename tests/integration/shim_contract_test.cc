// SPDX-License-Identifier: Apache-2.0
// What a preload promises the program it runs in: results and errno of the
// real calls unchanged, bad configs reported and otherwise harmless, strict
// mode, the export list and no C++ runtime needed at run time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/probe_output.h"
#include "tests/support/scratch_dir.h"

namespace sockshim::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// Rules for every event, so that every hook does its work.
constexpr char kBusyConfig[] = R"(
keepalive = { idle = 30, interval = 10, count = 3 }
buffers = { receive = 65536, send = 65536 }
[[rule]]
match = { direction = "connect", remote = ["127.0.0.0/8", "::1"] }
tcp.user_timeout = 1000
[[rule]]
match = { direction = "listen", port = "1-65535" }
tcp.nodelay = true
[[rule]]
match = { direction = "accept", remote = "0.0.0.0/0" }
keepalive.idle = 9
[[rule]]
match = { protocol = "udp", port = "1-65535" }
buffers.receive = 8192
)";

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(ErrnoTest, RealResultsAndErrnoSurvive) {
  for (const std::vector<std::string>& flags : {std::vector<std::string>{}, {"-6"}}) {
    std::vector<std::string> argv = {SOCKPROBE_PATH, "errors"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    const ProgramResult without = run_program(argv);
    const ProgramResult with = run_program(argv, with_shim(kBusyConfig));
    EXPECT_EQ(with.out, without.out);
    EXPECT_EQ(with.exit_status, without.exit_status);
    // The expectations themselves, so that a probe that stopped early cannot pass.
    for (const char* line : {"refused result=-1 errno=ECONNREFUSED",
                             "nonblocking-connect result=-1 errno=EINPROGRESS",
                             "accept-empty result=-1 errno=EAGAIN",
                             "accept4-empty result=-1 errno=EAGAIN",
                             "socket-emfile result=-1 errno=EMFILE",
                             "connect-ebadf result=-1 errno=EBADF",
                             "listen-enotsock result=-1 errno=ENOTSOCK",
                             "bind-ebadf result=-1 errno=EBADF"}) {
      EXPECT_THAT(with.out, HasSubstr(line));
    }
  }
}

struct BadConfig {
  const char* name;
  const char* toml;
  const char* message;  // what stderr must say
};

class BadConfigTest : public ::testing::TestWithParam<BadConfig> {};

TEST_P(BadConfigTest, ProgramRunsAsWithoutTheShimAndOneMessageSaysWhy) {
  const std::string path = write_temp(std::string(GetParam().name) + ".toml", GetParam().toml);
  const ProgramResult without = run_program({SOCKPROBE_PATH, "pair"});
  const ProgramResult with = run_program(
      {SOCKPROBE_PATH, "pair"}, {{"LD_PRELOAD", shim_library_path()}, {"SOCKSHIM_CONFIG", path}});
  EXPECT_EQ(with.exit_status, without.exit_status);
  const auto with_sockets = parse_probe_output(with.out);
  const auto without_sockets = parse_probe_output(without.out);
  for (const char* label : {"listener", "client", "accepted"}) {
    // Buffer sizes of loopback sockets vary with autotuning; the rest is exact.
    for (const char* key : {"keepalive", "idle", "interval", "count", "user_timeout", "nodelay"}) {
      EXPECT_EQ(with_sockets.at(label).at(key), without_sockets.at(label).at(key)) << label << key;
    }
  }
  EXPECT_THAT(with.err, HasSubstr(path + ":" + GetParam().message));
  EXPECT_THAT(with.err, HasSubstr("running without sockshim"));
  EXPECT_EQ(std::count(with.err.begin(), with.err.end(), '\n'), 1) << with.err;
}

TEST_P(BadConfigTest, StrictModeStopsBeforeMain) {
  const std::string path = write_temp(std::string(GetParam().name) + ".toml", GetParam().toml);
  const ProgramResult with = run_program(
      {SOCKPROBE_PATH, "pair"},
      {{"LD_PRELOAD", shim_library_path()}, {"SOCKSHIM_CONFIG", path}, {"SOCKSHIM_STRICT", "1"}});
  EXPECT_EQ(with.exit_status, 78);
  EXPECT_EQ(with.out, "");  // "sockprobe main" is its first line
  EXPECT_THAT(with.err, HasSubstr(path + ":" + GetParam().message));
  EXPECT_THAT(with.err, HasSubstr("SOCKSHIM_STRICT=1: stopping with status 78"));
}

INSTANTIATE_TEST_SUITE_P(
    Configs, BadConfigTest,
    ::testing::Values(
        BadConfig{"syntax", "[keepalive\nidle = 3\n", "1:11: syntax error"},
        BadConfig{"misspelt", "[keepalive]\nidle = 30\nintreval = 5\n",
                  "3:1: keepalive.intreval: unknown key \"intreval\"; did you mean \"interval\"?"},
        BadConfig{"range", "[keepalive]\ncount = 500\n",
                  "2:9: keepalive.count: expected a whole number of probes in 1..127, got the integer 500"},
        BadConfig{"cidr", "[[rule]]\nmatch.remote = \"10.0.0.0/40\"\n", "2:16: rule[1].match.remote"},
        BadConfig{"type", "[buffers]\nreceive = true\n", "2:11: buffers.receive: expected bytes"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(BadConfigSourceTest, MissingFileAndDirectory) {
  for (const std::string& path : {std::string("/nonexistent/sockshim.toml"), ::testing::TempDir()}) {
    const ProgramResult with = run_program(
        {SOCKPROBE_PATH, "pair"}, {{"LD_PRELOAD", shim_library_path()}, {"SOCKSHIM_CONFIG", path}});
    EXPECT_EQ(with.exit_status, 0);
    EXPECT_THAT(with.out, HasSubstr("client keepalive=0"));
    EXPECT_THAT(with.err, HasSubstr(path));
    EXPECT_THAT(with.err, HasSubstr("running without sockshim"));
    EXPECT_EQ(std::count(with.err.begin(), with.err.end(), '\n'), 1) << with.err;
  }
}

TEST(BadConfigSourceTest, InlineTomlErrorsNameTheVariable) {
  const ProgramResult with = run_program({SOCKPROBE_PATH, "pair"}, with_shim("keepalive.idle = 0"));
  EXPECT_EQ(with.exit_status, 0);
  EXPECT_THAT(with.err, HasSubstr("SOCKSHIM_CONFIG_TOML:1:18: keepalive.idle: expected seconds"));
}

std::string command_output(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  pclose(pipe);
  return out;
}

TEST(LibraryTest, ExportsOnlyTheHooks) {
  SKIP_WITHOUT_PROGRAM("nm", "binutils");
  const std::string symbols =
      command_output("nm -D --defined-only " + shim_library_path() + " | awk '{print $3}' | sort");
  EXPECT_EQ(symbols, "accept\naccept4\nbind\nconnect\nlisten\nsetsockopt\nsocket\n");
}

TEST(LibraryTest, NeedsNoCxxRuntimeOrTomlLibrary) {
  SKIP_WITHOUT_PROGRAM("readelf", "binutils");
  const std::string dynamic = command_output("readelf -d " + shim_library_path());
  EXPECT_THAT(dynamic, HasSubstr("(NEEDED)"));
  for (const char* forbidden : {"libstdc++", "libc++", "libgcc_s", "libtomlplusplus"}) {
    EXPECT_THAT(dynamic, ::testing::Not(HasSubstr(forbidden))) << forbidden;
  }
  EXPECT_THAT(dynamic, HasSubstr("BIND_NOW"));
}

// Every page of its own that a library writes at load is a page fault in
// every process that preloads it. The loader writes the pages it relocates
// (GNU_RELRO); everything else loading writes (the once-guard, the log's
// state, the program's name, the config's path and a small config's text)
// shares one more page: the one where .data ends and .bss begins, which the
// loader zero-fills anyway.
TEST(LibraryTest, LoadingWritesTheRelocatedPagesAndOneMore) {
#if !defined(__GLIBC__)
  // The musl library does not keep to it yet: its .data crosses a page
  // boundary, and the libunwind that zig links into it writes a page of
  // its own .bss at load (9 pages, 6 of them relocated, when this was
  // written).
  GTEST_SKIP() << "checked for the glibc libraries (native and portable) only";
#endif
  SKIP_WITHOUT_PROGRAM("readelf", "binutils");
  std::istringstream headers(command_output("readelf -lW " + shim_library_path()));
  unsigned long relro_pages = 0;
  for (std::string line; std::getline(headers, line);) {
    std::istringstream fields(line);
    std::string type, offset, address, physical, file_size, memory_size;
    if (!(fields >> type >> offset >> address >> physical >> file_size >> memory_size) || type != "GNU_RELRO") {
      continue;
    }
    const unsigned long start = std::stoul(address, nullptr, 16);
    const unsigned long end = start + std::stoul(memory_size, nullptr, 16);
    relro_pages = (end - 1) / 4096 - start / 4096 + 1;
  }
  ASSERT_GT(relro_pages, 0u) << "no GNU_RELRO segment: the library must be linked with -z relro";
  const std::string config = write_temp("dirty-pages.toml", kBusyConfig);
  const ProgramResult result = run_program({LIBRARY_DIRTY_PAGES_PATH, shim_library_path()},
                                           {{"LD_PRELOAD", shim_library_path()}, {"SOCKSHIM_CONFIG", config}});
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.err, "");
  EXPECT_LE(std::stoul(result.out), relro_pages + 1) << "pages written at load, of which " << relro_pages
                                                      << " relocated";
}

}  // namespace
}  // namespace sockshim::testing
