// SPDX-License-Identifier: Apache-2.0
#include "config/policy_summary.h"

#include "config/enforce.h"
#include "config/option_catalogue.h"

namespace sockshim {
namespace {

// Which options |settings| sets that need the listen or the accept event
// even without an address: listener-only options, and options the kernel
// does not copy to accepted sockets (or enforced ones, to mark those sockets).
void note_event_needs(const SocketSettings& settings, PolicySummary* summary) {
  for (const CatalogueEntry& entry : kCatalogue) {
    if (!settings.get(entry.id)) continue;
    summary->listen_rules |= entry.stage == Stage::before_listen;
    summary->accept_rules |= !entry.inherited;
  }
  summary->accept_rules |= settings.enforced != 0 || settings.raw_count > 0;
  summary->listen_rules |= settings.raw_count > 0;
}
void note_event_needs(const CompactSettings& settings, PolicySummary* summary) {
  for (const CompactSettings::Value& value : settings.values()) {
    const CatalogueEntry& entry = kCatalogue[static_cast<int>(value.id)];
    summary->listen_rules |= entry.stage == Stage::before_listen;
    summary->accept_rules |= !entry.inherited;
  }
  summary->accept_rules |= settings.enforced() != 0 || !settings.raw().empty();
  summary->listen_rules |= !settings.raw().empty();
}

// |decide_at_creation(event)| gives what decide(policy, event) gives.
template <typename DecideAtCreation>
void summarise_with(const Policy& policy, const char* program, PolicySummary* summary,
                    DecideAtCreation decide_at_creation) {
  note_event_needs(policy.defaults, summary);
  for (const Rule& rule : policy.rules) {
    const Direction direction = rule.match.direction;
    const bool addressed = rule.match.needs_address();
    // An address-free rule of direction "any" is already applied by socket().
    summary->connect_rules |= direction == Direction::connect || (direction == Direction::any && addressed);
    summary->listen_rules |= direction == Direction::listen || (direction == Direction::any && addressed);
    // Listen rules reach accepted sockets through the kernel's copy.
    summary->accept_rules |= direction == Direction::accept || (direction == Direction::any && addressed);
    summary->udp_rules |= rule.match.protocol != Protocol::tcp;
    note_event_needs(rule.settings, summary);
  }
  for (int ipv6 = 0; ipv6 < 2; ++ipv6) {
    for (int udp = 0; udp < 2; ++udp) {
      SocketEvent event;
      event.ipv6 = ipv6;
      event.udp = udp;
      event.program = program;
      const SocketTarget target{ipv6 == 1, udp == 1};
      summary->at_creation[ipv6][udp] = applicable(decide_at_creation(event), target);
      summary->creation_options[ipv6][udp] =
          options_to_apply(summary->at_creation[ipv6][udp], SocketSettings(), target);
      summary->creation_enforced[ipv6][udp] = enforced_on(summary->at_creation[ipv6][udp], target);
    }
  }
}

}  // namespace

void summarise(const Policy& policy, const char* program, PolicySummary* summary) {
  summarise_with(policy, program, summary, [&](const SocketEvent& event) { return decide(policy, event); });
}

void summarise(const CompiledPolicy& compiled, const char* program, PolicySummary* summary) {
  summarise_with(compiled.policy(), program, summary,
                 [&](const SocketEvent& event) { return compiled.decide(event); });
}

bool any_rule_matches(const Policy& policy, const PolicySummary& summary, const SocketEvent& event) {
  for (const Rule& rule : policy.rules) {
    if (rule_matches(rule, event, Endpoint())) return true;
  }
  if (!summary.udp_rules || event.udp) return false;
  SocketEvent as_udp = event;  // not yet known at connect(): either may match
  as_udp.udp = true;
  for (const Rule& rule : policy.rules) {
    if (rule_matches(rule, as_udp, Endpoint())) return true;
  }
  return false;
}

int first_accept_time_rule(const Policy& policy) {
  for (size_t i = 0; i < policy.rules.size(); ++i) {
    const Match& match = policy.rules[i].match;
    if (match.direction == Direction::accept ||
        (match.direction == Direction::any && (!match.remote.empty() || !match.local.empty()))) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

}  // namespace sockshim
