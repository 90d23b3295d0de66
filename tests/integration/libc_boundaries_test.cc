// SPDX-License-Identifier: Apache-2.0
// Where glibc and musl differ for a preload: constructor order, loading into
// the other libc, and (glibc) the minimum version the build needs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/support/child_process.h"
#include "tests/support/probe_output.h"

namespace sockshim::testing {
namespace {

using ::testing::HasSubstr;

TEST(ConstructorOrderTest, SocketsOpenedBeforeMainGetTheirOptions) {
  const ProgramResult result =
      run_program({EARLY_SOCKET_PROGRAM_PATH}, with_shim("keepalive.idle = 31\n"));
  ASSERT_EQ(result.exit_status, 0) << result.err;
  const auto lines = parse_probe_output(result.out);
  for (const char* label : {"library-constructor", "program-constructor", "main"}) {
    ASSERT_TRUE(lines.count(label)) << result.out;
    EXPECT_EQ(lines.at(label).at("idle"), 31) << label;
  }
  const auto plain = parse_probe_output(run_program({EARLY_SOCKET_PROGRAM_PATH}).out);
  EXPECT_EQ(plain.at("library-constructor").at("idle"), read_sysctl("net/ipv4/tcp_keepalive_time"));
}

// A shim built for the other libc must fail loudly at load, never run silently.
TEST(OtherLibcTest, LoaderRefusesTheOtherLibcsBuildLoudly) {
  const char* other = std::getenv("SOCKSHIM_OTHER_LIBC_LIBRARY");
  if (!other || !*other) {
    GTEST_SKIP() << "SOCKSHIM_OTHER_LIBC_LIBRARY is not set: no build for the other libc here (scripts/test sets it "
                    "on the host; a container holds one libc)";
  }
  const ProgramResult result =
      run_program({SOCKPROBE_PATH, "pair"}, {{"LD_PRELOAD", other}, {"SOCKSHIM_CONFIG_TOML", ""}});
  EXPECT_EQ(result.exit_status, 127) << result.out;
  EXPECT_EQ(result.out, "");  // main never ran
  EXPECT_NE(result.err, "");
}

#if defined(__GLIBC__)
TEST(GlibcVersionTest, TheInstallGuideNamesTheMinimumGlibcTheBuildNeeds) {
  const ProgramResult symbols = run_program({"objdump", "-T", shim_library_path()});
  ASSERT_EQ(symbols.exit_status, 0) << symbols.err;
  std::regex version("GLIBC_2\\.(\\d+)");
  int highest = 0;
  for (std::sregex_iterator it(symbols.out.begin(), symbols.out.end(), version), end; it != end; ++it) {
    highest = std::max(highest, std::stoi((*it)[1]));
  }
  std::ifstream readme(std::string(SOCKSHIM_SOURCE_DIR) + "/docs/installing.md");
  std::stringstream text;
  text << readme.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("glibc 2." + std::to_string(highest) + " or newer"));
}
#endif

}  // namespace
}  // namespace sockshim::testing
