// SPDX-License-Identifier: Apache-2.0
#include "bpf_engine/unsupported_options.h"

#include <cstdio>
#include <cstring>

#include "bpf_engine/settable_options.h"

namespace sockshim::bpf_engine {
namespace {

// The options of a section bpf_setsockopt cannot set, by config key or raw
// (level, name); empty when none.
std::string unsupported_options(const SocketSettings& settings) {
  std::string names;
  auto add = [&](const std::string& name) { names += (names.empty() ? "" : ", ") + name; };
  for (int i = 0; i < kOptionCount; ++i) {
    if (!settings.values[i]) continue;
    if (!bpf_can_set(kCatalogue[i])) {
      add(kCatalogue[i].key);
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

std::vector<std::string> unsupported_by_bpf(const Policy& policy) {
  std::vector<std::string> lines;
  const std::string top = unsupported_options(policy.defaults);
  if (!top.empty()) lines.push_back("top level: " + top);
  for (const Rule& rule : policy.rules) {
    std::string what = unsupported_options(rule.settings.expanded());
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
      if (!bpf_can_set(kCatalogue[i])) {
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
  for (Rule& rule : policy.rules) {
    SocketSettings settings = rule.settings.expanded();
    strip(settings);
    rule.settings = settings;
  }
  return policy;
}

}  // namespace sockshim::bpf_engine
