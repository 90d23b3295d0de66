// SPDX-License-Identifier: Apache-2.0
// The runtime's container state and the choice of config per container, in
// process: what runc 1.1.5 sent (recorded), escapes, and broken input.
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "supervisor/container_configs.h"
#include "supervisor/container_state.h"

namespace sockshim::supervisor {
namespace {

using ::testing::HasSubstr;

// As runc 1.1.5 sent it to a listenerPath.
constexpr char kRuncState[] =
    R"({"ociVersion":"1.0.2-dev","fds":["seccompFd"],"pid":11735,"metadata":"meta1","state":{"ociVersion":)"
    R"("1.0.2-dev","id":"t2","status":"creating","pid":11735,"bundle":"/tmp/rt/b","annotations":)"
    R"({"io.sockshim.config":"x"}}})";

TEST(ContainerStateTest, ReadsWhatRuncSends) {
  ContainerState state;
  std::string error;
  ASSERT_TRUE(parse_container_state(kRuncState, &state, &error)) << error;
  EXPECT_EQ(state.pid, 11735);
  EXPECT_EQ(state.id, "t2");
  EXPECT_EQ(state.bundle, "/tmp/rt/b");
  EXPECT_EQ(state.metadata, "meta1");
  EXPECT_EQ(state.annotations.at("io.sockshim.config"), "x");
}

TEST(ContainerStateTest, EscapesInAnnotationsAreDecoded) {
  ContainerState state;
  std::string error;
  ASSERT_TRUE(parse_container_state(
      R"({"pid": 7, "state": {"annotations": {"io.sockshim.config-toml": "keepalive.idle = 5\n# \"q\" \u00e9\ud83d\ude00"}}})",
      &state, &error))
      << error;
  EXPECT_EQ(state.annotations.at("io.sockshim.config-toml"), "keepalive.idle = 5\n# \"q\" \xc3\xa9\xf0\x9f\x98\x80");
}

TEST(ContainerStateTest, BrokenOrPidlessStateIsRefusedWithAReason) {
  ContainerState state;
  std::string error;
  EXPECT_FALSE(parse_container_state(R"({"pid": 7, "state": {)", &state, &error));
  EXPECT_THAT(error, HasSubstr("not JSON"));
  EXPECT_FALSE(parse_container_state(R"({"ociVersion": "1.0.2"})", &state, &error));
  EXPECT_THAT(error, HasSubstr("no pid"));
  EXPECT_FALSE(parse_container_state(std::string(100, '[') + std::string(100, ']'), &state, &error));
  EXPECT_THAT(error, HasSubstr("nesting too deep"));
}

class ContainerConfigsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sockshim-configs-XXXXXX";
    dir_ = mkdtemp(pattern);
    write("named", "keepalive.idle = 11\n");
    write("meta", "keepalive.idle = 12\n");
    write("broken", "keepalive.idle = \"soon\"\n");
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  void write(const std::string& name, const std::string& toml) {
    const std::string path = dir_ + "/" + name + ".toml";
    std::ofstream(path) << toml;
    chmod(path.c_str(), 0600);
  }
  static Policy default_policy() {
    Policy policy;
    policy.defaults.set(OptionId::keepalive_idle, 99);
    return policy;
  }
  std::string dir_;
};

TEST_F(ContainerConfigsTest, TomlAnnotationThenNameThenMetadataThenDefault) {
  const ContainerConfigs configs(default_policy(), "default.toml", dir_);
  ContainerState state;
  state.metadata = "meta";
  state.annotations = {{"io.sockshim.config", "named"}, {"io.sockshim.config-toml", "keepalive.idle = 10\n"}};
  EXPECT_EQ(configs.choose(state).policy->defaults.number(OptionId::keepalive_idle), 10);
  state.annotations.erase("io.sockshim.config-toml");
  EXPECT_EQ(configs.choose(state).policy->defaults.number(OptionId::keepalive_idle), 11);
  EXPECT_EQ(configs.choose(state).source, dir_ + "/named.toml");
  state.annotations.clear();
  EXPECT_EQ(configs.choose(state).policy->defaults.number(OptionId::keepalive_idle), 12);
  state.metadata.clear();
  EXPECT_EQ(configs.choose(state).policy->defaults.number(OptionId::keepalive_idle), 99);
  EXPECT_EQ(configs.choose(state).source, "default.toml");
}

TEST_F(ContainerConfigsTest, RefusedConfigsGiveOneLineAndNoPolicy) {
  const ContainerConfigs configs(default_policy(), "default.toml", dir_);
  ContainerState state;
  for (const char* name : {"broken", "absent", "../named", ".hidden"}) {
    state.annotations = {{"io.sockshim.config", name}};
    const ChosenConfig chosen = configs.choose(state);
    EXPECT_FALSE(chosen.policy) << name;
    EXPECT_FALSE(chosen.error.empty()) << name;
    EXPECT_EQ(chosen.error.find('\n'), std::string::npos) << chosen.error;
  }
  state.annotations = {{"io.sockshim.config-toml", "[[rule]]\nmatch = { direction = \"accept\" }\nkeepalive.idle = 5\n"}};
  EXPECT_THAT(configs.choose(state).error, HasSubstr("direction = \"accept\""));
  // Without a directory, a name cannot be honoured and says so.
  const ContainerConfigs without_directory(std::nullopt, "", "");
  state.annotations = {{"io.sockshim.config", "named"}};
  EXPECT_THAT(without_directory.choose(state).error, HasSubstr("no --config-dir"));
  // Metadata without a directory is not a request: no config, no error.
  state.annotations.clear();
  state.metadata = "meta";
  EXPECT_FALSE(without_directory.choose(state).policy);
  EXPECT_EQ(without_directory.choose(state).error, "");
}

}  // namespace
}  // namespace sockshim::supervisor
