// SPDX-License-Identifier: Apache-2.0
// The musl container (scripts/container-tests, which has no ctest) runs the
// same GoogleTest binaries, under the same names, as ctest and so as the
// Dockerfiles' test stage: a suite added to tests/CMakeLists.txt and not to
// the container fails here.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>

namespace sockshim::testing {
namespace {

std::string read_source(const std::string& name) {
  std::ifstream file(std::string(SOCKSHIM_SOURCE_DIR) + "/" + name);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// (binary, name) pairs that |pattern| matches in |text|.
std::set<std::pair<std::string, std::string>> pairs(const std::string& text, const std::regex& pattern) {
  std::set<std::pair<std::string, std::string>> found;
  for (std::sregex_iterator it(text.begin(), text.end(), pattern), end; it != end; ++it) {
    found.insert({(*it)[1].str(), (*it)[2].str()});
  }
  return found;
}

TEST(ContainerTestsListTest, ContainerRunsEveryBinaryThatCtestRuns) {
  // gtest_discover_tests(integration_tests TEST_PREFIX "bind_now." ...)
  const std::string cmake = read_source("tests/CMakeLists.txt");
  auto ctest = pairs(cmake, std::regex(R"re(gtest_discover_tests\((\w+) TEST_PREFIX "(\w+)\.")re"));
  // register_integration_tests(bind_now "LD_BIND_NOW=1"): the integration
  // suite's contract under another prefix.
  for (const auto& found : pairs(cmake, std::regex(R"re(\n *register_integration_tests\((\w+)([ )]))re"))) {
    ctest.insert({"integration_tests", found.first});
  }
  // The portable glibc library's run of the integration suite is the host's
  // (and the distribution matrix's, in other Debian releases): the
  // containers test the builds of their own libc.
  ctest.erase({"integration_tests", "portable"});
  // The kernel engine's tests attach programs to the host's cgroup v2
  // hierarchy and run Debian's programs from the host: the glibc build's
  // ctest runs them on the host, and the containers have no such tree.
  ctest.erase({"kernel_engine_tests", "kernel_engine"});
  // run bind_now "$tests/integration_tests" LD_BIND_NOW=1
  auto container = pairs(read_source("scripts/container-tests"), std::regex(R"re(\n *run (\w+) "\$tests/(\w+)")re"));
  std::set<std::pair<std::string, std::string>> container_as_ctest;
  for (const auto& [name, binary] : container) {
    if (binary != "container_root_tests") container_as_ctest.insert({binary, name});
  }
  ASSERT_GE(ctest.size(), 5u) << "tests/CMakeLists.txt no longer reads as expected";
  EXPECT_EQ(container_as_ctest, ctest);
  EXPECT_EQ(container.count({"container_root", "container_root_tests"}), 1u);
}

}  // namespace
}  // namespace sockshim::testing
