// SPDX-License-Identifier: Apache-2.0
#include "config/middlebox_timeout.h"

#include <algorithm>

#include "config/units.h"

namespace sockshim {

ParsedMiddleboxTimeout parse_middlebox_timeout(std::string_view text) {
  ParsedMiddleboxTimeout parsed;
  const std::string too_long = "is too long: at most " + std::to_string(kMaxMiddleboxTimeoutS) + " s";
  // A bare number counts seconds.
  const size_t unit_start = std::min(text.find_first_not_of("0123456789"), text.size());
  const std::string_view unit = unit_start == text.size() ? "s" : text.substr(unit_start);
  const std::string duration = std::string(text.substr(0, unit_start)) + std::string(unit);
  if (!text.empty() && text[0] == '-' && parse_middlebox_timeout(text.substr(1)).error.rfind("not a", 0) != 0) {
    parsed.error = "must be above 0";  // a negative duration
    return parsed;
  }
  const std::optional<int64_t> ms = parse_duration_ms(duration);
  if (!ms) {
    // Digits and a known unit that still do not parse: too many digits.
    const bool known_unit = unit_start > 0 && parse_duration_ms("1" + std::string(unit));
    parsed.error = known_unit ? too_long
                              : "not a duration: whole seconds, or a number with a unit of ms, s, m or h "
                                "(350, 350s, 4m)";
  } else if (*ms == 0) {
    parsed.error = "must be above 0";
  } else if (*ms % 1000 != 0) {
    parsed.error = "not a whole number of seconds";
  } else if (*ms / 1000 > kMaxMiddleboxTimeoutS) {
    parsed.error = too_long;
  } else {
    parsed.seconds = static_cast<int>(*ms / 1000);
  }
  return parsed;
}

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
