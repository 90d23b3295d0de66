// SPDX-License-Identifier: Apache-2.0
#include "cli/inspect_command.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "cli/exit_codes.h"
#include "config/option_catalogue.h"
#include "config/value_kinds.h"
#include "inspect/process_sockets.h"
#include "supervisor/json_writer.h"

namespace sockshim::cli {
namespace {

constexpr char kUsage[] =
    "usage: sockshim inspect PID [--json] [--sock-diag]\n"
    "\n"
    "Lists the TCP and UDP sockets of a running process with the options the\n"
    "kernel has in effect for each: keepalive on/idle/interval/count, receive and\n"
    "send buffer (as the kernel reports them: twice the requested size), TCP user\n"
    "timeout and nodelay, TOS/traffic class, priority, mark and congestion\n"
    "control (--json: every option sockshim knows, under its config key).\n"
    "Listing the process's descriptors (/proc/PID/fd) needs ptrace read rights\n"
    "over it (PTRACE_MODE_READ: the same user, or CAP_SYS_PTRACE), with\n"
    "--sock-diag too; without them inspect fails and says so. Each socket is\n"
    "then read through pidfd_getfd(2), which needs ptrace attach rights (the\n"
    "same user when kernel.yama.ptrace_scope is 0, or CAP_SYS_PTRACE) and no\n"
    "seccomp filter refusing it (containerd's RuntimeDefault allows it only\n"
    "with CAP_SYS_PTRACE). Where that is refused (a line on stderr says why),\n"
    "or with --sock-diag, shows what sock_diag netlink exposes instead:\n"
    "addresses, state, buffers, and keepalive only while its timer runs; the\n"
    "other columns read \"?\" and the SOURCE column says \"diag\".\n"
    "\n"
    "Exit status: 0 listed, 1 the process could not be read, 2 usage error.\n";

using supervisor::json_string;

std::string value(int number) { return number < 0 ? "?" : std::to_string(number); }

// Every catalogue option the kernel reported, by its config key:
// {"ip.dscp": 136, "tcp.congestion": "bbr", ...}; numbers as the kernel
// shows them (the TOS byte for ip.dscp, doubled buffers).
std::string json_options(const InspectedSocket& socket) {
  std::string out = "{";
  for (const CatalogueEntry& entry : kCatalogue) {
    const std::string& value = socket.options[static_cast<int>(entry.id)];
    if (value.empty()) continue;
    if (out.size() > 1) out += ", ";
    out += json_string(entry.key) + ": " + (reported_as_name(entry) ? json_string(value) : value);
  }
  return out + "}";
}

std::string text(const InspectedSocket& socket, OptionId id) {
  const std::string& value = socket.options[static_cast<int>(id)];
  return value.empty() ? "?" : value;
}

void print_json(const std::vector<InspectedSocket>& sockets) {
  std::printf("[");
  for (size_t i = 0; i < sockets.size(); ++i) {
    const InspectedSocket& s = sockets[i];
    std::printf(
        "%s\n  {\"fd\": %d, \"protocol\": \"%s\", \"local\": %s, \"remote\": %s, \"listening\": %s, "
        "\"keepalive\": %d, \"keepalive_idle_s\": %d, \"keepalive_interval_s\": %d, "
        "\"keepalive_count\": %d, \"receive_buffer\": %d, \"send_buffer\": %d, "
        "\"user_timeout_ms\": %d, \"nodelay\": %d, \"source\": \"%s\", \"options\": %s}",
        i ? "," : "", s.fd, s.udp ? "udp" : "tcp", json_string(s.local).c_str(),
        json_string(s.remote).c_str(), s.listening ? "true" : "false", s.keepalive,
        s.keepalive_idle_s, s.keepalive_interval_s, s.keepalive_count, s.receive_buffer,
        s.send_buffer, s.user_timeout_ms, s.nodelay, s.from_sock_diag ? "sock_diag" : "pidfd_getfd",
        json_options(s).c_str());
  }
  std::printf("\n]\n");
}

void print_table(const std::vector<InspectedSocket>& sockets) {
  constexpr char kRow[] =
      "%-4s %-5s %-24s %-24s %-6s %-3s %-5s %-5s %-5s %-9s %-9s %-8s %-7s %-4s %-4s %-10s %-8s %s\n";
  std::printf(kRow, "FD", "PROTO", "LOCAL", "REMOTE", "STATE", "KA", "IDLE", "INTVL", "COUNT", "RCVBUF",
              "SNDBUF", "USER_TO", "NODELAY", "TOS", "PRIO", "MARK", "CC", "SOURCE");
  for (const InspectedSocket& s : sockets) {
    std::printf(kRow, std::to_string(s.fd).c_str(), s.udp ? "udp" : "tcp", s.local.c_str(),
                s.remote.empty() ? "-" : s.remote.c_str(),
                s.listening ? "LISTEN" : (s.remote.empty() ? "-" : "CONN"), value(s.keepalive).c_str(),
                value(s.keepalive_idle_s).c_str(), value(s.keepalive_interval_s).c_str(),
                value(s.keepalive_count).c_str(), value(s.receive_buffer).c_str(),
                value(s.send_buffer).c_str(), value(s.user_timeout_ms).c_str(), value(s.nodelay).c_str(),
                text(s, OptionId::dscp).c_str(), text(s, OptionId::priority).c_str(),
                text(s, OptionId::mark).c_str(), text(s, OptionId::congestion).c_str(),
                s.from_sock_diag ? "diag" : "pidfd");
  }
}

// |text| as a pid_t: decimal digits only (no sign, space or "0x"), from 1 to
// the largest pid_t. A wider value must not be cut down to another process.
std::optional<pid_t> parse_process_id(const char* text) {
  if (*text == '\0') return std::nullopt;
  int64_t value = 0;
  for (const char* c = text; *c; ++c) {
    if (*c < '0' || *c > '9') return std::nullopt;
    value = value * 10 + (*c - '0');
    if (value > std::numeric_limits<pid_t>::max()) return std::nullopt;
  }
  if (value == 0) return std::nullopt;
  return static_cast<pid_t>(value);
}

}  // namespace

int inspect_command(int argc, char** argv) {
  bool json = false;
  InspectMethod method = InspectMethod::automatic;
  std::optional<pid_t> pid;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::fputs(kUsage, stdout);
      return kExitOk;
    }
    if (std::strcmp(argv[i], "--json") == 0) {
      json = true;
      continue;
    }
    if (std::strcmp(argv[i], "--sock-diag") == 0) {
      method = InspectMethod::sock_diag;
      continue;
    }
    if (pid) {
      std::fprintf(stderr, "sockshim inspect: one process at a time: %s\n%s", argv[i], kUsage);
      return kExitUsage;
    }
    pid = parse_process_id(argv[i]);
    if (!pid) {
      std::fprintf(stderr, "sockshim inspect: not a process id: \"%s\" (a process id is a whole number from 1 to %d)\n%s",
                   argv[i], std::numeric_limits<pid_t>::max(), kUsage);
      return kExitUsage;
    }
  }
  if (!pid) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  std::vector<InspectedSocket> sockets;
  std::string error, fallback_reason;
  if (!inspect_process_sockets(*pid, &sockets, &error, method, &fallback_reason)) {
    std::fprintf(stderr, "sockshim inspect: %s\n", error.c_str());
    return kExitFailure;
  }
  if (!fallback_reason.empty()) std::fprintf(stderr, "sockshim inspect: %s\n", fallback_reason.c_str());
  if (json) {
    print_json(sockets);
  } else {
    print_table(sockets);
  }
  return kExitOk;
}

}  // namespace sockshim::cli
