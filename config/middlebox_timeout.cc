// SPDX-License-Identifier: Apache-2.0
#include "config/middlebox_timeout.h"

namespace sockshim {

MiddleboxOutcome idle_flow_through_middlebox(const SocketSettings& settings, const KeepaliveDefaults& defaults,
                                             int middlebox_timeout_s) {
  MiddleboxOutcome outcome;
  if (!settings.number(OptionId::keepalive).value_or(0)) return outcome;
  const int idle = settings.number(OptionId::keepalive_idle).value_or(defaults.idle_s);
  const int interval = settings.number(OptionId::keepalive_interval).value_or(defaults.interval_s);
  outcome.silence_s = idle;
  outcome.survives = idle < middlebox_timeout_s;
  if (!outcome.survives) return outcome;
  // Probes the kernel sends before it ends the connection: count, or with
  // tcp.user_timeout as many as its ticks before the timeout.
  const int probes = (*dead_peer_times(settings, defaults).idle_peer_s - idle) / interval;
  // After k lost probes the next one goes out at idle + k x interval.
  while (outcome.lost_probes_tolerated + 1 < probes &&
         idle + (outcome.lost_probes_tolerated + 1) * interval < middlebox_timeout_s) {
    ++outcome.lost_probes_tolerated;
  }
  return outcome;
}

SocketSettings settings_with_top_level(const Policy& policy, const Rule& rule) {
  SocketSettings settings;
  if (rule.match.protocol != Protocol::udp) settings = policy.defaults;
  settings.overlay(rule.settings);
  return settings;
}

std::vector<ForgottenSection> sections_forgotten_by_middlebox(const Policy& policy,
                                                             const KeepaliveDefaults& defaults,
                                                             int middlebox_timeout_s) {
  std::vector<ForgottenSection> forgotten;
  const MiddleboxOutcome top = idle_flow_through_middlebox(policy.defaults, defaults, middlebox_timeout_s);
  if (!top.survives) forgotten.push_back({std::nullopt, top});
  for (size_t i = 0; i < policy.rules.size(); ++i) {
    const Rule& rule = policy.rules[i];
    if (rule.match.protocol == Protocol::udp) continue;  // no keepalive, no TCP flow
    const MiddleboxOutcome outcome =
        idle_flow_through_middlebox(settings_with_top_level(policy, rule), defaults, middlebox_timeout_s);
    if (!outcome.survives) {
      forgotten.push_back({i, outcome});
    }
  }
  return forgotten;
}

}  // namespace sockshim
