// SPDX-License-Identifier: Apache-2.0
// The one table of the socket options sockshim sets. The config reader,
// precedence, decide(), the apply order, enforcement, `sockshim check`,
// `explain`, `options` and `inspect` all walk this table; what depends on a
// value's kind (parsing, setsockopt bytes, getsockopt reports, formatting)
// is config/value_kinds.h, written once per kind.
//
// Adding an option of an existing kind touches five files:
//   1. here: its OptionId (the position is the apply order);
//   2. config/option_catalogue.cc: its entry, every field named;
//   3. tests/programs/probe_options.h: its read-back line
//      (tests/unit/catalogue_test.cc fails without it);
//   4. docs/configuration.md: the settings table, pasted from
//      `sockshim options` (tests/cli/cli_test.cc's
//      TheConfigurationGuidesSettingsTableIsTheCatalogue fails unless the
//      guide contains that output verbatim);
//   5. docs/sockshim.toml.5.scd: the SETTINGS list between its "BEGIN
//      generated" and "END generated" lines, written by
//      `sockshim options | docs/options-to-scdoc --update docs/sockshim.toml.5.scd`
//      (tests/docs/man_pages_test fails unless that list equals the
//      script's output; the man page build takes the file as it is).
// A new kind adds its case to each switch of config/value_kinds.cc (the
// compiler's -Wswitch names every one).
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

// The yes/no properties of an entry, each its own type: an entry names every
// one of them (Udp::also, Inherited::no...), and two given in the wrong
// order do not compile.
enum class Udp : bool { tcp_only, also };        // also set on UDP sockets (rules with protocol "udp"/"any")
enum class Inherited : bool { no, yes };         // the kernel copies it from a listener to the sockets it accepts
enum class EnablesKeepalive : bool { no, yes };  // giving it turns keepalive on unless enabled = false
enum class NeedsCapNetAdmin : bool { no, yes };  // the kernel refuses it without CAP_NET_ADMIN (or CAP_NET_RAW)
enum class Ipv6AlsoSetsIpv4 : bool { no, yes };  // an AF_INET6 socket may carry IPv4 (dual stack): set both

// One option. Built only field by named field, in kCatalogue:
//   CatalogueEntry(OptionId::nodelay, "tcp.nodelay")
//       .kernel_option("TCP_NODELAY", kTcp(TCP_NODELAY))
//       .value(ValueKind::flag).range(0, 1).in_unit("")
//       ...
// There is no positional form; complete() says whether every field was given.
struct CatalogueEntry {
  OptionId id;
  const char* key;                    // in the config: "section.name"
  const char* kernel_name = nullptr;  // "TCP_KEEPIDLE"; on IPv6, kernel_name_ipv6 when it differs
  LevelName ipv4;
  LevelName ipv6;
  const char* kernel_name_ipv6 = nullptr;  // null: same as kernel_name
  bool ipv6_also_sets_ipv4 = false;
  ValueKind kind = ValueKind::number;  // what a value is: config/value_kinds.h does all that depends on it
  long long minimum = 0;  // the kernel's range, in the config's unit
  long long maximum = -1;
  const char* unit = nullptr;  // "s", "ms", "bytes", "probes"... for messages and docs
  Stage stage = Stage::socket;
  bool udp = false;
  bool inherited = false;  // measured by tests/integration/catalogue_test.cc
  bool enables_keepalive = false;
  bool needs_cap_net_admin = false;
  const char* example = nullptr;         // a TOML value, for the docs and the tests
  const char* kernel_default = nullptr;  // for the docs
  const char* meaning = nullptr;         // one line for the docs

  constexpr CatalogueEntry(OptionId option, const char* config_key) : id(option), key(config_key) {}

  // The kernel's name and (level, name), on both families.
  constexpr CatalogueEntry kernel_option(const char* name, LevelName where) const {
    CatalogueEntry entry = *this;
    entry.kernel_name = name;
    entry.ipv4 = entry.ipv6 = where;
    return entry.given(kGivenKernelOption);
  }
  // Where AF_INET6 sockets have their own option (IPV6_TCLASS for IP_TOS).
  constexpr CatalogueEntry ipv6_option(const char* name, LevelName where, Ipv6AlsoSetsIpv4 also_ipv4) const {
    CatalogueEntry entry = *this;
    entry.kernel_name_ipv6 = name;
    entry.ipv6 = where;
    entry.ipv6_also_sets_ipv4 = also_ipv4 == Ipv6AlsoSetsIpv4::yes;
    return entry;
  }
  constexpr CatalogueEntry value(ValueKind value_kind) const {
    CatalogueEntry entry = *this;
    entry.kind = value_kind;
    return entry.given(kGivenValue);
  }
  constexpr CatalogueEntry range(long long lowest, long long highest) const {
    CatalogueEntry entry = *this;
    entry.minimum = lowest;
    entry.maximum = highest;
    return entry.given(kGivenRange);
  }
  constexpr CatalogueEntry in_unit(const char* name) const {  // "" when the value has none
    CatalogueEntry entry = *this;
    entry.unit = name;
    return entry.given(kGivenUnit);
  }
  constexpr CatalogueEntry takes_effect(Stage when) const {
    CatalogueEntry entry = *this;
    entry.stage = when;
    return entry.given(kGivenStage);
  }
  constexpr CatalogueEntry flags(Udp on_udp, Inherited on_accept, EnablesKeepalive keepalive,
                                 NeedsCapNetAdmin capability) const {
    CatalogueEntry entry = *this;
    entry.udp = on_udp == Udp::also;
    entry.inherited = on_accept == Inherited::yes;
    entry.enables_keepalive = keepalive == EnablesKeepalive::yes;
    entry.needs_cap_net_admin = capability == NeedsCapNetAdmin::yes;
    return entry.given(kGivenFlags);
  }
  constexpr CatalogueEntry for_example(const char* toml_value) const {
    CatalogueEntry entry = *this;
    entry.example = toml_value;
    return entry.given(kGivenExample);
  }
  constexpr CatalogueEntry by_default(const char* text) const {
    CatalogueEntry entry = *this;
    entry.kernel_default = text;
    return entry.given(kGivenKernelDefault);
  }
  constexpr CatalogueEntry means(const char* text) const {
    CatalogueEntry entry = *this;
    entry.meaning = text;
    return entry.given(kGivenMeaning);
  }

  // Every field given, with a non-empty key and kernel name and a range
  // that is not upside down.
  constexpr bool complete() const {
    return given_ == kGivenAll && key && *key && kernel_name && *kernel_name && minimum <= maximum;
  }

 private:
  enum : uint16_t {
    kGivenKernelOption = 1 << 0,
    kGivenValue = 1 << 1,
    kGivenRange = 1 << 2,
    kGivenUnit = 1 << 3,
    kGivenStage = 1 << 4,
    kGivenFlags = 1 << 5,
    kGivenExample = 1 << 6,
    kGivenKernelDefault = 1 << 7,
    kGivenMeaning = 1 << 8,
    kGivenAll = (1 << 9) - 1,
  };
  constexpr CatalogueEntry given(uint16_t field) const {
    CatalogueEntry entry = *this;
    entry.given_ |= field;
    return entry;
  }
  uint16_t given_ = 0;
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
