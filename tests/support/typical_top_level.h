// SPDX-License-Identifier: Apache-2.0
// A top-level config that every engine's tests give
// tests/programs/socket_report.py, and the check of what the kernel reports
// for its listener, client and accepted sockets: one expectation, so that
// the engines are held to the same read-back.
#pragma once

#include <map>
#include <string>

#include "tests/support/probe_output.h"

namespace sockshim::testing {

inline constexpr char kTypicalTopLevelConfig[] =
    "keepalive = { idle = 25, interval = 5, count = 4 }\n"
    "buffers = { receive = \"128KiB\", send = \"64KiB\" }\n"
    "tcp = { user_timeout = \"15s\", nodelay = true }\n";

// GoogleTest expectations: each of the three sockets has kTypicalTopLevelConfig's
// values (buffers as the kernel doubles them); |out| goes into the messages.
void expect_typical_top_level(const std::map<std::string, SocketReport>& sockets, const std::string& out);

}  // namespace sockshim::testing
