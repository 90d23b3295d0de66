// The pure decision: which socket options a policy asks for on one socket
// event. No system calls happen here; the shim applies the result.
#pragma once

#include <cstdint>

#include "config/endpoint.h"
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

// |policy| without the rules whose program glob does not match |program|, and
// with the globs of the others cleared: a process's name does not change, so
// its hooks need not run fnmatch (which may allocate in a multibyte locale).
Policy for_program(const Policy& policy, const char* program);

// One setsockopt call.
enum class OptionId : uint8_t {
  receive_buffer,
  send_buffer,
  keepalive,
  keepalive_idle,
  keepalive_interval,
  keepalive_count,
  user_timeout,
  nodelay,
  count_
};

struct SocketOption {
  OptionId id = OptionId::count_;
  int level = 0;
  int name = 0;
  int value = 0;
};

struct OptionList {
  static constexpr int kCapacity = static_cast<int>(OptionId::count_);
  SocketOption items[kCapacity] = {};
  int size = 0;
};

// The setsockopt calls that move a socket from |already| (what it has from
// creation or from its listener) to |wanted|; TCP-level options only on TCP
// sockets. Buffers come first: they must precede the SYN.
OptionList options_to_apply(const SocketSettings& wanted, const SocketSettings& already,
                            bool udp);

const char* option_name(OptionId id);

}  // namespace sockshim
