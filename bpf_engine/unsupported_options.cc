// SPDX-License-Identifier: Apache-2.0
#include "bpf_engine/unsupported_options.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstring>

namespace sockshim::bpf_engine {
namespace {

// The options of a section bpf_setsockopt cannot set, by config key or raw
// (level, name); empty when none.
std::string unsupported_options(const SocketSettings& settings) {
  std::string names;
  auto add = [&](const std::string& name) { names += (names.empty() ? "" : ", ") + name; };
  for (int i = 0; i < kOptionCount; ++i) {
    if (!settings.values[i]) continue;
    const CatalogueEntry& entry = kCatalogue[i];
    if (!bpf_can_set(entry.ipv4.level, entry.ipv4.name) || !bpf_can_set(entry.ipv6.level, entry.ipv6.name)) {
      add(entry.key);
    }
  }
  for (int i = 0; i < settings.raw_count; ++i) {
    const RawOption& raw = settings.raw[i];
    if (bpf_can_set(raw.level, raw.name)) continue;
    char text[64];
    std::snprintf(text, sizeof text, "raw option (level %d, name %d)", raw.level, raw.name);
    add(text);
  }
  return names;
}

bool has_glob_metacharacters(const std::string& glob) {
  return glob.find_first_of("*?[\\") != std::string::npos;
}

}  // namespace

bool bpf_can_set(int level, int name) {
  switch (level) {
    case SOL_SOCKET:
      switch (name) {
        case SO_REUSEADDR: case SO_SNDBUF: case SO_RCVBUF: case SO_KEEPALIVE: case SO_PRIORITY:
        case SO_REUSEPORT: case SO_RCVLOWAT: case SO_MARK: case SO_MAX_PACING_RATE:
        case SO_BINDTOIFINDEX: case SO_BINDTODEVICE:
          return true;
        default:
          return false;
      }
    case IPPROTO_TCP:
      switch (name) {
        case TCP_NODELAY: case TCP_MAXSEG: case TCP_KEEPIDLE: case TCP_KEEPINTVL: case TCP_KEEPCNT:
        case TCP_SYNCNT: case TCP_WINDOW_CLAMP: case TCP_THIN_LINEAR_TIMEOUTS: case TCP_USER_TIMEOUT:
        case TCP_NOTSENT_LOWAT: case TCP_SAVE_SYN: case TCP_CONGESTION:
          return true;
        default:
          return false;
      }
    case IPPROTO_IP:
      return name == IP_TOS;
    case IPPROTO_IPV6:
      return name == IPV6_TCLASS || name == IPV6_AUTOFLOWLABEL;
    default:
      return false;
  }
}

std::vector<std::string> unsupported_by_bpf(const Policy& policy) {
  std::vector<std::string> lines;
  const std::string top = unsupported_options(policy.defaults);
  if (!top.empty()) lines.push_back("top level: " + top);
  for (const Rule& rule : policy.rules) {
    std::string what = unsupported_options(rule.settings);
    auto add = [&](const std::string& reason) { what += (what.empty() ? "" : ", ") + reason; };
    if (has_glob_metacharacters(rule.match.program_glob)) {
      add("program glob \"" + rule.match.program_glob + "\" (only exact names, of 15 characters at most)");
    }
    const bool at_accept = rule.match.direction == Direction::accept || rule.match.direction == Direction::any;
    if (at_accept && !rule.match.local.empty()) add("local address on a rule for accepted sockets");
    if (!what.empty()) lines.push_back("rule \"" + rule.name + "\": " + what);
  }
  return lines;
}

Policy without_unsupported_options(Policy policy) {
  auto strip = [](SocketSettings& settings) {
    for (int i = 0; i < kOptionCount; ++i) {
      const CatalogueEntry& entry = kCatalogue[i];
      if (!bpf_can_set(entry.ipv4.level, entry.ipv4.name) || !bpf_can_set(entry.ipv6.level, entry.ipv6.name)) {
        settings.values[i].reset();
        settings.enforced &= ~(1u << i);
      }
    }
    int kept = 0;
    for (int i = 0; i < settings.raw_count; ++i) {
      if (bpf_can_set(settings.raw[i].level, settings.raw[i].name)) settings.raw[kept++] = settings.raw[i];
    }
    settings.raw_count = kept;
  };
  strip(policy.defaults);
  for (Rule& rule : policy.rules) strip(rule.settings);
  return policy;
}

}  // namespace sockshim::bpf_engine
