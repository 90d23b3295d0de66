// SPDX-License-Identifier: Apache-2.0
// Whether keepalive keeps an idle connection in the table of a middlebox
// (NAT gateway, load balancer, stateful firewall) that forgets flows after a
// given time without packets.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/dead_peer.h"
#include "config/policy.h"

namespace sockshim {

// While the peer answers, each probe's acknowledgement restarts the idle
// time, so the flow is never silent for longer than keepalive idle. A lost
// probe (or its lost answer) adds an interval of silence; after `count`
// unanswered probes (or tcp.user_timeout) the kernel ends the connection
// anyway.
struct MiddleboxOutcome {
  bool survives = false;
  // The keepalive idle in effect (namespace default when the config leaves
  // it unset); nullopt when keepalive is off.
  std::optional<int> silence_s;
  // Consecutive lost probes after which the flow is still remembered
  // (0 when surviving needs every probe answered).
  int lost_probes_tolerated = 0;
};

// The longest middlebox timeout accepted: far above any real one (days), and
// small enough for every sum of seconds made from it.
constexpr int kMaxMiddleboxTimeoutS = 1000000;

// A middlebox timeout as written on a command line: whole seconds ("350"),
// or a duration as the config writes one ("350s", "4m", "1h", "90000ms").
// Either |seconds| (1 to kMaxMiddleboxTimeoutS) or, when refused, |error|:
// why, in words that fit after the value ("must be above 0").
struct ParsedMiddleboxTimeout {
  std::optional<int> seconds;
  std::string error;
};
ParsedMiddleboxTimeout parse_middlebox_timeout(std::string_view text);

// |middlebox_timeout_s| > 0. The flow survives when a probe always comes
// before the middlebox forgets: idle < timeout (at exactly the timeout the
// probe and the expiry race).
MiddleboxOutcome idle_flow_through_middlebox(const SocketSettings& settings, const KeepaliveDefaults& defaults,
                                             int middlebox_timeout_s);

// What a TCP socket that one rule matches ends up with: the top level, then
// the rule. (A UDP rule never gets keepalive.)
SocketSettings settings_with_top_level(const Policy& policy, const Rule& rule);

struct ForgottenSection {
  std::optional<size_t> rule_index;  // into policy.rules; nullopt: the top level
  MiddleboxOutcome outcome;
};

// The top level and the TCP rules whose idle connections the middlebox
// would forget, in file order.
std::vector<ForgottenSection> sections_forgotten_by_middlebox(const Policy& policy,
                                                             const KeepaliveDefaults& defaults,
                                                             int middlebox_timeout_s);

}  // namespace sockshim
