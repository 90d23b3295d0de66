#include "config/decide.h"

#include <fnmatch.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace sockshim {
namespace {

bool direction_matches(Direction direction, SocketEventKind kind) {
  switch (direction) {
    case Direction::any: return true;
    case Direction::connect: return kind == SocketEventKind::connect;
    // A listen rule also covers the connections its listener accepts.
    case Direction::listen: return kind == SocketEventKind::listen || kind == SocketEventKind::accept;
    case Direction::accept: return kind == SocketEventKind::accept;
  }
  return false;
}

bool in_ranges(const std::vector<AddressRange>& ranges, const Endpoint& endpoint) {
  if (ranges.empty()) return true;
  if (!endpoint.known) return false;
  for (const AddressRange& range : ranges) {
    if (range.contains(endpoint.address)) return true;
  }
  return false;
}

bool in_ports(const std::vector<PortRange>& ports, const Endpoint& endpoint) {
  if (ports.empty()) return true;
  if (!endpoint.known) return false;
  for (const PortRange& range : ports) {
    if (range.contains(endpoint.port)) return true;
  }
  return false;
}

}  // namespace

bool rule_matches(const Rule& rule, const SocketEvent& event, const Endpoint& listener) {
  const Match& match = rule.match;
  if (!direction_matches(match.direction, event.kind)) return false;
  if (match.family == Family::ipv4 && event.ipv6) return false;
  if (match.family == Family::ipv6 && !event.ipv6) return false;
  if (match.protocol == Protocol::tcp && event.udp) return false;
  if (match.protocol == Protocol::udp && !event.udp) return false;
  if (!match.program_glob.empty() &&
      fnmatch(match.program_glob.c_str(), event.program, 0) != 0) {
    return false;
  }
  if (event.kind == SocketEventKind::create) return !match.needs_address();

  // Which address each matcher looks at depends on the event.
  const bool inherited_from_listener =
      event.kind == SocketEventKind::accept && match.direction == Direction::listen;
  const Endpoint& local = inherited_from_listener ? listener : event.local;
  const Endpoint& port_owner = event.kind == SocketEventKind::connect ? event.remote : local;
  if (inherited_from_listener && !listener.known) return false;
  // Ports first: the cheapest test, and the one most rules narrow on.
  return in_ports(match.ports, port_owner) && in_ranges(match.remote, event.remote) &&
         in_ranges(match.local, local);
}

Policy for_program(const Policy& policy, const char* program) {
  Policy specialised;
  specialised.defaults = policy.defaults;
  for (const Rule& rule : policy.rules) {
    if (!rule.match.program_glob.empty() && fnmatch(rule.match.program_glob.c_str(), program, 0) != 0) {
      continue;
    }
    specialised.rules.push_back(rule);
    specialised.rules.back().match.program_glob.clear();
  }
  return specialised;
}

SocketSettings decide(const Policy& policy, const SocketEvent& event, const Endpoint& listener) {
  SocketSettings settings;
  if (!event.udp) settings = policy.defaults;
  for (const Rule& rule : policy.rules) {
    if (rule_matches(rule, event, listener)) settings.overlay(rule.settings);
  }
  return settings;
}

OptionList options_to_apply(const SocketSettings& wanted, const SocketSettings& already,
                            bool udp) {
  OptionList list;
  auto add = [&](OptionId id, int level, int name, const auto& want, const auto& have) {
    if (!want || want == have) return;
    list.items[list.size++] = SocketOption{id, level, name, static_cast<int>(*want)};
  };
  add(OptionId::receive_buffer, SOL_SOCKET, SO_RCVBUF, wanted.receive_buffer, already.receive_buffer);
  add(OptionId::send_buffer, SOL_SOCKET, SO_SNDBUF, wanted.send_buffer, already.send_buffer);
  if (udp) return list;
  add(OptionId::keepalive_idle, IPPROTO_TCP, TCP_KEEPIDLE, wanted.keepalive_idle_s, already.keepalive_idle_s);
  add(OptionId::keepalive_interval, IPPROTO_TCP, TCP_KEEPINTVL, wanted.keepalive_interval_s, already.keepalive_interval_s);
  add(OptionId::keepalive_count, IPPROTO_TCP, TCP_KEEPCNT, wanted.keepalive_count, already.keepalive_count);
  add(OptionId::keepalive, SOL_SOCKET, SO_KEEPALIVE, wanted.keepalive, already.keepalive);
  add(OptionId::user_timeout, IPPROTO_TCP, TCP_USER_TIMEOUT, wanted.user_timeout_ms, already.user_timeout_ms);
  add(OptionId::nodelay, IPPROTO_TCP, TCP_NODELAY, wanted.nodelay, already.nodelay);
  return list;
}

const char* option_name(OptionId id) {
  switch (id) {
    case OptionId::receive_buffer: return "SO_RCVBUF";
    case OptionId::send_buffer: return "SO_SNDBUF";
    case OptionId::keepalive: return "SO_KEEPALIVE";
    case OptionId::keepalive_idle: return "TCP_KEEPIDLE";
    case OptionId::keepalive_interval: return "TCP_KEEPINTVL";
    case OptionId::keepalive_count: return "TCP_KEEPCNT";
    case OptionId::user_timeout: return "TCP_USER_TIMEOUT";
    case OptionId::nodelay: return "TCP_NODELAY";
    case OptionId::count_: break;
  }
  return "?";
}

}  // namespace sockshim
