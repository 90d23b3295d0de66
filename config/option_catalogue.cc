// SPDX-License-Identifier: Apache-2.0
#include "config/option_catalogue.h"

#include <netinet/in.h>

namespace sockshim {
namespace {

constexpr LevelName kSocket(int name) { return {SOL_SOCKET, name}; }
constexpr LevelName kTcp(int name) { return {IPPROTO_TCP, name}; }
constexpr LevelName kIp(int name) { return {IPPROTO_IP, name}; }

}  // namespace

// Columns: id, key, kernel name, IPv4 (level, name), IPv6 (level, name),
// IPv6 kernel name, IPv6 also sets IPv4, kind, minimum, maximum, unit, stage,
// UDP, inherited on accept, turns keepalive on, needs CAP_NET_ADMIN, example,
// kernel default, meaning.
constexpr CatalogueEntry kCatalogue[kOptionCount] = {
    {OptionId::receive_buffer, "buffers.receive", "SO_RCVBUF", kSocket(SO_RCVBUF), kSocket(SO_RCVBUF),
     nullptr, false, ValueKind::bytes, 1, INT_MAX, "bytes", Stage::before_connect, true, true, false,
     false, "\"256KiB\"", "autotuned",
     "receive buffer; fixes the window scale of the SYN; the kernel doubles it, capped at net.core.rmem_max"},
    {OptionId::send_buffer, "buffers.send", "SO_SNDBUF", kSocket(SO_SNDBUF), kSocket(SO_SNDBUF), nullptr,
     false, ValueKind::bytes, 1, INT_MAX, "bytes", Stage::before_connect, true, true, false, false,
     "131072", "autotuned", "send buffer; the kernel doubles it, capped at net.core.wmem_max"},
    {OptionId::keepalive_idle, "keepalive.idle", "TCP_KEEPIDLE", kTcp(TCP_KEEPIDLE), kTcp(TCP_KEEPIDLE),
     nullptr, false, ValueKind::seconds, 1, 32767, "s", Stage::socket, false, true, true, false, "30",
     "7200 s", "idle time before the first keepalive probe"},
    {OptionId::keepalive_interval, "keepalive.interval", "TCP_KEEPINTVL", kTcp(TCP_KEEPINTVL),
     kTcp(TCP_KEEPINTVL), nullptr, false, ValueKind::seconds, 1, 32767, "s", Stage::socket, false, true,
     true, false, "10", "75 s", "time between keepalive probes"},
    {OptionId::keepalive_count, "keepalive.count", "TCP_KEEPCNT", kTcp(TCP_KEEPCNT), kTcp(TCP_KEEPCNT),
     nullptr, false, ValueKind::number, 1, 127, "probes", Stage::socket, false, true, true, false, "3", "9",
     "unanswered probes before the connection is dropped"},
    {OptionId::keepalive, "keepalive.enabled", "SO_KEEPALIVE", kSocket(SO_KEEPALIVE), kSocket(SO_KEEPALIVE),
     nullptr, false, ValueKind::flag, 0, 1, "", Stage::socket, false, true, false, false, "true", "off",
     "keepalive probes on idle connections"},
    {OptionId::user_timeout, "tcp.user_timeout", "TCP_USER_TIMEOUT", kTcp(TCP_USER_TIMEOUT),
     kTcp(TCP_USER_TIMEOUT), nullptr, false, ValueKind::milliseconds, 0, INT_MAX, "ms", Stage::socket, false,
     true, false, false, "\"20s\"", "0 (off)",
     "how long data may stay unacknowledged before the connection is dropped (0: kernel default)"},
    {OptionId::nodelay, "tcp.nodelay", "TCP_NODELAY", kTcp(TCP_NODELAY), kTcp(TCP_NODELAY), nullptr, false,
     ValueKind::flag, 0, 1, "", Stage::socket, false, true, false, false, "true", "off",
     "send small segments at once (no Nagle)"},
    {OptionId::dscp, "ip.dscp", "IP_TOS", kIp(IP_TOS), {IPPROTO_IPV6, IPV6_TCLASS}, "IPV6_TCLASS", true,
     ValueKind::dscp, 0, 63, "", Stage::socket, true, true, false, false, "\"AF41\"", "0 (CS0)",
     "DSCP marking: a class name (\"EF\", \"AF41\", \"CS1\") or 0..63; the TOS/traffic class byte is DSCP << 2"},
    {OptionId::priority, "socket.priority", "SO_PRIORITY", kSocket(SO_PRIORITY), kSocket(SO_PRIORITY),
     nullptr, false, ValueKind::number, 0, INT_MAX, "", Stage::socket, true, false, false, false, "5", "0",
     "queueing priority (qdisc band); above 6 needs CAP_NET_ADMIN; reset to 0 on accepted sockets, so set again"},
    {OptionId::mark, "socket.mark", "SO_MARK", kSocket(SO_MARK), kSocket(SO_MARK), nullptr, false,
     ValueKind::number, 0, UINT32_MAX, "", Stage::socket, true, true, false, true, "42", "0",
     "firewall mark (fwmark) for policy routing and nftables; needs CAP_NET_ADMIN or CAP_NET_RAW"},
    {OptionId::congestion, "tcp.congestion", "TCP_CONGESTION", kTcp(TCP_CONGESTION), kTcp(TCP_CONGESTION),
     nullptr, false, ValueKind::name, 1, 15, "", Stage::socket, false, true, false, false, "\"reno\"",
     "net.ipv4.tcp_congestion_control",
     "congestion control algorithm, one of net.ipv4.tcp_available_congestion_control (\"bbr\", \"cubic\")"},
    {OptionId::notsent_lowat, "tcp.notsent_lowat", "TCP_NOTSENT_LOWAT", kTcp(TCP_NOTSENT_LOWAT),
     kTcp(TCP_NOTSENT_LOWAT), nullptr, false, ValueKind::bytes, 0, INT_MAX, "bytes", Stage::socket, false,
     true, false, false, "\"16KiB\"", "net.ipv4.tcp_notsent_lowat (unlimited)",
     "unsent bytes above which the socket stops being writable; less buffering delay"},
    {OptionId::linger, "socket.linger", "SO_LINGER", kSocket(SO_LINGER), kSocket(SO_LINGER), nullptr, false,
     ValueKind::linger, 0, INT_MAX, "s", Stage::socket, false, true, false, false, "5", "off",
     "close() waits this long for unsent data (0: reset the connection); \"off\" for the default"},
    {OptionId::maxseg, "tcp.maxseg", "TCP_MAXSEG", kTcp(TCP_MAXSEG), kTcp(TCP_MAXSEG), nullptr, false,
     ValueKind::bytes, 88, 32767, "bytes", Stage::before_connect, false, true, false, false, "1200",
     "from the route's MTU", "largest segment announced in the SYN (MSS clamp)"},
    {OptionId::syncnt, "tcp.syncnt", "TCP_SYNCNT", kTcp(TCP_SYNCNT), kTcp(TCP_SYNCNT), nullptr, false,
     ValueKind::number, 1, 127, "retries", Stage::before_connect, false, true, false, false, "3",
     "net.ipv4.tcp_syn_retries (6)", "SYN retransmissions before connect() gives up"},
    {OptionId::window_clamp, "tcp.window_clamp", "TCP_WINDOW_CLAMP", kTcp(TCP_WINDOW_CLAMP),
     kTcp(TCP_WINDOW_CLAMP), nullptr, false, ValueKind::bytes, 1, INT_MAX, "bytes", Stage::before_connect,
     false, true, false, false, "\"32KiB\"", "0 (none)", "largest receive window advertised"},
    {OptionId::defer_accept, "tcp.defer_accept", "TCP_DEFER_ACCEPT", kTcp(TCP_DEFER_ACCEPT),
     kTcp(TCP_DEFER_ACCEPT), nullptr, false, ValueKind::seconds, 0, INT_MAX, "s", Stage::before_listen, false,
     true, false, false, "7", "0 (off)",
     "listeners: accept() only once data arrived, waiting up to this long (the kernel rounds up to 1, 3, 7, 15... s)"},
    {OptionId::fastopen, "tcp.fastopen", "TCP_FASTOPEN", kTcp(TCP_FASTOPEN), kTcp(TCP_FASTOPEN), nullptr,
     false, ValueKind::number, 0, INT_MAX, "connections", Stage::before_listen, false, true, false, false,
     "16", "0 (off)", "listeners: TCP Fast Open queue length (needs net.ipv4.tcp_fastopen & 2 for servers)"},
    {OptionId::bind_address_no_port, "ip.bind_address_no_port", "IP_BIND_ADDRESS_NO_PORT",
     kIp(IP_BIND_ADDRESS_NO_PORT), kIp(IP_BIND_ADDRESS_NO_PORT), nullptr, false, ValueKind::flag, 0, 1, "",
     Stage::socket, false, true, false, false, "true", "off",
     "bind() to an address with port 0 leaves the port to connect(): more outgoing connections per address"},
};

// Every entry in OptionId order, with a key, a kernel name, a range and an
// example: a new entry without them does not build.
constexpr bool catalogue_is_complete() {
  for (int i = 0; i < kOptionCount; ++i) {
    const CatalogueEntry& entry = kCatalogue[i];
    if (static_cast<int>(entry.id) != i || !entry.key || !entry.kernel_name || !entry.example ||
        !entry.meaning || !entry.kernel_default || !entry.unit || entry.minimum > entry.maximum) {
      return false;
    }
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
