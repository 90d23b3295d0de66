// SPDX-License-Identifier: Apache-2.0
// What this machine's kernel and network namespace say, from /proc/sys.
#pragma once

#include <optional>
#include <string>

#include "config/dead_peer.h"

namespace sockshim::cli {

// An integer sysctl such as "net/core/rmem_max"; nullopt when unreadable.
std::optional<long> read_sysctl(const std::string& name);

// The whole text of a sysctl (e.g. "net/ipv4/tcp_rmem": "4096 131072 6291456").
std::optional<std::string> read_sysctl_text(const std::string& name);

KeepaliveDefaults namespace_keepalive_defaults();

// False when getsockopt(level, name) on a throwaway TCP socket says
// ENOPROTOOPT: the running kernel does not know the option.
bool kernel_knows_option(int level, int name);

}  // namespace sockshim::cli
