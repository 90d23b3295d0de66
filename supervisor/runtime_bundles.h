// SPDX-License-Identifier: Apache-2.0
// The containers of a node as the OCI bundles its runtime writes: each
// bundle's config.json holds the container's annotations (the pod's, as far
// as the runtime copies them) and linux.cgroupsPath. Read from the runtime's
// state directories (containerd's io.containerd.runtime.v2.task/<namespace>/
// <id>/, CRI-O's overlay-containers/<id>/userdata/), with no runtime API.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace sockshim::supervisor {

struct RuntimeBundle {
  std::string id;           // the bundle directory's name: the container's id
  std::string directory;    // the bundle
  std::string cgroup_path;  // linux.cgroupsPath as written (may be systemd's slice:prefix:name)
  std::map<std::string, std::string> annotations;
};

// Reads |directory|/config.json. False with one line in |error|.
bool read_runtime_bundle(const std::string& directory, RuntimeBundle* bundle, std::string* error);

// Every bundle at most |depth| directories below each of |roots| (a
// directory with a config.json is a bundle, and is not searched further).
// Unreadable bundles (being written, or removed meanwhile) are left out.
std::vector<RuntimeBundle> find_runtime_bundles(const std::vector<std::string>& roots, int depth = 3);

// The directories find_runtime_bundles searches (the roots and the
// directories between them and the bundles), for a watch on each.
std::vector<std::string> bundle_parent_directories(const std::vector<std::string>& roots, int depth = 3);

// The cgroup v2 directory of |cgroup_path| under |mount| (/sys/fs/cgroup):
// an absolute path is taken below the mount; systemd's "SLICE:PREFIX:NAME"
// is SLICE's nesting (a-b.slice is a.slice/a-b.slice) and PREFIX-NAME.scope.
// Empty when |cgroup_path| is empty.
std::string cgroup_directory_of(const std::string& mount, const std::string& cgroup_path);

}  // namespace sockshim::supervisor
