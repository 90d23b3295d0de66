// SPDX-License-Identifier: Apache-2.0
// Dockerfile.debian and Dockerfile.alpine stay in lockstep: only the base
// image, the package installation and the step that puts the musl library in
// place (the Debian image takes it from the static command's zig build, the
// Alpine image from its own, tested, build) may differ, and both final stages
// hold the same files at the same paths. (Only the Debian one can be built
// here; this keeps the Alpine one from drifting.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

namespace sockshim::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

constexpr const char* kMuslLibraryStaged = "/image/usr/local/lib/sockshim/musl/libsockshim.so";

// The Dockerfile's instructions, comments and blank lines left out, each
// instruction's continued lines joined with "\n".
std::vector<std::string> instructions(const std::string& name) {
  std::ifstream file(std::string(SOCKSHIM_SOURCE_DIR) + "/" + name);
  std::vector<std::string> result;
  std::string line;
  bool continued = false;
  while (std::getline(file, line)) {
    if (!continued && (line.empty() || line[0] == '#')) continue;
    if (continued) {
      result.back() += "\n" + line;
    } else {
      result.push_back(line);
    }
    continued = !line.empty() && line.back() == '\\';
  }
  return result;
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

bool is_package_install(const std::string& step) {
  return starts_with(step, "RUN apt-get") || starts_with(step, "RUN apk");
}

bool is_musl_library_step(const std::string& step) {
  return starts_with(step, "RUN ") && step.find(kMuslLibraryStaged) != std::string::npos;
}

// The instructions both Dockerfiles must share, the base image's default
// made neutral.
std::vector<std::string> shared_steps(const std::string& name) {
  std::vector<std::string> steps;
  for (std::string step : instructions(name)) {
    if (is_package_install(step) || is_musl_library_step(step)) continue;
    if (starts_with(step, "ARG BASE_IMAGE=")) step = "ARG BASE_IMAGE=";
    steps.push_back(step);
  }
  return steps;
}

std::vector<std::string> musl_library_steps(const std::string& name) {
  std::vector<std::string> steps = instructions(name);
  steps.erase(std::remove_if(steps.begin(), steps.end(), [](const std::string& s) { return !is_musl_library_step(s); }),
              steps.end());
  return steps;
}

// The instructions after FROM scratch AS sockshim.
std::vector<std::string> final_stage(const std::string& name) {
  const std::vector<std::string> all = instructions(name);
  auto from = std::find(all.begin(), all.end(), "FROM scratch AS sockshim");
  return from == all.end() ? std::vector<std::string>{} : std::vector<std::string>(from + 1, all.end());
}

TEST(DockerfilesTest, DebianAndAlpineHaveTheSameStagesAndSteps) {
  const std::vector<std::string> debian = shared_steps("Dockerfile.debian");
  const std::vector<std::string> alpine = shared_steps("Dockerfile.alpine");
  ASSERT_FALSE(debian.empty());
  EXPECT_EQ(debian, alpine);
  for (const char* stage : {"FROM ${BASE_IMAGE} AS build", "FROM build AS test", "FROM scratch AS sockshim"}) {
    EXPECT_THAT(debian, Contains(std::string(stage)));
  }
  EXPECT_THAT(debian, Contains(std::string("RUN if [ \"$TEST_SET\" = contract ]; then set -- -L '^(unit|contract)$'; fi \\\n"
                                           " && ctest --test-dir /src/build --parallel \"$(nproc)\" --output-on-failure \"$@\"")));
}

// The last stage: the static command and both libraries, where the command
// looks for them (cli/shim_libraries.cc: ../lib/sockshim/LIBC/libsockshim.so
// from its own directory), and no library at /usr/local/lib/libsockshim.so,
// which the static (musl) command would take for its own libc's.
TEST(DockerfilesTest, TheFinalStageHoldsTheStaticCommandAndTheLibraryOfEachLibc) {
  for (const char* name : {"Dockerfile.debian", "Dockerfile.alpine"}) {
    const std::vector<std::string> last = final_stage(name);
    for (const char* path : {"/usr/local/bin/sockshim", "/usr/local/lib/sockshim/glibc/libsockshim.so",
                             "/usr/local/lib/sockshim/musl/libsockshim.so"}) {
      EXPECT_THAT(last, Contains("COPY --from=test /image" + std::string(path) + " " + path)) << name;
    }
    for (const std::string& step : last) EXPECT_THAT(step, ::testing::Not(HasSubstr(" /usr/local/lib/libsockshim.so")));
  }
  // Staged by the shared step: the portable glibc library and the static command.
  const std::vector<std::string> debian = shared_steps("Dockerfile.debian");
  const auto staging = std::find_if(debian.begin(), debian.end(), [](const std::string& step) {
    return step.find("build_static_cli") != std::string::npos;
  });
  ASSERT_NE(staging, debian.end());
  EXPECT_THAT(*staging, HasSubstr("build_portable"));
  EXPECT_THAT(*staging, HasSubstr("build-portable/shim/libsockshim.so /image/usr/local/lib/sockshim/glibc/libsockshim.so"));
  EXPECT_THAT(*staging, HasSubstr("build-static-cli/cli/sockshim /image/usr/local/bin/sockshim"));
}

// The static command in each image carries the kernel engine: its build
// stage installs what bpf/ needs (the package names are the same in Debian
// and Alpine), or CMake would leave the engine out.
TEST(DockerfilesTest, BothBuildStagesInstallTheKernelEnginesToolchain) {
  for (const char* name : {"Dockerfile.debian", "Dockerfile.alpine"}) {
    std::vector<std::string> installs = instructions(name);
    installs.erase(std::remove_if(installs.begin(), installs.end(), [](const std::string& s) { return !is_package_install(s); }),
                   installs.end());
    ASSERT_EQ(installs.size(), 1u) << name;
    for (const char* package : {" clang", " bpftool", " libbpf-dev"}) {
      EXPECT_THAT(installs[0] + " ", HasSubstr(std::string(package) + " ")) << name;
    }
  }
}

TEST(DockerfilesTest, EachImageStagesItsMuslLibraryInOneStep) {
  const std::vector<std::string> debian = musl_library_steps("Dockerfile.debian");
  ASSERT_EQ(debian.size(), 1u);
  EXPECT_THAT(debian[0], HasSubstr("build-static-cli/shim/libsockshim.so " + std::string(kMuslLibraryStaged)));
  // The glibc image's test stage also runs the portable.* tests.
  EXPECT_THAT(debian[0], HasSubstr("-DSOCKSHIM_PORTABLE_LIBRARY=/src/build-portable/shim/libsockshim.so"));
  const std::vector<std::string> alpine = musl_library_steps("Dockerfile.alpine");
  ASSERT_EQ(alpine.size(), 1u);
  EXPECT_THAT(alpine[0], HasSubstr("/install/usr/local/lib/sockshim/libsockshim.so " + std::string(kMuslLibraryStaged)));
}

}  // namespace
}  // namespace sockshim::testing
