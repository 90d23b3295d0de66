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
#include "config/decide.h"
#include "config/endpoint.h"
#include "config/setting_fields.h"

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
  const SocketSettings* settings;
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
  if (!udp) sources.push_back({"top level", &policy->defaults});
  std::printf("\nmatching rules, in order:\n");
  size_t number = 1;
  for (const Rule& rule : policy->rules) {
    if (rule_matches(rule, event, Endpoint())) {
      const std::string name = "rule[" + std::to_string(number) + "] \"" + rule.name + "\"";
      std::printf("  %s: %s\n", name.c_str(), describe_match(rule.match).c_str());
      sources.push_back({name, &rule.settings});
    }
    ++number;
  }
  if (sources.size() == (udp ? 0u : 1u)) std::printf("  (none)\n");

  std::printf("\nfinal options (%s):\n",
              connecting ? "set before the real connect()" : "set before the real listen(); accepted connections inherit them");
  const SocketSettings final_settings = decide(*policy, event);
  std::vector<std::string> unset;
  for (const SettingField& field : kSettingFields) {
    const std::optional<int> value = field.get(final_settings);
    const bool tcp_level = field.option != OptionId::receive_buffer && field.option != OptionId::send_buffer;
    if (!value || (udp && tcp_level)) {
      unset.push_back(option_name(field.option));
      continue;
    }
    std::string origin;
    for (const Source& source : sources) {
      if (field.get(*source.settings)) origin = source.name;
    }
    std::printf("  %-17s %-10s from %s (%s)\n", option_name(field.option), describe_value(field, *value).c_str(),
                origin.c_str(), field.key);
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
