// SPDX-License-Identifier: Apache-2.0
#include "cli/kernel_facts.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

namespace sockshim::cli {

std::optional<std::string> read_sysctl_text(const std::string& name) {
  std::ifstream file("/proc/sys/" + name);
  if (!file) return std::nullopt;
  std::string text;
  std::getline(file, text);
  for (char& c : text) {
    if (c == '\t') c = ' ';
  }
  return text;
}

std::optional<long> read_sysctl(const std::string& name) {
  const std::optional<std::string> text = read_sysctl_text(name);
  if (!text) return std::nullopt;
  std::istringstream in(*text);
  long value = 0;
  if (!(in >> value)) return std::nullopt;
  return value;
}

KeepaliveDefaults namespace_keepalive_defaults() {
  KeepaliveDefaults defaults;
  defaults.idle_s = static_cast<int>(read_sysctl("net/ipv4/tcp_keepalive_time").value_or(defaults.idle_s));
  defaults.interval_s =
      static_cast<int>(read_sysctl("net/ipv4/tcp_keepalive_intvl").value_or(defaults.interval_s));
  defaults.count = static_cast<int>(read_sysctl("net/ipv4/tcp_keepalive_probes").value_or(defaults.count));
  return defaults;
}

bool kernel_knows_option(int level, int name) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return true;  // nothing to learn
  unsigned char value[64] = {};
  socklen_t length = sizeof value;
  const bool unknown = getsockopt(fd, level, name, value, &length) != 0 && errno == ENOPROTOOPT;
  close(fd);
  return !unknown;
}

}  // namespace sockshim::cli
