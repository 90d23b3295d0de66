// SPDX-License-Identifier: Apache-2.0
// The BPF node agent's view of a runtime's OCI bundles: annotations and
// cgroupsPath read from config.json, the bundles found below a state
// directory (containerd's and CRI-O's layouts), and cgroupsPath turned into
// a cgroup v2 directory (cgroupfs and systemd forms).
#include "supervisor/runtime_bundles.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <string>

namespace sockshim::supervisor {
namespace {

class RuntimeBundlesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sockshim-bundles.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
  }
  void TearDown() override { std::system(("rm -rf " + root_).c_str()); }

  void write_bundle(const std::string& relative, const std::string& json) {
    std::system(("mkdir -p " + root_ + "/" + relative).c_str());
    std::ofstream(root_ + "/" + relative + "/config.json") << json;
  }

  std::string root_;
};

TEST_F(RuntimeBundlesTest, ReadsAnnotationsAndCgroupsPath) {
  write_bundle("k8s.io/abc", R"({"ociVersion": "1.1.0", "annotations": {"io.sockshim.config": "database",
      "sockshim.io/tune": "false", "io.kubernetes.cri.container-type": "container"},
      "linux": {"cgroupsPath": "/kubepods/besteffort/pod1/abc", "namespaces": []}})");
  RuntimeBundle bundle;
  std::string error;
  ASSERT_TRUE(read_runtime_bundle(root_ + "/k8s.io/abc", &bundle, &error)) << error;
  EXPECT_EQ(bundle.id, "abc");
  EXPECT_EQ(bundle.cgroup_path, "/kubepods/besteffort/pod1/abc");
  EXPECT_EQ(bundle.annotations.at("io.sockshim.config"), "database");
  EXPECT_EQ(bundle.annotations.at("sockshim.io/tune"), "false");
}

TEST_F(RuntimeBundlesTest, BadJsonIsOneLineNamingTheFile) {
  write_bundle("k8s.io/bad", "{\"annotations\": ");
  RuntimeBundle bundle;
  std::string error;
  EXPECT_FALSE(read_runtime_bundle(root_ + "/k8s.io/bad", &bundle, &error));
  EXPECT_NE(error.find(root_ + "/k8s.io/bad/config.json: not JSON"), std::string::npos) << error;
}

TEST_F(RuntimeBundlesTest, FindsBundlesOfEachNamespaceAndSkipsUnfinishedOnes) {
  write_bundle("k8s.io/one", R"({"linux": {"cgroupsPath": "/a/one"}})");
  write_bundle("moby/two", R"({"linux": {"cgroupsPath": "/a/two"}})");
  write_bundle("k8s.io/half", R"({"linux": )");      // being written
  std::system(("mkdir -p " + root_ + "/k8s.io/empty").c_str());  // config.json not yet there
  std::vector<RuntimeBundle> bundles = find_runtime_bundles({root_, root_ + "/missing"});
  std::vector<std::string> ids;
  for (const RuntimeBundle& bundle : bundles) ids.push_back(bundle.id);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"one", "two"}));
  // The directories to watch include the one whose config.json is still to come.
  const std::vector<std::string> parents = bundle_parent_directories({root_});
  EXPECT_NE(std::find(parents.begin(), parents.end(), root_ + "/k8s.io/empty"), parents.end());
  EXPECT_NE(std::find(parents.begin(), parents.end(), root_ + "/k8s.io"), parents.end());
}

TEST_F(RuntimeBundlesTest, CriOLayout) {
  write_bundle("0123/userdata", R"({"linux": {"cgroupsPath": "/x"}})");
  std::vector<RuntimeBundle> bundles = find_runtime_bundles({root_});
  ASSERT_EQ(bundles.size(), 1u);
  EXPECT_EQ(bundles[0].directory, root_ + "/0123/userdata");
}

TEST(CgroupDirectoryOf, CgroupfsAndSystemdForms) {
  EXPECT_EQ(cgroup_directory_of("/sys/fs/cgroup", "/kubepods/besteffort/pod1/abc"),
            "/sys/fs/cgroup/kubepods/besteffort/pod1/abc");
  EXPECT_EQ(cgroup_directory_of("/sys/fs/cgroup/unified", "k8s.io/abc"), "/sys/fs/cgroup/unified/k8s.io/abc");
  EXPECT_EQ(cgroup_directory_of("/sys/fs/cgroup", "kubepods-burstable-pod1.slice:cri-containerd:abc"),
            "/sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/"
            "cri-containerd-abc.scope");
  EXPECT_EQ(cgroup_directory_of("/sys/fs/cgroup", "system.slice:docker:abc"),
            "/sys/fs/cgroup/system.slice/docker-abc.scope");
  EXPECT_EQ(cgroup_directory_of("/sys/fs/cgroup", ""), "");
}

}  // namespace
}  // namespace sockshim::supervisor
