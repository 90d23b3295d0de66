// SPDX-License-Identifier: Apache-2.0
#include "cli/explain_command.h"

#include <netdb.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cli/config_loading.h"
#include "cli/exit_codes.h"
#include "cli/kernel_facts.h"
#include "cli/settings_report.h"
#include "config/compiled_policy.h"
#include "config/decide.h"
#include "config/endpoint.h"
#include "config/option_catalogue.h"
#include "config/value_kinds.h"

namespace sockshim::cli {
namespace {

constexpr char kUsage[] =
    "usage: sockshim explain FILE --connect HOST:PORT [--program NAME] [--udp]\n"
    "       sockshim explain FILE --listen [ADDR]:PORT [--program NAME]\n"
    "\n"
    "Shows which rules of FILE match one socket, in order, and the options the\n"
    "socket ends up with, each with the section it comes from.\n"
    "  --connect HOST:PORT  an outgoing connection (IPv6 as [ADDR]:PORT)\n"
    "  --listen [ADDR]:PORT a listener and the connections it accepts\n"
    "                       (ADDR defaults to 0.0.0.0)\n"
    "  --program NAME       the program's name, for rules with \"program\"\n"
    "                       (default: an empty name)\n"
    "  --udp                a UDP socket instead of TCP\n"
    "\n"
    "Exit status: 0 explained, 1 invalid config or unresolvable address, 2 usage error.\n";

// "10.0.0.1:5432", "[::1]:443", "host:80", ":8080", "8080".
bool parse_endpoint(const std::string& text, const char* default_host, Endpoint* endpoint,
                    bool* ipv6, std::string* error) {
  std::string host = default_host;
  std::string port = text;
  const size_t colon = text.rfind(':');
  if (colon != std::string::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty()) host = default_host;
  }
  char* end = nullptr;
  const long number = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || number < 1 || number > 65535) {
    *error = "not a port in 1..65535: \"" + port + "\"";
    return false;
  }
  if (std::optional<IpAddress> literal = IpAddress::parse(host)) {
    endpoint->address = *literal;
    *ipv6 = host.find(':') != std::string::npos;
  } else {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || !found) {
      *error = "cannot resolve \"" + host + "\"";
      return false;
    }
    Endpoint resolved;
    const bool ok = endpoint_from(found->ai_addr, found->ai_addrlen, &resolved, ipv6);
    freeaddrinfo(found);
    if (!ok) {
      *error = "no IPv4 or IPv6 address for \"" + host + "\"";
      return false;
    }
    endpoint->address = resolved.address;
  }
  endpoint->port = static_cast<uint16_t>(number);
  endpoint->known = true;
  return true;
}

struct Source {
  std::string name;
  SocketSettings settings;
  const Rule* rule;  // null: the top level
};

}  // namespace

int explain_command(int argc, char** argv) {
  std::string path, connect_to, listen_on, program;
  bool udp = false;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    } else if (arg == "--connect" && has_value) {
      connect_to = argv[++i];
    } else if (arg == "--listen" && has_value) {
      listen_on = argv[++i];
    } else if (arg == "--program" && has_value) {
      program = argv[++i];
    } else if (arg == "--udp") {
      udp = true;
    } else if (path.empty() && arg[0] != '-') {
      path = arg;
    } else {
      std::fprintf(stderr, "sockshim explain: unexpected argument \"%s\"\n%s", arg.c_str(), kUsage);
      return kExitUsage;
    }
  }
  if (path.empty() || connect_to.empty() == listen_on.empty()) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const std::optional<Policy> policy = load_config_or_report(path);
  if (!policy) return kExitFailure;

  SocketEvent event;
  event.udp = udp;
  event.program = program.c_str();
  std::string error;
  const bool connecting = !connect_to.empty();
  event.kind = connecting ? SocketEventKind::connect : SocketEventKind::listen;
  Endpoint* endpoint = connecting ? &event.remote : &event.local;
  if (!parse_endpoint(connecting ? connect_to : listen_on, connecting ? "" : "0.0.0.0", endpoint,
                      &event.ipv6, &error)) {
    std::fprintf(stderr, "sockshim explain: %s\n", error.c_str());
    return kExitFailure;
  }

  std::printf("%s %s (%s %s)%s\n", connecting ? "connect to" : "listen on",
              connecting ? connect_to.c_str() : listen_on.c_str(), event.ipv6 ? "ipv6" : "ipv4",
              udp ? "udp" : "tcp", program.empty() ? "" : (", program \"" + program + "\"").c_str());
  std::vector<Source> sources;
  if (!udp) sources.push_back({"top level", policy->defaults, nullptr});
  std::printf("\nmatching rules, in order:\n");
  // The matcher the library and the supervisor use.
  const CompiledPolicy compiled(*policy);
  compiled.for_each_match(event, Endpoint(), [&](uint32_t index) {
    const Rule& rule = policy->rules[index];
    const std::string name = "rule[" + std::to_string(index + 1) + "] \"" + rule.name + "\"";
    std::printf("  %s: %s\n", name.c_str(), describe_match(rule.match).c_str());
    sources.push_back({name, rule.settings.expanded(), &rule});
    return true;
  });
  if (sources.size() == (udp ? 0u : 1u)) std::printf("  (none)\n");

  std::printf("\nfinal options (each with where it comes from, when sockshim sets it%s):\n",
              connecting ? "" : ", and how accepted connections get it");
  const SocketSettings final_settings = compiled.decide(event);
  const SocketTarget target{event.ipv6, udp, /*listener=*/!connecting};
  const SocketSettings applied = applicable(final_settings, target);
  const char* event_call = connecting ? "before connect()" : "before listen()";
  std::vector<std::string> unset;
  for (const CatalogueEntry& entry : kCatalogue) {
    const std::optional<OptionValue>& value = applied.get(entry.id);
    if (!value) {
      unset.push_back(kernel_name(entry, event.ipv6));
      continue;
    }
    std::string origin;
    bool at_creation = false;
    for (const Source& source : sources) {
      if (!source.settings.get(entry.id)) continue;
      origin = source.name;
      at_creation = source.rule == nullptr || !source.rule->match.needs_address();
    }
    std::string when = at_creation && entry.stage != Stage::before_listen ? "set at socket()" : std::string("set ") + event_call;
    if (!connecting && !udp) {
      when += entry.stage == Stage::before_listen ? ", listener only"
              : entry.inherited                   ? ", accepted: copied by the kernel"
                                                  : ", accepted: set again after accept()";
    }
    if (final_settings.is_enforced(entry.id)) when += ", enforced";
    std::printf("  %-17s %-10s from %s (%s); %s\n", kernel_name(entry, event.ipv6),
                format_value(entry, *value).c_str(), origin.c_str(), entry.key, when.c_str());
  }
  for (int i = 0; i < applied.raw_count; ++i) {
    const RawOption& raw = applied.raw[i];
    std::printf("  raw %d/%d         %s; set with the options above%s\n", raw.level, raw.name,
                raw.length ? (std::to_string(raw.length) + " bytes").c_str() : std::to_string(raw.number).c_str(),
                connecting || udp ? "" : ", accepted: set again after accept()");
  }
  if (!unset.empty()) {
    std::string names;
    for (const std::string& name : unset) names += (names.empty() ? "" : ", ") + name;
    std::printf("  not set: %s (left to the kernel and the program)\n", names.c_str());
  }
  if (!udp) {
    std::printf("\n");
    for (const std::string& line : describe_dead_peer(final_settings, namespace_keepalive_defaults())) {
      std::printf("%s\n", line.c_str());
    }
  }
  return kExitOk;
}

}  // namespace sockshim::cli
