// SPDX-License-Identifier: Apache-2.0
#include "config/option_catalogue.h"

#include <netinet/in.h>

namespace sockshim {
namespace {

constexpr LevelName kSocket(int name) { return {SOL_SOCKET, name}; }
constexpr LevelName kTcp(int name) { return {IPPROTO_TCP, name}; }
constexpr LevelName kIp(int name) { return {IPPROTO_IP, name}; }
constexpr LevelName kIpv6(int name) { return {IPPROTO_IPV6, name}; }

}  // namespace

// In OptionId order (the apply order). Each field is named; see
// CatalogueEntry for what each means.
constexpr CatalogueEntry kCatalogue[kOptionCount] = {
    CatalogueEntry(OptionId::receive_buffer, "buffers.receive")
        .kernel_option("SO_RCVBUF", kSocket(SO_RCVBUF))
        .value(ValueKind::bytes).range(1, INT_MAX).in_unit("bytes")
        .takes_effect(Stage::before_connect)
        .flags(Udp::also, Inherited::yes, EnablesKeepalive::no, NeedsCapNetAdmin::no)
        .for_example("\"256KiB\"")
        .by_default("autotuned")
        .means("receive buffer; fixes the window scale of the SYN; the kernel doubles it, capped at net.core.rmem_max"),
    CatalogueEntry(OptionId::send_buffer, "buffers.send")
        .kernel_option("SO_SNDBUF", kSocket(SO_SNDBUF))
        .value(ValueKind::bytes).range(1, INT_MAX).in_unit("bytes")
        .takes_effect(Stage::before_connect)
        .flags(Udp::also, Inherited::yes, EnablesKeepalive::no, NeedsCapNetAdmin::no)
        .for_example("131072")
        .by_default("autotuned")
        .means("send buffer; the kernel doubles it, capped at net.core.wmem_max"),
    CatalogueEntry(OptionId::keepalive_idle, "keepalive.idle")
        .kernel_option("TCP_KEEPIDLE", kTcp(TCP_KEEPIDLE))
        .value(ValueKind::seconds).range(1, 32767).in_unit("s")
        .takes_effect(Stage::socket)
        .flags(Udp::tcp_only, Inherited::yes, EnablesKeepalive::yes, NeedsCapNetAdmin::no)
        .for_example("30")
        .by_default("7200 s")
        .means("idle time before the first keepalive probe"),
    CatalogueEntry(OptionId::keepalive_interval, "keepalive.interval")
        .kernel_option("TCP_KEEPINTVL", kTcp(TCP_KEEPINTVL))
        .value(ValueKind::seconds).range(1, 32767).in_unit("s")
        .takes_effect(Stage::socket)
        .flags(Udp::tcp_only, Inherited::yes, EnablesKeepalive::yes, NeedsCapNetAdmin::no)
        .for_example("10")
        .by_default("75 s")
        .means("time between keepalive probes"),
    CatalogueEntry(OptionId::keepalive_count, "keepalive.count")
        .kernel_option("TCP_KEEPCNT", kTcp(TCP_KEEPCNT))
        .value(ValueKind::number).range(1, 127).in_unit("probes")
        .takes_effect(Stage::socket)
        .flags(Udp::tcp_only, Inherited::yes, EnablesKeepalive::yes, NeedsCapNetAdmin::no)
        .for_example("3")
        .by_default("9")
        .means("unanswered probes before the connection is dropped"),
    CatalogueEntry(OptionId::keepalive, "keepalive.enabled")
        .kernel_option("SO_KEEPALIVE", kSocket(SO_KEEPALIVE))
        .value(ValueKind::flag).range(0, 1).in_unit("")
        .takes_effect(Stage::socket)
        .flags(Udp::tcp_only, Inherited::yes, EnablesKeepalive::no, NeedsCapNetAdmin::no)
        .for_example("true")
        .by_default("off")
        .means("keepalive probes on idle connections"),
    CatalogueEntry(OptionId::user_timeout, "tcp.user_timeout")
        .kernel_option("TCP_USER_TIMEOUT", kTcp(TCP_USER_TIMEOUT))
        .value(ValueKind::milliseconds).range(0, INT_MAX).in_unit("ms")
        .takes_effect(Stage::socket)
        .flags(Udp::tcp_only, Inherited::yes, EnablesKeepalive::no, NeedsCapNetAdmin::no)
        .for_example("\"20s\"")
        .by_default("0 (off)")
        .means("how long data may stay unacknowledged before the connection is dropped (0: kernel default)"),
    CatalogueEntry(OptionId::nodelay, "tcp.nodelay")
        .kernel_option("TCP_NODELAY", kTcp(TCP_NODELAY))
        .value(ValueKind::flag).range(0, 1).in_unit("")
        .takes_effect(Stage::socket)
        .flags(Udp::tcp_only, Inherited::yes, EnablesKeepalive::no, NeedsCapNetAdmin::no)
        .for_example("true")
        .by_default("off")
        .means("send small segments at once (no Nagle)"),
    CatalogueEntry(OptionId::dscp, "ip.dscp")
        .kernel_option("IP_TOS", kIp(IP_TOS))
        .ipv6_option("IPV6_TCLASS", kIpv6(IPV6_TCLASS), Ipv6AlsoSetsIpv4::yes)
        .value(ValueKind::dscp).range(0, 63).in_unit("")
        .takes_effect(Stage::socket)
        .flags(Udp::also, Inherited::yes, EnablesKeepalive::no, NeedsCapNetAdmin::no)
        .for_example("\"AF41\"")
        .by_default("0 (CS0)")
        .means("DSCP marking: a class name (\"EF\", \"AF41\", \"CS1\") or 0..63; the TOS/traffic class byte is DSCP << 2"),
    CatalogueEntry(OptionId::priority, "socket.priority")
        .kernel_option("SO_PRIORITY", kSocket(SO_PRIORITY))
        .value(ValueKind::number).range(0, INT_MAX).in_unit("")
        .takes_effect(Stage::socket)
        .flags(Udp::also, Inherited::no, EnablesKeepalive::no, NeedsCapNetAdmin::no)
        .for_example("5")
        .by_default("0")
        .means("queueing priority (qdisc band); above 6 needs CAP_NET_ADMIN; reset to 0 on accepted sockets, so set again"),
    CatalogueEntry(OptionId::mark, "socket.mark")
        .kernel_option("SO_MARK", kSocket(SO_MARK))
        .value(ValueKind::number).range(0, UINT32_MAX).in_unit("")
        .takes_effect(Stage::socket)
        .flags(Udp::also, Inherited::yes, EnablesKeepalive::no, NeedsCapNetAdmin::yes)
        .for_example("42")
        .by_default("0")
        .means("firewall mark (fwmark) for policy routing and nftables; needs CAP_NET_ADMIN or CAP_NET_RAW"),
    CatalogueEntry(OptionId::congestion, "tcp.congestion")
        .kernel_option("TCP_CONGESTION", kTcp(TCP_CONGESTION))
        .value(ValueKind::name).range(1, 15).in_unit("")
        .takes_effect(Stage::socket)
        .flags(Udp::tcp_only, Inherited::yes, EnablesKeepalive::no, NeedsCapNetAdmin::no)
        .for_example("\"reno\"")
        .by_default("net.ipv4.tcp_congestion_control")
        .means("congestion control algorithm, one of net.ipv4.tcp_available_congestion_control (\"bbr\", \"cubic\")"),
    CatalogueEntry(OptionId::notsent_lowat, "tcp.notsent_lowat")
        .kernel_option("TCP_NOTSENT_LOWAT", kTcp(TCP_NOTSENT_LOWAT))
        .value(ValueKind::bytes).range(0, INT_MAX).in_unit("bytes")
        .takes_effect(Stage::socket)
        .flags(Udp::tcp_only, Inherited::yes, EnablesKeepalive::no, NeedsCapNetAdmin::no)
        .for_example("\"16KiB\"")
        .by_default("net.ipv4.tcp_notsent_lowat (unlimited)")
        .means("unsent bytes above which the socket stops being writable; less buffering delay"),
    CatalogueEntry(OptionId::linger, "socket.linger")
        .kernel_option("SO_LINGER", kSocket(SO_LINGER))
        .value(ValueKind::linger).range(0, INT_MAX).in_unit("s")
        .takes_effect(Stage::socket)
        .flags(Udp::tcp_only, Inherited::yes, EnablesKeepalive::no, NeedsCapNetAdmin::no)
        .for_example("5")
        .by_default("off")
        .means("close() waits this long for unsent data (0: reset the connection); \"off\" for the default"),
    CatalogueEntry(OptionId::maxseg, "tcp.maxseg")
        .kernel_option("TCP_MAXSEG", kTcp(TCP_MAXSEG))
        .value(ValueKind::bytes).range(88, 32767).in_unit("bytes")
        .takes_effect(Stage::before_connect)
        .flags(Udp::tcp_only, Inherited::yes, EnablesKeepalive::no, NeedsCapNetAdmin::no)
        .for_example("1200")
        .by_default("from the route's MTU")
        .means("largest segment announced in the SYN (MSS clamp)"),
    CatalogueEntry(OptionId::syncnt, "tcp.syncnt")
        .kernel_option("TCP_SYNCNT", kTcp(TCP_SYNCNT))
        .value(ValueKind::number).range(1, 127).in_unit("retries")
        .takes_effect(Stage::before_connect)
        .flags(Udp::tcp_only, Inherited::yes, EnablesKeepalive::no, NeedsCapNetAdmin::no)
        .for_example("3")
        .by_default("net.ipv4.tcp_syn_retries (6)")
        .means("SYN retransmissions before connect() gives up"),
    CatalogueEntry(OptionId::window_clamp, "tcp.window_clamp")
        .kernel_option("TCP_WINDOW_CLAMP", kTcp(TCP_WINDOW_CLAMP))
        .value(ValueKind::bytes).range(1, INT_MAX).in_unit("bytes")
        .takes_effect(Stage::before_connect)
        .flags(Udp::tcp_only, Inherited::yes, EnablesKeepalive::no, NeedsCapNetAdmin::no)
        .for_example("\"32KiB\"")
        .by_default("0 (none)")
        .means("largest receive window advertised"),
    CatalogueEntry(OptionId::defer_accept, "tcp.defer_accept")
        .kernel_option("TCP_DEFER_ACCEPT", kTcp(TCP_DEFER_ACCEPT))
        .value(ValueKind::seconds).range(0, INT_MAX).in_unit("s")
        .takes_effect(Stage::before_listen)
        .flags(Udp::tcp_only, Inherited::yes, EnablesKeepalive::no, NeedsCapNetAdmin::no)
        .for_example("7")
        .by_default("0 (off)")
        .means("listeners: accept() only once data arrived, waiting up to this long (the kernel rounds up to 1, 3, 7, 15... s)"),
    CatalogueEntry(OptionId::fastopen, "tcp.fastopen")
        .kernel_option("TCP_FASTOPEN", kTcp(TCP_FASTOPEN))
        .value(ValueKind::number).range(0, INT_MAX).in_unit("connections")
        .takes_effect(Stage::before_listen)
        .flags(Udp::tcp_only, Inherited::yes, EnablesKeepalive::no, NeedsCapNetAdmin::no)
        .for_example("16")
        .by_default("0 (off)")
        .means("listeners: TCP Fast Open queue length (needs net.ipv4.tcp_fastopen & 2 for servers)"),
    CatalogueEntry(OptionId::bind_address_no_port, "ip.bind_address_no_port")
        .kernel_option("IP_BIND_ADDRESS_NO_PORT", kIp(IP_BIND_ADDRESS_NO_PORT))
        .value(ValueKind::flag).range(0, 1).in_unit("")
        .takes_effect(Stage::socket)
        .flags(Udp::tcp_only, Inherited::yes, EnablesKeepalive::no, NeedsCapNetAdmin::no)
        .for_example("true")
        .by_default("off")
        .means("bind() to an address with port 0 leaves the port to connect(): more outgoing connections per address"),
};

// Every entry in OptionId order, with every field given: a new entry
// without them does not build.
constexpr bool catalogue_is_complete() {
  for (int i = 0; i < kOptionCount; ++i) {
    if (static_cast<int>(kCatalogue[i].id) != i || !kCatalogue[i].complete()) return false;
  }
  return true;
}
static_assert(catalogue_is_complete(), "every OptionId needs its complete entry, in order");

const CatalogueEntry* find_option_by_key(std::string_view key) {
  for (const CatalogueEntry& entry : kCatalogue) {
    if (key == entry.key) return &entry;
  }
  return nullptr;
}

const CatalogueEntry* find_option_by_level_name(int level, int name) {
  for (const CatalogueEntry& entry : kCatalogue) {
    if ((entry.ipv4.level == level && entry.ipv4.name == name) ||
        (entry.ipv6.level == level && entry.ipv6.name == name)) {
      return &entry;
    }
  }
  return nullptr;
}

int catalogue_sections(std::string_view* out, int capacity) {
  int count = 0;
  for (const CatalogueEntry& entry : kCatalogue) {
    const std::string_view key = entry.key;
    const std::string_view section = key.substr(0, key.find('.'));
    bool seen = false;
    for (int i = 0; i < count; ++i) seen |= out[i] == section;
    if (!seen && count < capacity) out[count++] = section;
  }
  return count;
}

int dscp_from_name(std::string_view name) {
  static constexpr struct {
    const char* name;
    int value;
  } kClasses[] = {
      {"CS0", 0},   {"CS1", 8},   {"CS2", 16},  {"CS3", 24},  {"CS4", 32},  {"CS5", 40},
      {"CS6", 48},  {"CS7", 56},  {"AF11", 10}, {"AF12", 12}, {"AF13", 14}, {"AF21", 18},
      {"AF22", 20}, {"AF23", 22}, {"AF31", 26}, {"AF32", 28}, {"AF33", 30}, {"AF41", 34},
      {"AF42", 36}, {"AF43", 38}, {"EF", 46},   {"VA", 44},   {"LE", 1},
  };
  for (const auto& dscp_class : kClasses) {
    if (name == dscp_class.name) return dscp_class.value;
  }
  return -1;
}

int level_from_name(std::string_view name) {
  static constexpr struct {
    const char* name;
    int value;
  } kLevels[] = {{"SOL_SOCKET", SOL_SOCKET},     {"IPPROTO_IP", IPPROTO_IP},   {"SOL_IP", IPPROTO_IP},
                 {"IPPROTO_TCP", IPPROTO_TCP},   {"SOL_TCP", IPPROTO_TCP},     {"IPPROTO_IPV6", IPPROTO_IPV6},
                 {"SOL_IPV6", IPPROTO_IPV6},     {"IPPROTO_UDP", IPPROTO_UDP}, {"SOL_UDP", IPPROTO_UDP}};
  for (const auto& level : kLevels) {
    if (name == level.name) return level.value;
  }
  return -1;
}

int raw_option_from_name(std::string_view name) {
  for (const CatalogueEntry& entry : kCatalogue) {
    if (name == entry.kernel_name) return entry.ipv4.name;
    if (entry.kernel_name_ipv6 && name == entry.kernel_name_ipv6) return entry.ipv6.name;
  }
  // Options the catalogue does not set itself, for raw options by name.
  static constexpr struct {
    const char* name;
    int value;
  } kOthers[] = {
      {"SO_REUSEPORT", SO_REUSEPORT},   {"SO_RCVLOWAT", SO_RCVLOWAT},
      {"SO_BUSY_POLL", SO_BUSY_POLL},   {"SO_INCOMING_CPU", SO_INCOMING_CPU},
      {"TCP_QUICKACK", TCP_QUICKACK},   {"TCP_THIN_LINEAR_TIMEOUTS", TCP_THIN_LINEAR_TIMEOUTS},
      {"IP_TTL", IP_TTL},
      {"IP_MTU_DISCOVER", IP_MTU_DISCOVER}, {"IP_FREEBIND", IP_FREEBIND},
      {"IP_TRANSPARENT", IP_TRANSPARENT}, {"IPV6_UNICAST_HOPS", IPV6_UNICAST_HOPS},
      {"IPV6_MTU_DISCOVER", IPV6_MTU_DISCOVER}, {"IPV6_V6ONLY", IPV6_V6ONLY},
  };
  for (const auto& other : kOthers) {
    if (name == other.name) return other.value;
  }
  return -1;
}

}  // namespace sockshim
