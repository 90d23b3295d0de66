// SPDX-License-Identifier: Apache-2.0
#include "tests/support/reachable_copies.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace sockshim::testing {

ReachableCopies::ReachableCopies() {
  char pattern[] = "/tmp/sockshim-reachable-XXXXXX";
  if (mkdtemp(pattern)) {
    dir_ = pattern;
    chmod(dir_.c_str(), 0755);
  }
}

ReachableCopies::~ReachableCopies() {
  if (dir_.empty()) return;
  if (DIR* dir = opendir(dir_.c_str())) {
    while (const dirent* entry = readdir(dir)) {
      const std::string name = entry->d_name;
      if (name != "." && name != "..") unlink((dir_ + "/" + name).c_str());
    }
    closedir(dir);
  }
  rmdir(dir_.c_str());
}

std::string ReachableCopies::add(const std::string& path, mode_t mode) {
  if (dir_.empty()) return "";
  const std::string copy = dir_ + "/" + path.substr(path.find_last_of('/') + 1);
  {
    std::ifstream in(path, std::ios::binary);
    std::ofstream out(copy, std::ios::binary | std::ios::trunc);
    out << in.rdbuf();
    if (!in || !out) return "";
  }
  return chmod(copy.c_str(), mode) == 0 ? copy : "";
}

}  // namespace sockshim::testing
