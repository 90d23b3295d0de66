// SPDX-License-Identifier: Apache-2.0
// Every broken or hostile config of tests/config_corpus (and the ones that
// only the file system can make), each through a real process under the
// shim: the exact message, the program's output and status as without the
// shim, and strict mode stopping before main.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/reachable_copies.h"

namespace sockshim::testing {
namespace {

struct CorpusCase {
  std::string name;
  std::string path;                 // the config file (or directory, or nothing)
  std::vector<std::string> expected;  // message lines, {path} replaced
  std::vector<std::string> run_as;  // a prefix such as setpriv, or empty
};

std::string corpus_dir() { return std::string(SOCKSHIM_SOURCE_DIR) + "/tests/config_corpus"; }

std::vector<std::string> read_lines(const std::string& path, const std::string& config_path) {
  std::ifstream file(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(file, line)) {
    for (size_t at; (at = line.find("{path}")) != std::string::npos;) line.replace(at, 6, config_path);
    lines.push_back(line);
  }
  return lines;
}

std::vector<CorpusCase> corpus_files() {
  std::vector<CorpusCase> cases;
  if (DIR* dir = opendir(corpus_dir().c_str())) {
    while (const dirent* entry = readdir(dir)) {
      std::string name = entry->d_name;
      if (name.size() < 6 || name.compare(name.size() - 5, 5, ".toml") != 0) continue;
      name.resize(name.size() - 5);
      const std::string path = corpus_dir() + "/" + name + ".toml";
      cases.push_back({name, path, read_lines(corpus_dir() + "/" + name + ".expected", path), {}});
    }
    closedir(dir);
  }
  std::sort(cases.begin(), cases.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return cases;
}

// The cases only a file system can make, created in the test's temp dir.
std::vector<CorpusCase> file_system_cases() {
  // One directory per process, removed at exit: runs may overlap, and the
  // unreadable case needs a directory that nobody can reach.
  static ReachableCopies scratch;
  const std::string dir = scratch.dir();
  std::vector<CorpusCase> cases;
  const std::string missing = dir + "/missing.toml";
  unlink(missing.c_str());
  cases.push_back({"missing-file", missing, {missing + ": cannot open: No such file or directory; running without sockshim"}, {}});
  cases.push_back({"directory", dir, {dir + ": is a directory, expected a TOML file; running without sockshim"}, {}});

  const std::string too_long = dir + "/too-long.toml";
  {
    std::ofstream file(too_long);
    const std::string comment = "# " + std::string(1022, 'x') + "\n";
    for (int i = 0; i <= 512; ++i) file << comment;  // just over 512 KiB
  }
  cases.push_back({"over-long-file", too_long,
                   {too_long + ": is larger than 512 KiB; expected a small TOML file; running without sockshim"}, {}});

  const std::string fifo = dir + "/fifo.toml";
  unlink(fifo.c_str());
  if (mkfifo(fifo.c_str(), 0644) == 0) {
    cases.push_back({"fifo", fifo, {fifo + ": is not a regular file; running without sockshim"}, {}});
  }

  const std::string loop = dir + "/loop.toml";
  unlink(loop.c_str());
  if (symlink(loop.c_str(), loop.c_str()) == 0) {
    cases.push_back({"symlink-loop", loop,
                     {loop + ": cannot open: " + std::strerror(ELOOP) + "; running without sockshim"}, {}});
  }

  const std::string loose = dir + "/writable-by-others.toml";
  std::ofstream(loose) << "keepalive.idle = 30\n";
  chmod(loose.c_str(), 0666);
  if (geteuid() == 0) {
    cases.push_back({"writable-by-others-as-root", loose,
                     {loose + ": is writable by group or others; refusing it while running as root "
                              "(chmod go-w); running without sockshim"},
                     {}});
  }

  const std::string unreadable = dir + "/unreadable.toml";
  std::ofstream(unreadable) << "keepalive.idle = 30\n";
  chmod(unreadable.c_str(), 0000);
  if (geteuid() == 0) {
    // Root reads anything: the program runs as nobody to meet a file it may not read.
    cases.push_back({"unreadable-file", unreadable,
                     {unreadable + ": cannot open: Permission denied; running without sockshim"},
                     {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"}});
  }
  return cases;
}

std::vector<CorpusCase> all_cases() {
  std::vector<CorpusCase> cases = corpus_files();
  for (CorpusCase& extra : file_system_cases()) cases.push_back(std::move(extra));
  return cases;
}

// Through a run_as prefix, the environment travels as `env` arguments: the
// prefix's own program (setpriv, of the system's libc) must not preload a
// shim built for another libc. The other user runs copies of the program
// and the library that it can reach wherever the build tree is.
ProgramResult run_probe(const CorpusCase& c, const Environment& environment) {
  if (c.run_as.empty()) return run_program({SOCKPROBE_PATH, "fresh"}, environment);
  ReachableCopies copies;
  std::vector<std::string> argv = c.run_as;
  argv.push_back("/usr/bin/env");
  for (const auto& [name, value] : environment) {
    argv.push_back(name + "=" + (name == "LD_PRELOAD" ? copies.add(value) : value));
  }
  argv.push_back(copies.add(SOCKPROBE_PATH));
  argv.push_back("fresh");
  return run_program(argv, Environment{});
}

// Test names in gtest's output, instead of the bytes of the struct.
void PrintTo(const CorpusCase& c, std::ostream* out) { *out << c.name; }

// stderr without each line's "sockshim[PID]: error: " prefix.
std::vector<std::string> messages(const std::string& err) {
  static const std::regex kPrefix("^sockshim\\[[0-9]+\\]: error: ");
  std::vector<std::string> lines;
  std::istringstream in(err);
  std::string line;
  while (std::getline(in, line)) lines.push_back(std::regex_replace(line, kPrefix, ""));
  return lines;
}

class ConfigCorpusTest : public ::testing::TestWithParam<CorpusCase> {};

// Whether this system's setpriv runs the case's prefix (util-linux's does).
bool run_as_available(const CorpusCase& c) {
  return c.run_as.empty() || setpriv_accepts({c.run_as.begin() + 1, c.run_as.end() - 1});
}
constexpr char kNoRunAs[] = "needs util-linux's setpriv (--reuid, --clear-groups); /usr/bin/setpriv lacks them or is missing";

TEST_P(ConfigCorpusTest, ExactMessageAndTheProgramRunsAsWithoutTheShim) {
  const CorpusCase& c = GetParam();
  if (!run_as_available(c)) GTEST_SKIP() << kNoRunAs;
  ASSERT_FALSE(c.expected.empty()) << "no " << c.name << ".expected";
  const ProgramResult without = run_probe(c, {});
  const ProgramResult with = run_probe(c, {{"LD_PRELOAD", shim_library_path()}, {"SOCKSHIM_CONFIG", c.path}});
  EXPECT_EQ(with.exit_status, without.exit_status);
  EXPECT_EQ(with.out, without.out);
  EXPECT_THAT(without.out, ::testing::HasSubstr("fresh-ipv4 keepalive=0"));
  EXPECT_EQ(messages(with.err), c.expected);
}

// Most processes of a container never open a socket: with an image-wide
// LD_PRELOAD, a bad or missing config must not put a line in the output of
// every command. Each process of the pipeline (of this build's libc, as the
// shim) loads the shim.
TEST_P(ConfigCorpusTest, ProcessesThatOpenNoSocketPrintNothing) {
  const CorpusCase& c = GetParam();
  if (!c.run_as.empty()) GTEST_SKIP() << "the pipeline runs as this user";
  const std::vector<std::string> pipeline = {PROCESS_PIPELINE_PATH};
  const ProgramResult without = run_program(pipeline);
  const ProgramResult with = run_program(pipeline, {{"LD_PRELOAD", shim_library_path()}, {"SOCKSHIM_CONFIG", c.path}});
  EXPECT_EQ(with.exit_status, without.exit_status);
  EXPECT_EQ(with.out, without.out);
  EXPECT_EQ(with.err, "");
}

TEST_P(ConfigCorpusTest, StrictModeStopsBeforeMain) {
  const CorpusCase& c = GetParam();
  if (!run_as_available(c)) GTEST_SKIP() << kNoRunAs;
  const ProgramResult with = run_probe(
      c, {{"LD_PRELOAD", shim_library_path()}, {"SOCKSHIM_CONFIG", c.path}, {"SOCKSHIM_STRICT", "1"}});
  EXPECT_EQ(with.exit_status, 78);
  EXPECT_EQ(with.out, "");
  std::vector<std::string> expected = c.expected;
  expected.push_back("SOCKSHIM_STRICT=1: stopping with status 78");
  EXPECT_EQ(messages(with.err), expected);
}

INSTANTIATE_TEST_SUITE_P(Corpus, ConfigCorpusTest, ::testing::ValuesIn(all_cases()),
                         [](const auto& info) {
                           std::string name = info.param.name;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(ConfigCorpusSizeTest, AtLeastFortyBrokenConfigs) { EXPECT_GE(all_cases().size(), 40u); }

}  // namespace
}  // namespace sockshim::testing
