// SPDX-License-Identifier: Apache-2.0
#include "cli/check_command.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cli/config_loading.h"
#include "config/compiled_policy.h"
#include "config/config_source.h"
#include "cli/exit_codes.h"
#include "cli/kernel_engine_commands.h"
#include "cli/kernel_facts.h"
#include "cli/settings_report.h"
#include "config/middlebox_timeout.h"

namespace sockshim::cli {
namespace {

constexpr char kUsage[] =
    "usage: sockshim check [FILE] [--nat-timeout DURATION]\n"
    "\n"
    "Validates a sockshim config: FILE, or without it the config that the library\n"
    "would load in this environment (SOCKSHIM_CONFIG_TOML, else SOCKSHIM_CONFIG,\n"
    "else /etc/sockshim.toml), with the library's own checks: as root, a file that\n"
    "group or others can write is refused. On errors, prints each as\n"
    "FILE:LINE:COLUMN: KEY: MESSAGE on stderr (the first 20, then how many more)\n"
    "and exits 1. Otherwise prints the number of rules, address prefixes and\n"
    "port ranges, the size of the lookup structures they are compiled into for\n"
    "matching, the top-level settings and the first 100 rules (what each\n"
    "matches, what it sets, and what a matching socket ends up with), how long\n"
    "a dead peer takes to notice, and warnings: buffers above\n"
    "net.core.rmem_max/wmem_max (which the kernel clamps), keepalive idle longer\n"
    "than common load balancer idle timeouts, keepalive without\n"
    "tcp.user_timeout.\n"
    "\n"
    "--nat-timeout DURATION (whole seconds from 1 to 1000000: 350, or with a unit\n"
    "of ms, s, m or h: \"350s\", \"4m\"): the idle timeout of a NAT,\n"
    "load balancer or firewall on the way. For the top level and each TCP rule,\n"
    "says whether keepalive keeps an idle connection in its table (a probe comes\n"
    "before it forgets), then names those that would be forgotten.\n"
    "\n"
    "Exit status: 0 valid (warnings included), 1 invalid or no config found,\n"
    "2 usage error.\n";

// Rules described one by one; a config may have up to kMaxRules, whose
// description nobody reads in full.
constexpr size_t kMaxDescribedRules = 100;

void print_consequences(const SocketSettings& effective, const KeepaliveDefaults& defaults,
                        const std::optional<int>& nat_timeout_s, const std::vector<std::string>& warnings) {
  for (const std::string& line : describe_dead_peer(effective, defaults)) {
    std::printf("  %s\n", line.c_str());
  }
  if (nat_timeout_s) {
    const MiddleboxOutcome outcome = idle_flow_through_middlebox(effective, defaults, *nat_timeout_s);
    std::printf("  idle connection through a middlebox that forgets after %d s: %s\n", *nat_timeout_s,
                describe_middlebox_outcome(outcome, *nat_timeout_s).c_str());
  }
  for (const std::string& warning : warnings) std::printf("  warning: %s\n", warning.c_str());
}

void print_middlebox_summary(const Policy& policy, const KeepaliveDefaults& defaults, int nat_timeout_s) {
  const std::vector<ForgottenSection> forgotten = sections_forgotten_by_middlebox(policy, defaults, nat_timeout_s);
  std::printf("\nbehind a middlebox that forgets idle connections after %d s:\n", nat_timeout_s);
  if (forgotten.empty()) {
    std::printf("  every section keeps its idle TCP connections alive\n");
    return;
  }
  std::printf("  idle connections would be forgotten under:\n");
  size_t shown = 0;
  for (const ForgottenSection& section : forgotten) {
    if (shown++ == kMaxDescribedRules) {
      std::printf("    and %zu more\n", forgotten.size() - kMaxDescribedRules);
      break;
    }
    const std::string name = section.rule_index
                                 ? "rule[" + std::to_string(*section.rule_index + 1) + "] \"" +
                                       policy.rules[*section.rule_index].name + "\""
                                 : std::string("top level");
    std::printf("    %s: %s\n", name.c_str(), describe_middlebox_outcome(section.outcome, nat_timeout_s).c_str());
  }
}

}  // namespace

int check_command(int argc, char** argv) {
  if (argc == 1 && (std::strcmp(argv[0], "--help") == 0 || std::strcmp(argv[0], "-h") == 0)) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  std::optional<std::string> file;
  std::optional<int> nat_timeout_s;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--nat-timeout") == 0 && i + 1 < argc) {
      const ParsedMiddleboxTimeout parsed = parse_middlebox_timeout(argv[++i]);
      if (!parsed.seconds) {
        std::fprintf(stderr, "sockshim check: --nat-timeout \"%s\": %s\n", argv[i], parsed.error.c_str());
        return kExitUsage;
      }
      nat_timeout_s = parsed.seconds;
    } else if (!file && argv[i][0] != '-') {
      file = argv[i];
    } else {
      std::fputs(kUsage, stderr);
      return kExitUsage;
    }
  }
  std::string path;
  std::optional<Policy> policy;
  if (file) {
    path = *file;
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
  std::printf("%s: valid, %zu rule%s\n", path.c_str(), policy->rules.size(),
              policy->rules.size() == 1 ? "" : "s");
  // What matching costs in memory: the lookups are built from these.
  const CompiledPolicy::Size size = CompiledPolicy(*policy).size();
  std::printf("%zu address prefix%s, %zu port range%s; compiled for matching: %.1f KiB\n\n", size.prefixes,
              size.prefixes == 1 ? "" : "es", size.port_ranges, size.port_ranges == 1 ? "" : "s",
              size.bytes / 1024.0);
  std::printf("top level (every TCP socket)\n  sets: %s\n", describe_settings(policy->defaults).c_str());
  const std::vector<std::string> top_warnings = warnings_for(policy->defaults, limits);
  print_consequences(policy->defaults, defaults, nat_timeout_s, top_warnings);

  size_t number = 1;
  for (const Rule& rule : policy->rules) {
    if (number > kMaxDescribedRules) {
      const size_t rest = policy->rules.size() - kMaxDescribedRules;
      std::printf("\nrule[%zu] to rule[%zu]: %zu more rule%s, valid, not described (at most %zu are)\n",
                  number, policy->rules.size(), rest, rest == 1 ? "" : "s", kMaxDescribedRules);
      break;
    }
    std::printf("\nrule[%zu] \"%s\": %s\n", number++, rule.name.c_str(), describe_match(rule.match).c_str());
    std::printf("  sets: %s\n", describe_settings(rule.settings.expanded()).c_str());
    const SocketSettings effective = settings_with_top_level(*policy, rule);
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
      print_consequences(effective, defaults, nat_timeout_s, warnings);
    }
  }
  if (nat_timeout_s) print_middlebox_summary(*policy, defaults, *nat_timeout_s);
  print_kernel_engine_limits(*policy);
  return kExitOk;
}

}  // namespace sockshim::cli
