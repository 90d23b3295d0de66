// SPDX-License-Identifier: Apache-2.0
#include "bpf_engine/cgroup_facts.h"

#include <linux/capability.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "bpf_engine/skeleton_loader.h"

namespace sockshim::bpf_engine {

std::string cgroup2_mount() {
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mountinfo, line)) {
    // "ID PARENT MAJ:MIN ROOT MOUNT OPTIONS... - FSTYPE SOURCE SUPER"
    const size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream after(line.substr(dash + 3));
    std::string type;
    after >> type;
    if (type != "cgroup2") continue;
    std::istringstream before(line.substr(0, dash));
    std::string id, parent, device, root, mount;
    before >> id >> parent >> device >> root >> mount;
    return mount;
  }
  return "";
}

std::string not_a_cgroup2_directory(const std::string& path) {
  struct stat status;
  if (stat(path.c_str(), &status) != 0) return path + ": " + std::strerror(errno);
  if (!S_ISDIR(status.st_mode)) return path + " is not a directory";
  struct statfs filesystem;
  if (statfs(path.c_str(), &filesystem) != 0) return path + ": " + std::strerror(errno);
  if (filesystem.f_type == CGROUP2_SUPER_MAGIC) return "";
  const std::string mount = cgroup2_mount();
  return path + " is not a cgroup v2 directory (" +
         (mount.empty() ? std::string("cgroup v2 is not mounted here") : "cgroup v2 is mounted at " + mount) + ")";
}

uint64_t cgroup_id(const std::string& path) {
  struct stat status;
  return stat(path.c_str(), &status) == 0 ? status.st_ino : 0;
}

int cgroup_level(const std::string& path) {
  char resolved[4096], root[4096];
  const std::string mount = cgroup2_mount();
  if (mount.empty() || !realpath(path.c_str(), resolved) || !realpath(mount.c_str(), root)) return -1;
  const std::string relative = resolved;
  const std::string base = root;
  if (relative.compare(0, base.size(), base) != 0) return -1;
  int level = 0;
  for (size_t i = base.size(); i < relative.size(); ++i) level += relative[i] == '/';
  return level;
}

std::string own_cgroup2_directory() {
  const std::string mount = cgroup2_mount();
  if (mount.empty()) return "";
  std::ifstream cgroups("/proc/self/cgroup");
  std::string line;
  while (std::getline(cgroups, line)) {
    if (line.rfind("0::", 0) == 0) {
      const std::string relative = line.substr(3);
      return relative == "/" ? mount : mount + relative;
    }
  }
  return "";
}

std::string missing_privileges() {
  const char* simulated = getenv("SOCKSHIM_TEST_NO_BPF_PRIVILEGES");
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (!(simulated && *simulated == '1') && syscall(SYS_capget, &header, data) != 0) {
    return std::string("cannot read this process's capabilities: ") + std::strerror(errno);
  }
  auto has = [&](int capability) { return (data[capability / 32].effective >> (capability % 32) & 1) != 0; };
  if (has(CAP_SYS_ADMIN)) return "";
  std::string missing;
  for (auto [capability, name] : {std::pair{CAP_BPF, "CAP_BPF"}, std::pair{CAP_NET_ADMIN, "CAP_NET_ADMIN"},
                                  std::pair{CAP_PERFMON, "CAP_PERFMON"}}) {
    if (!has(capability)) missing += (missing.empty() ? "" : ", ") + std::string(name);
  }
  if (missing.empty()) return "";
  return "missing privileges: needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON (or CAP_SYS_ADMIN); this process lacks " +
         missing;
}

std::string programs_do_not_load() {
  sockshim_bpf_objects objects;
  const char* step = "";
  const int result = sockshim_bpf_load(&objects, &step);
  if (result != 0) {
    return std::string("the kernel refused the engine's programs (") + step + ": " + std::strerror(-result) +
           "); the engine needs Linux 5.15 or later (BPF_PROG_TYPE_SYSCALL) with cgroup sock_ops";
  }
  sockshim_bpf_close(&objects);
  return "";
}

}  // namespace sockshim::bpf_engine
