// SPDX-License-Identifier: Apache-2.0
#include "tests/support/probe_output.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>

namespace sockshim::testing {

std::map<std::string, std::map<std::string, std::string>> parse_probe_texts(const std::string& out) {
  std::map<std::string, std::map<std::string, std::string>> reports;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string label, field;
    words >> label;
    while (words >> field) {
      const size_t equals = field.find('=');
      if (equals != std::string::npos) reports[label][field.substr(0, equals)] = field.substr(equals + 1);
    }
  }
  return reports;
}

std::map<std::string, SocketReport> parse_probe_output(const std::string& out) {
  std::map<std::string, SocketReport> reports;
  for (const auto& [label, fields] : parse_probe_texts(out)) {
    for (const auto& [key, value] : fields) {
      char* end = nullptr;
      const long number = std::strtol(value.c_str(), &end, 10);
      if (end && *end == '\0' && !value.empty()) reports[label][key] = static_cast<int>(number);
    }
  }
  return reports;
}

HeldConnection read_held_ports(ChildProcess& child) {
  for (std::string line = child.read_line(); !line.empty(); line = child.read_line()) {
    const auto fields = parse_probe_output(line);
    if (fields.count("ports")) return {fields.at("ports").at("client"), fields.at("ports").at("server")};
  }
  return {};
}

int free_port(bool ipv6) {
  const int fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  sockaddr_storage address{};
  socklen_t length;
  if (ipv6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&address);
    in6->sin6_family = AF_INET6;
    in6->sin6_addr = in6addr_loopback;
    length = sizeof *in6;
  } else {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&address);
    in4->sin_family = AF_INET;
    in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    length = sizeof *in4;
  }
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), length) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(ipv6 ? reinterpret_cast<sockaddr_in6*>(&address)->sin6_port
                      : reinterpret_cast<sockaddr_in*>(&address)->sin_port);
  }
  close(fd);
  return port;
}

int read_sysctl(const std::string& name) {
  std::ifstream file("/proc/sys/" + name);
  int value = -1;
  file >> value;
  return value;
}

std::optional<int> receive_window_scale(int port) {
  const ProgramResult ss =
      run_program({"ss", "-tinH", "state", "established", "( sport = :" + std::to_string(port) + " )"});
  std::smatch match;
  static const std::regex kWscale("wscale:(\\d+),(\\d+)");
  if (!std::regex_search(ss.out, match, kWscale)) return std::nullopt;
  return std::stoi(match[2]);
}

}  // namespace sockshim::testing
