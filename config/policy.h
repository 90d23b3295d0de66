// The validated, immutable policy that a TOML file describes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/address.h"

namespace sockshim {

// Socket options one section of the file asks for; unset fields are left to
// the kernel or to an earlier section.
struct SocketSettings {
  std::optional<bool> keepalive;
  std::optional<int> keepalive_idle_s;
  std::optional<int> keepalive_interval_s;
  std::optional<int> keepalive_count;
  std::optional<int> receive_buffer;
  std::optional<int> send_buffer;
  std::optional<int> user_timeout_ms;
  std::optional<bool> nodelay;

  // Fields set in |later| replace ours: later rules win.
  void overlay(const SocketSettings& later);
  bool empty() const;
  bool has_tcp_only_settings() const;
};

enum class Direction { any, connect, listen, accept };
enum class Family { any, ipv4, ipv6 };
enum class Protocol { tcp, udp, any };

struct PortRange {
  uint16_t first = 0;
  uint16_t last = 0;
  bool contains(uint16_t port) const { return port >= first && port <= last; }
};

struct Match {
  Direction direction = Direction::any;
  Family family = Family::any;
  Protocol protocol = Protocol::tcp;
  std::vector<AddressRange> remote;  // empty: any
  std::vector<AddressRange> local;   // empty: any
  std::vector<PortRange> ports;      // empty: any
  std::string program_glob;          // empty: any

  // True when the rule looks at an address or port, and so cannot be decided
  // when the socket is created.
  bool needs_address() const {
    return !remote.empty() || !local.empty() || !ports.empty();
  }
};

struct Rule {
  std::string name;
  Match match;
  SocketSettings settings;
};

struct Policy {
  SocketSettings defaults;  // top-level sections: every TCP socket
  std::vector<Rule> rules;  // in file order

  bool empty() const { return defaults.empty() && rules.empty(); }
};

}  // namespace sockshim
