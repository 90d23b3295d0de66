// SPDX-License-Identifier: Apache-2.0
// The one table of the socket options sockshim sets. The config reader,
// precedence, decide(), the apply order, enforcement, `sockshim check`,
// `explain` and `inspect`, the README's settings table and the tests' list of
// options all walk this table; adding an option is one entry here and its
// tests (tests/unit/catalogue_test.cc says which).
#pragma once

#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <climits>
#include <cstdint>
#include <string_view>

namespace sockshim {

// In apply order: the table's order is the order of the setsockopt calls.
enum class OptionId : uint8_t {
  receive_buffer,  // buffers first: they fix the window scale the SYN offers
  send_buffer,
  keepalive_idle,
  keepalive_interval,
  keepalive_count,
  keepalive,
  user_timeout,
  nodelay,
  dscp,
  priority,
  mark,
  congestion,
  notsent_lowat,
  linger,
  maxseg,
  syncnt,
  window_clamp,
  defer_accept,
  fastopen,
  bind_address_no_port,
  count_
};
constexpr int kOptionCount = static_cast<int>(OptionId::count_);
static_assert(kOptionCount <= 32, "SocketSettings::enforced is a 32-bit set");

// How the config writes a value, and how the kernel takes it.
enum class ValueKind : uint8_t {
  flag,          // true/false; an int 0/1
  seconds,       // an integer, or "30s", "5m" (whole seconds)
  milliseconds,  // an integer, or "500ms", "20s"
  number,        // a plain integer
  bytes,         // an integer, or "256KiB", "1MiB"
  dscp,          // "AF41", "EF", "CS3" or 0..63; the kernel gets the TOS byte (DSCP << 2)
  linger,        // "off"/false, or seconds (on, with that timeout); a struct linger
  name,          // a short name (a congestion control algorithm); a char[16]
};

// When sockshim sets it. Every stage is also "at the event of the rule that
// asks for it" when that rule looks at an address.
enum class Stage : uint8_t {
  socket,         // right after socket(): takes effect whenever it is set
  before_connect, // read when the SYN is sent: set by socket(), connect() or listen() at the latest
  before_listen,  // for listening sockets only: set just before listen()
};

struct LevelName {
  int level = 0;
  int name = 0;
};

struct CatalogueEntry {
  OptionId id;
  const char* key;          // in the config: "section.name"
  const char* kernel_name;  // "TCP_KEEPIDLE"; on IPv6, kernel_name_ipv6 when it differs
  LevelName ipv4;
  LevelName ipv6;
  const char* kernel_name_ipv6;  // null: same as kernel_name
  bool ipv6_also_sets_ipv4;      // an AF_INET6 socket may carry IPv4 (dual stack): set both
  ValueKind kind;
  long long minimum;  // the kernel's range, in the config's unit
  long long maximum;
  const char* unit;  // "s", "ms", "bytes", "probes"... for messages and docs
  Stage stage;
  bool udp;        // also set on UDP sockets (rules with protocol "udp"/"any")
  bool inherited;  // the kernel copies it from a listener to the sockets it accepts
                   // (measured by tests/integration/catalogue_test.cc)
  bool enables_keepalive;  // giving it turns keepalive on unless enabled = false
  bool needs_cap_net_admin;  // (or CAP_NET_RAW, for SO_MARK)
  const char* example;         // a TOML value, for the docs and the tests
  const char* kernel_default;  // for the docs
  const char* meaning;         // one line for the docs
};

// The entries, indexed by OptionId.
extern const CatalogueEntry kCatalogue[kOptionCount];

inline const CatalogueEntry& catalogue_entry(OptionId id) { return kCatalogue[static_cast<int>(id)]; }

// "keepalive.idle" → its entry; null when the catalogue has none.
const CatalogueEntry* find_option_by_key(std::string_view key);

// The entry whose IPv4 or IPv6 (level, name) this is; null otherwise.
const CatalogueEntry* find_option_by_level_name(int level, int name);

// The config's sections: the part of each key before the dot, in table order,
// each once ("buffers", "keepalive", "tcp", "ip", "socket").
int catalogue_sections(std::string_view* out, int capacity);

// The kernel name on a socket of that family ("IP_TOS", "IPV6_TCLASS").
inline const char* kernel_name(const CatalogueEntry& entry, bool ipv6) {
  return ipv6 && entry.kernel_name_ipv6 ? entry.kernel_name_ipv6 : entry.kernel_name;
}

// DSCP class names ("AF41" → 34); nullopt-like -1 when unknown.
int dscp_from_name(std::string_view name);

// Level and option names that raw options may use besides numbers
// ("SOL_SOCKET", "IPPROTO_TCP", "TCP_QUICKACK", ...); -1 when unknown.
int level_from_name(std::string_view name);
int raw_option_from_name(std::string_view name);

}  // namespace sockshim
