// SPDX-License-Identifier: Apache-2.0
// Reading sockprobe's "label key=value ..." lines.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "tests/support/child_process.h"

namespace sockshim::testing {

using SocketReport = std::map<std::string, int>;

// Every line that starts with a label and has key=value fields, by label.
std::map<std::string, SocketReport> parse_probe_output(const std::string& out);

// The same lines with every value as text (for names such as congestion=bbr).
std::map<std::string, std::map<std::string, std::string>> parse_probe_texts(const std::string& out);

// The ports that `sockprobe hold` prints before it waits on stdin.
struct HeldConnection {
  int client_port = 0;
  int server_port = 0;  // the listener's, and so the accepted socket's
};
HeldConnection read_held_ports(ChildProcess& child);

// A free TCP port on the loopback address of that family.
int free_port(bool ipv6 = false);

// The receive window scale (R of ss's "wscale:S,R") of the established
// TCP socket whose local port is |port|: 0 when its receive buffer was small
// at the SYN, so tests show that a buffer was set before connect()/listen().
std::optional<int> receive_window_scale(int port);

// An integer from /proc/sys (e.g. "net/core/rmem_max").
int read_sysctl(const std::string& name);

}  // namespace sockshim::testing
