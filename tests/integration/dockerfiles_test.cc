// SPDX-License-Identifier: Apache-2.0
// Dockerfile.debian and Dockerfile.alpine stay in lockstep: only the base
// image, the package installation and the portable glibc library's step
// (build_portable, glibc images only) may differ. (Only the Debian one can be
// built here; this keeps the Alpine one from drifting.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace sockshim::testing {
namespace {

// The Dockerfile's instructions without comments, the package-manager RUN
// (continued lines included) and the base image's default.
std::vector<std::string> shared_steps(const std::string& name) {
  std::ifstream file(std::string(SOCKSHIM_SOURCE_DIR) + "/" + name);
  std::vector<std::string> steps;
  std::string line;
  bool in_package_install = false;
  while (std::getline(file, line)) {
    const bool continues = !line.empty() && line.back() == '\\';
    if (in_package_install) {
      in_package_install = continues;
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    const bool portable_library_step = line.rfind("RUN ", 0) == 0 && line.find("build_portable") != std::string::npos;
    if (line.rfind("RUN apt-get", 0) == 0 || line.rfind("RUN apk", 0) == 0 || portable_library_step) {
      in_package_install = continues;
      continue;
    }
    if (line.rfind("ARG BASE_IMAGE=", 0) == 0) line = "ARG BASE_IMAGE=";
    steps.push_back(line);
  }
  return steps;
}

TEST(DockerfilesTest, DebianAndAlpineHaveTheSameStagesAndSteps) {
  const std::vector<std::string> debian = shared_steps("Dockerfile.debian");
  const std::vector<std::string> alpine = shared_steps("Dockerfile.alpine");
  ASSERT_FALSE(debian.empty());
  EXPECT_EQ(debian, alpine);
  for (const char* stage : {"FROM ${BASE_IMAGE} AS build", "FROM build AS test", "FROM scratch AS sockshim"}) {
    EXPECT_THAT(debian, ::testing::Contains(std::string(stage)));
  }
  EXPECT_THAT(debian, ::testing::Contains(std::string("RUN ctest --test-dir /build --output-on-failure")));
  // The glibc image ships the portable library.
  std::ifstream file(std::string(SOCKSHIM_SOURCE_DIR) + "/Dockerfile.debian");
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, ::testing::HasSubstr("build_portable"));
  EXPECT_THAT(text, ::testing::HasSubstr("build-portable/shim/libsockshim.so /install/usr/local/lib/sockshim/libsockshim.so"));
}

}  // namespace
}  // namespace sockshim::testing
