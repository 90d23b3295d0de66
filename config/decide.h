// SPDX-License-Identifier: Apache-2.0
// The pure decision: which socket options a policy asks for on one socket
// event. No system calls happen here; the shim applies the result.
#pragma once

#include <cstdint>

#include "config/endpoint.h"
#include "config/option_catalogue.h"
#include "config/policy.h"

namespace sockshim {

enum class SocketEventKind { create, connect, listen, accept };

struct SocketEvent {
  SocketEventKind kind = SocketEventKind::create;
  bool ipv6 = false;  // AF_INET6 socket (an IPv4-mapped peer still counts as IPv4 for "remote")
  bool udp = false;   // SOCK_DGRAM/UDP; otherwise SOCK_STREAM/TCP
  Endpoint remote;    // connect: destination; accept: peer
  Endpoint local;     // listen: bound address; accept: local address of the connection
  const char* program = "";
};

// The settings for the socket after |event|: the top-level settings (TCP
// only), then every matching rule in file order. For an accepted socket this
// includes the listen rules of its listener, matched on |event.local|'s port
// and the listener's bound address in |listener|.
SocketSettings decide(const Policy& policy, const SocketEvent& event,
                      const Endpoint& listener = Endpoint());

bool rule_matches(const Rule& rule, const SocketEvent& event, const Endpoint& listener);

// Whether a rule of |direction| can match an event of |kind| at all.
bool direction_matches(Direction direction, SocketEventKind kind);

// |policy| without the rules whose program glob does not match |program|, and
// with the globs of the others cleared: a process's name does not change, so
// its hooks need not run fnmatch (which may allocate in a multibyte locale).
Policy for_program(Policy policy, const char* program);

// The socket an option list is for: the catalogue says which options apply
// to it and under which (level, name). Written in place, in field order:
// SocketTarget{ipv6, udp, /*listener=*/true}.
struct SocketTarget {
  bool ipv6 = false;
  bool udp = false;
  bool listener = false;  // before listen(): listener-only options apply
  bool accepted = false;  // after accept(): only what the kernel did not copy
};

// One setsockopt call.
struct SocketOption {
  OptionId id = OptionId::count_;  // count_: a raw option
  int level = 0;
  int name = 0;
  socklen_t length = 0;
  int value = 0;  // the int for messages (linger: seconds, -1 off)
  alignas(8) unsigned char data[16] = {};  // what setsockopt receives
};

struct OptionList {
  // Each catalogue option once, IP_TOS beside IPV6_TCLASS, the raw options.
  static constexpr int kCapacity = kOptionCount + 1 + kMaxRawOptions;
  SocketOption items[kCapacity] = {};
  int size = 0;
};

// |settings| without what does not apply to |target|: TCP-only options on
// UDP, listener-only options elsewhere. What socket() sets, for example.
SocketSettings applicable(const SocketSettings& settings, SocketTarget target);

// What an accepted socket has from its listener, which had |listener|: the
// options the kernel copies (the catalogue's "inherited" column).
SocketSettings copied_on_accept(const SocketSettings& listener);

// The setsockopt calls that move a socket from |already| (what it has from
// creation or from its listener) to |wanted|, in catalogue order (buffers
// first: they must precede the SYN), then the raw options.
OptionList options_to_apply(const SocketSettings& wanted, const SocketSettings& already,
                            SocketTarget target);

// "TCP_KEEPIDLE", or "raw option" for one the catalogue does not name.
const char* option_name(const SocketOption& option);

}  // namespace sockshim
