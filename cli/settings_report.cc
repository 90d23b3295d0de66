// SPDX-License-Identifier: Apache-2.0
#include "cli/settings_report.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

#include "cli/kernel_facts.h"
#include "config/value_kinds.h"

namespace sockshim::cli {
namespace {

std::string format_seconds(double seconds) {
  char text[32];
  if (seconds == static_cast<long>(seconds)) {
    std::snprintf(text, sizeof text, "%ld s", static_cast<long>(seconds));
  } else {
    std::snprintf(text, sizeof text, "%.1f s", seconds);
  }
  std::string result = text;
  if (seconds >= 120) {
    std::snprintf(text, sizeof text, " (%.1f min)", seconds / 60);
    result += text;
  }
  return result;
}

template <typename Items, typename Format>
std::string join(const Items& items, Format format) {
  std::string text;
  for (const auto& item : items) {
    if (!text.empty()) text += ", ";
    text += format(item);
  }
  return text;
}

std::string format_address_range(const AddressRange& range) {
  char text[INET6_ADDRSTRLEN] = "";
  inet_ntop(range.base.is_v6 ? AF_INET6 : AF_INET, range.base.bytes, text, sizeof text);
  return std::string(text) + "/" + std::to_string(range.prefix_bits);
}

// Idle timeouts of common middleboxes, shortest first.
constexpr struct {
  int seconds;
  const char* name;
} kMiddleboxIdleTimeouts[] = {
    {240, "Azure load balancer (4 min)"},
    {350, "AWS NLB (350 s)"},
    {600, "GCP load balancer (10 min)"},
};

}  // namespace

std::string describe_settings(const SocketSettings& settings) {
  std::string text;
  for (const CatalogueEntry& entry : kCatalogue) {
    const std::optional<OptionValue>& value = settings.get(entry.id);
    if (!value) continue;
    if (!text.empty()) text += ", ";
    text += std::string(entry.key) + " " + format_value(entry, *value);
    if (settings.is_enforced(entry.id)) text += " (enforced)";
  }
  for (int i = 0; i < settings.raw_count; ++i) {
    const RawOption& raw = settings.raw[i];
    if (!text.empty()) text += ", ";
    text += "raw " + std::to_string(raw.level) + "/" + std::to_string(raw.name) + " " +
            (raw.length ? std::to_string(raw.length) + " bytes" : std::to_string(raw.number)) +
            (raw.listeners_only ? " (listeners)" : "");
  }
  return text.empty() ? "nothing" : text;
}

std::string describe_match(const Match& match) {
  static constexpr const char* kDirections[] = {"any socket", "connect", "listen", "accept"};
  std::string text = kDirections[static_cast<int>(match.direction)];
  const auto port_text = [](const PortRange& range) {
    return range.first == range.last ? std::to_string(range.first)
                                     : std::to_string(range.first) + "-" + std::to_string(range.last);
  };
  if (!match.remote.empty()) text += " remote " + join(match.remote, format_address_range);
  if (!match.local.empty()) text += " local " + join(match.local, format_address_range);
  if (!match.ports.empty()) text += " port " + join(match.ports, port_text);
  static constexpr const char* kFamilies[] = {"", " ipv4", " ipv6"};
  text += kFamilies[static_cast<int>(match.family)];
  static constexpr const char* kProtocols[] = {" tcp", " udp", " tcp+udp"};
  text += kProtocols[static_cast<int>(match.protocol)];
  if (!match.program_glob.empty()) text += " program \"" + match.program_glob + "\"";
  return text;
}

std::vector<std::string> describe_dead_peer(const SocketSettings& settings,
                                            const KeepaliveDefaults& defaults) {
  const DeadPeerTimes times = dead_peer_times(settings, defaults);
  std::vector<std::string> lines;
  if (!times.idle_peer_s) {
    lines.push_back("idle dead peer: never noticed (keepalive is off)");
  } else if (times.idle_bounded_by_user_timeout) {
    lines.push_back("idle dead peer: noticed after " + format_seconds(*times.idle_peer_s) +
                    " (first keepalive probe tick after user_timeout)");
  } else {
    lines.push_back("idle dead peer: noticed after " + format_seconds(*times.idle_peer_s) +
                    " (idle " + std::to_string(settings.number(OptionId::keepalive_idle).value_or(defaults.idle_s)) +
                    " + interval " +
                    std::to_string(settings.number(OptionId::keepalive_interval).value_or(defaults.interval_s)) +
                    " x count " + std::to_string(settings.number(OptionId::keepalive_count).value_or(defaults.count)) +
                    ")");
  }
  lines.push_back("dead peer with data in flight: noticed after " + format_seconds(times.data_in_flight_s) +
                  (times.data_bounded_by_user_timeout ? " (user_timeout)" : " (kernel retransmissions)"));
  return lines;
}

std::string describe_middlebox_outcome(const MiddleboxOutcome& outcome, int timeout_s) {
  if (!outcome.silence_s) return "forgotten (keepalive is off)";
  if (!outcome.survives) {
    return "forgotten (the first keepalive probe comes after " + format_seconds(*outcome.silence_s) +
           " of silence, the middlebox forgets after " + format_seconds(timeout_s) + ")";
  }
  std::string text = "kept alive (a keepalive probe after " + format_seconds(*outcome.silence_s) + " of silence; ";
  if (outcome.lost_probes_tolerated == 0) return text + "one lost probe loses the connection)";
  if (outcome.lost_probes_tolerated == 1) return text + "survives 1 lost probe)";
  return text + "survives " + std::to_string(outcome.lost_probes_tolerated) + " lost probes in a row)";
}

std::vector<std::string> warnings_for(const SocketSettings& settings, const KernelLimits& limits) {
  std::vector<std::string> warnings;
  const auto check_buffer = [&](const std::optional<int>& size, long max, const char* key,
                                const char* sysctl) {
    if (size && max > 0 && *size > max) {
      warnings.push_back(std::string(key) + " " + format_bytes(*size) + " is above " + sysctl + " (" +
                         format_bytes(max) + "): the kernel will clamp it to " + format_bytes(max));
    }
  };
  check_buffer(settings.number(OptionId::receive_buffer), limits.receive_buffer_max, "buffers.receive",
               "net.core.rmem_max");
  check_buffer(settings.number(OptionId::send_buffer), limits.send_buffer_max, "buffers.send",
               "net.core.wmem_max");
  const bool keepalive = settings.number(OptionId::keepalive).value_or(0);
  const std::optional<int> idle = settings.number(OptionId::keepalive_idle);
  if (keepalive && idle) {
    std::string exceeded;
    for (const auto& box : kMiddleboxIdleTimeouts) {
      if (*idle > box.seconds) exceeded += exceeded.empty() ? box.name : std::string(", ") + box.name;
    }
    if (!exceeded.empty()) {
      warnings.push_back("keepalive.idle " + std::to_string(*idle) +
                         " s is longer than the idle timeout of: " + exceeded +
                         "; idle connections through them are dropped before the first probe");
    }
  }
  for (const CatalogueEntry& entry : kCatalogue) {
    if (!settings.get(entry.id)) continue;
    if (limits.unknown_options & (1u << static_cast<int>(entry.id))) {
      warnings.push_back(std::string(entry.key) + ": this kernel does not know " + entry.kernel_name +
                         " (ENOPROTOOPT); sockshim warns once at run time and sets the rest");
    }
    if (entry.needs_cap_net_admin) {
      warnings.push_back(std::string(entry.key) + " needs CAP_NET_ADMIN (or CAP_NET_RAW) in the program; without it the kernel "
                         "refuses " + entry.kernel_name + " and sockshim warns once");
    }
  }
  if (const std::optional<OptionValue>& congestion = settings.get(OptionId::congestion);
      congestion && !limits.available_congestion.empty()) {
    const std::string name(congestion->text, strnlen(congestion->text, sizeof congestion->text));
    const std::string padded = " " + limits.available_congestion + " ";
    if (padded.find(" " + name + " ") == std::string::npos) {
      warnings.push_back("tcp.congestion \"" + name + "\" is not in net.ipv4.tcp_available_congestion_control (" +
                         limits.available_congestion + "); the kernel will refuse it unless a module loads it");
    }
  }
  if (keepalive && !settings.get(OptionId::user_timeout)) {
    warnings.push_back(
        "keepalive without tcp.user_timeout: a peer that dies while data is in flight is found "
        "only after ~15 min of retransmissions");
  }
  return warnings;
}

KernelLimits read_kernel_limits() {
  KernelLimits limits;
  limits.receive_buffer_max = read_sysctl("net/core/rmem_max").value_or(0);
  limits.send_buffer_max = read_sysctl("net/core/wmem_max").value_or(0);
  std::string available = read_sysctl_text("net/ipv4/tcp_available_congestion_control").value_or("");
  while (!available.empty() && (available.back() == '\n' || available.back() == ' ')) available.pop_back();
  limits.available_congestion = available;
  for (const CatalogueEntry& entry : kCatalogue) {
    if (!kernel_knows_option(entry.ipv4.level, entry.ipv4.name)) {
      limits.unknown_options |= 1u << static_cast<int>(entry.id);
    }
  }
  return limits;
}

}  // namespace sockshim::cli
