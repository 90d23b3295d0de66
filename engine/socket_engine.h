// SPDX-License-Identifier: Apache-2.0
// The per-event logic of every front-end, written once: which options to set
// on a socket at socket(), connect(), listen() (and a UDP socket's bind()),
// accept(), and what to do with the program's own setsockopt for an option
// the config enforces. The decision itself is config/decide.h's; the kernel
// is reached through the front-end's SocketOps; what a front-end remembers
// about a socket (the enforced options) it stores itself, from the outcome.
//
// No allocation, no exception, no lock: the preload runs this inside its
// hooks. errno is left as found.
#pragma once

#include <sys/socket.h>

#include <cstdint>

#include "config/compiled_policy.h"
#include "config/decide.h"
#include "config/policy_summary.h"
#include "engine/fresh_values.h"
#include "engine/socket_facts.h"
#include "engine/socket_ops.h"

namespace sockshim {

// What one event did to a socket.
struct EventOutcome {
  bool decided = false;   // the engine decided for this socket: |enforced| is its enforced set now
  int applied = 0;        // setsockopt calls the kernel accepted
  int refused = 0;        // setsockopt calls the kernel refused
  uint32_t enforced = 0;  // enforced options set on the socket (bit per OptionId)
};

class SocketEngine {
 public:
  // |policy| and |summary| describe one process (its program name is
  // |program|, for the globs |policy| still has); all three outlive this
  // object, which is cheap to make for each event.
  SocketEngine(SocketOps& ops, const CompiledPolicy& policy, const PolicySummary& summary,
               const char* program = "")
      : ops_(ops), policy_(policy), summary_(summary), program_(program) {}

  // socket(): the top-level options for its family and protocol. With
  // |fresh|, only those the program has not changed yet (the untouched
  // rule), for a front-end that sees the socket only later.
  EventOutcome created(int fd, SocketKind kind, FreshValues* fresh = nullptr);

  // Before the real connect() to |address|: options that shape the SYN must
  // be in place. Without |kind| the kernel is asked whether the socket is
  // TCP or UDP only when a rule matches the destination.
  EventOutcome connecting(int fd, const sockaddr* address, socklen_t length, const SocketKind* kind = nullptr);

  // Rules for the bound address ("listen" direction): a TCP socket's before
  // the real listen() (the kernel copies a listener's options into every
  // socket it accepts), a UDP socket's at bind() (UDP has no listen()).
  // |kind| and |local| when the front-end knows them (the supervisor reads
  // bind()'s address before the call); otherwise the kernel is asked.
  EventOutcome bound(int fd, bool udp, const SocketKind* kind = nullptr, const Endpoint* local = nullptr);

  // After accept() on |listener_fd| returned |fd| and |filled| bytes of the
  // peer's address: only what differs from what the kernel copied from the
  // listener (accept rules, and the options the kernel does not copy).
  EventOutcome accepted(int listener_fd, int fd, const sockaddr* address, socklen_t filled);

  // An accepted (connected or listening) TCP socket that a front-end sees
  // only after the fact: the enforced options it carries from its listener.
  uint32_t inherited_enforcement(int fd, bool ipv6);

 private:
  SocketSettings decide(SocketEvent event, const Endpoint& listener = {}) const;
  // Sets what |wanted| adds to |already| on |fd|.
  EventOutcome apply(int fd, const SocketSettings& wanted, const SocketSettings& already, SocketTarget target,
                     const char* event_name);
  EventOutcome apply(int fd, const OptionList& options, const char* event_name);

  SocketOps& ops_;
  const CompiledPolicy& policy_;
  const PolicySummary& summary_;
  const char* program_;
};

// The program's own setsockopt(level, name) on a socket whose enforced set
// is |enforced_on_socket|: true when its value is not passed on (the call
// succeeds and the configured value stays).
bool keeps_enforced_value(uint32_t enforced_on_socket, int level, int name);

}  // namespace sockshim
