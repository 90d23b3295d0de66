// SPDX-License-Identifier: Apache-2.0
#include "supervisor/runtime_bundles.h"

#include <dirent.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "supervisor/json_reader.h"

namespace sockshim::supervisor {
namespace {

bool is_directory(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

bool has_config(const std::string& directory) {
  struct stat info;
  return stat((directory + "/config.json").c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

std::vector<std::string> subdirectories(const std::string& directory) {
  std::vector<std::string> found;
  DIR* listing = opendir(directory.c_str());
  if (!listing) return found;
  while (const dirent* entry = readdir(listing)) {
    if (entry->d_name[0] == '.') continue;
    const std::string path = directory + "/" + entry->d_name;
    if (is_directory(path)) found.push_back(path);
  }
  closedir(listing);
  return found;
}

// Walks below |directory|: bundles into |bundles|, the directories searched
// into |parents|.
void walk(const std::string& directory, int depth, std::vector<RuntimeBundle>* bundles,
          std::vector<std::string>* parents) {
  if (parents) parents->push_back(directory);
  for (const std::string& child : subdirectories(directory)) {
    if (has_config(child)) {
      if (bundles) {
        RuntimeBundle bundle;
        std::string error;
        if (read_runtime_bundle(child, &bundle, &error)) bundles->push_back(std::move(bundle));
      }
    } else if (depth > 1) {
      walk(child, depth - 1, bundles, parents);
    }
  }
}

}  // namespace

bool read_runtime_bundle(const std::string& directory, RuntimeBundle* bundle, std::string* error) {
  std::ifstream file(directory + "/config.json");
  if (!file) {
    *error = directory + "/config.json: cannot be read";
    return false;
  }
  std::stringstream text;
  text << file.rdbuf();
  JsonValue root;
  if (!parse_json(text.str(), &root, error)) {
    *error = directory + "/config.json: not JSON: " + *error;
    return false;
  }
  *bundle = RuntimeBundle();
  bundle->directory = directory;
  bundle->id = directory.substr(directory.find_last_of('/') + 1);
  if (const JsonValue* annotations = root.find("annotations")) {
    for (const auto& [name, value] : annotations->members) {
      if (value.kind == JsonValue::Kind::string) bundle->annotations[name] = value.text;
    }
  }
  if (const JsonValue* linux_section = root.find("linux")) {
    if (const JsonValue* path = linux_section->find("cgroupsPath"); path && path->kind == JsonValue::Kind::string) {
      bundle->cgroup_path = path->text;
    }
  }
  return true;
}

std::vector<RuntimeBundle> find_runtime_bundles(const std::vector<std::string>& roots, int depth) {
  std::vector<RuntimeBundle> bundles;
  for (const std::string& root : roots) walk(root, depth, &bundles, nullptr);
  return bundles;
}

std::vector<std::string> bundle_parent_directories(const std::vector<std::string>& roots, int depth) {
  std::vector<std::string> parents;
  for (const std::string& root : roots) {
    if (is_directory(root)) walk(root, depth, nullptr, &parents);
  }
  return parents;
}

std::string cgroup_directory_of(const std::string& mount, const std::string& cgroup_path) {
  if (cgroup_path.empty()) return "";
  const size_t first = cgroup_path.find(':');
  if (first == std::string::npos) {
    return mount + (cgroup_path[0] == '/' ? "" : "/") + cgroup_path;
  }
  // systemd: "kubepods-burstable-pod1.slice:cri-containerd:ID" is
  // kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/cri-containerd-ID.scope.
  const size_t second = cgroup_path.find(':', first + 1);
  std::string slice = cgroup_path.substr(0, first);
  const std::string prefix = second == std::string::npos ? "" : cgroup_path.substr(first + 1, second - first - 1);
  const std::string name = second == std::string::npos ? cgroup_path.substr(first + 1) : cgroup_path.substr(second + 1);
  if (slice.empty()) slice = "system.slice";
  std::string path = mount;
  const std::string stem = slice.size() > 6 && slice.compare(slice.size() - 6, 6, ".slice") == 0
                               ? slice.substr(0, slice.size() - 6)
                               : slice;
  if (stem != "-") {
    for (size_t dash = stem.find('-'); dash != std::string::npos; dash = stem.find('-', dash + 1)) {
      path += "/" + stem.substr(0, dash) + ".slice";
    }
    path += "/" + stem + ".slice";
  }
  return path + "/" + (prefix.empty() ? name : prefix + "-" + name) + ".scope";
}

}  // namespace sockshim::supervisor
