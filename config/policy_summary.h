// SPDX-License-Identifier: Apache-2.0
// What a policy asks at each kind of socket event, worked out once per
// program so that both engines (the preload's hooks and the supervisor) can
// skip events that no rule can change. Pure: no system calls.
#pragma once

#include <cstdint>

#include "config/compiled_policy.h"
#include "config/decide.h"
#include "config/policy.h"

namespace sockshim {

struct PolicySummary {
  // Whether any rule can match each kind of event; when none can, the
  // engine skips the system calls that classify the socket.
  bool connect_rules = false;
  bool listen_rules = false;
  // Also: options the kernel does not copy to accepted sockets, and
  // enforcement (accepted sockets are marked as enforced too).
  bool accept_rules = false;
  bool udp_rules = false;  // any rule for protocol "udp" or "any"

  // What socket() applies, by [ipv6][udp]: the top-level settings and the
  // rules that need no address, as far as they apply to a new socket.
  SocketSettings at_creation[2][2];
  OptionList creation_options[2][2];
  uint32_t creation_enforced[2][2] = {};  // enforced_on(at_creation)

  bool any_creation_options(bool udp) const {
    return creation_options[0][udp].size > 0 || creation_options[1][udp].size > 0;
  }
};

// |policy| is already narrowed to |program| (for_program()).
void summarise(const Policy& policy, const char* program, PolicySummary* summary);
// The same for |compiled|.policy(), finding the rules that apply at
// creation through the compiled lookups rather than by trying every rule.
void summarise(const CompiledPolicy& compiled, const char* program, PolicySummary* summary);

// True when some rule could change the socket at |event| (whose program is
// already set). At connect() the protocol is not known yet: with UDP rules,
// a rule for either protocol counts.
bool any_rule_matches(const Policy& policy, const PolicySummary& summary, const SocketEvent& event);

// The index of the first rule that can match an accepted connection other
// than through its listener: direction "accept", or "any" with a remote or
// local address (the peer's, and the connection's own local address, are
// known only at accept). -1 when there is none: then every accepted socket
// has exactly what its listener had at listen(), copied by the kernel.
int first_accept_time_rule(const Policy& policy);

}  // namespace sockshim
