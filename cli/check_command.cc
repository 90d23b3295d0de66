#include "cli/check_command.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cli/config_loading.h"
#include "config/config_source.h"
#include "cli/exit_codes.h"
#include "cli/kernel_facts.h"
#include "cli/settings_report.h"

namespace sockshim::cli {
namespace {

constexpr char kUsage[] =
    "usage: sockshim check [FILE]\n"
    "\n"
    "Validates a sockshim config: FILE, or without it the config that the library\n"
    "would load in this environment (SOCKSHIM_CONFIG_TOML, else SOCKSHIM_CONFIG,\n"
    "else /etc/sockshim.toml), with the library's own checks: as root, a file that\n"
    "group or others can write is refused. On errors, prints each as\n"
    "FILE:LINE:COLUMN: KEY: MESSAGE on stderr and exits 1. Otherwise prints the\n"
    "top-level settings and every rule (what it matches, what it sets, and what a\n"
    "matching socket ends up with), how long a dead peer takes to notice, and\n"
    "warnings: buffers above net.core.rmem_max/wmem_max (which the kernel\n"
    "clamps), keepalive idle longer than common load balancer idle timeouts,\n"
    "keepalive without tcp.user_timeout.\n"
    "\n"
    "Exit status: 0 valid (warnings included), 1 invalid or no config found,\n"
    "2 usage error.\n";

void print_consequences(const SocketSettings& effective, const KeepaliveDefaults& defaults,
                        const std::vector<std::string>& warnings) {
  for (const std::string& line : describe_dead_peer(effective, defaults)) {
    std::printf("  %s\n", line.c_str());
  }
  for (const std::string& warning : warnings) std::printf("  warning: %s\n", warning.c_str());
}

}  // namespace

int check_command(int argc, char** argv) {
  if (argc == 1 && (std::strcmp(argv[0], "--help") == 0 || std::strcmp(argv[0], "-h") == 0)) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (argc > 1 || (argc == 1 && argv[0][0] == '-')) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  std::string path;
  std::optional<Policy> policy;
  if (argc == 1) {
    path = argv[0];
    policy = load_config_or_report(path);
  } else {
    if (disabled_by_environment(getenv)) {
      std::printf("SOCKSHIM_DISABLE=1 is set: the library ignores the config below\n");
    }
    policy = load_environment_config_or_report(&path);
    if (path.empty()) {
      std::fprintf(stderr,
                   "sockshim check: no config: SOCKSHIM_CONFIG_TOML and SOCKSHIM_CONFIG are unset "
                   "and %s does not exist, so the library does nothing\n",
                   kDefaultConfigPath);
      return kExitFailure;
    }
  }
  if (!policy) return kExitFailure;

  const KeepaliveDefaults defaults = namespace_keepalive_defaults();
  const KernelLimits limits = read_kernel_limits();
  std::printf("%s: valid, %zu rule%s\n\n", path.c_str(), policy->rules.size(),
              policy->rules.size() == 1 ? "" : "s");
  std::printf("top level (every TCP socket)\n  sets: %s\n", describe_settings(policy->defaults).c_str());
  const std::vector<std::string> top_warnings = warnings_for(policy->defaults, limits);
  print_consequences(policy->defaults, defaults, top_warnings);

  size_t number = 1;
  for (const Rule& rule : policy->rules) {
    std::printf("\nrule[%zu] \"%s\": %s\n", number++, rule.name.c_str(), describe_match(rule.match).c_str());
    std::printf("  sets: %s\n", describe_settings(rule.settings).c_str());
    SocketSettings effective;
    if (rule.match.protocol != Protocol::udp) effective = policy->defaults;
    effective.overlay(rule.settings);
    std::printf("  with the top level: %s\n", describe_settings(effective).c_str());
    // Warnings that the top level already gave are not repeated.
    std::vector<std::string> warnings;
    for (const std::string& warning : warnings_for(effective, limits)) {
      if (std::find(top_warnings.begin(), top_warnings.end(), warning) == top_warnings.end()) {
        warnings.push_back(warning);
      }
    }
    if (rule.match.protocol == Protocol::udp) {
      for (const std::string& warning : warnings) std::printf("  warning: %s\n", warning.c_str());
    } else {
      print_consequences(effective, defaults, warnings);
    }
  }
  return kExitOk;
}

}  // namespace sockshim::cli
