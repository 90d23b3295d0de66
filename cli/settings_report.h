// SPDX-License-Identifier: Apache-2.0
// Human-readable descriptions of settings, rules and their consequences,
// shared by `check` and `explain`.
#pragma once

#include <string>
#include <vector>

#include "config/dead_peer.h"
#include "config/middlebox_timeout.h"
#include "config/policy.h"
#include "config/option_catalogue.h"

namespace sockshim::cli {

// "keepalive on, idle 30 s, ...; receive buffer 256 KiB"; "nothing" when empty.
std::string describe_settings(const SocketSettings& settings);

// "connect to 10.0.0.0/8, fd00::/8 port 5432, 6379-6380 (tcp)".
std::string describe_match(const Match& match);

// "90 s (idle 60 + interval 10 x count 3)" and the data-in-flight line.
std::vector<std::string> describe_dead_peer(const SocketSettings& settings,
                                            const KeepaliveDefaults& defaults);

// "kept alive (...)" or "forgotten (...)", for a middlebox that forgets idle
// flows after |timeout_s|.
std::string describe_middlebox_outcome(const MiddleboxOutcome& outcome, int timeout_s);

// What the kernel or the network will do to these settings.
struct KernelLimits {
  long receive_buffer_max = 0;  // net.core.rmem_max; 0 when unknown
  long send_buffer_max = 0;     // net.core.wmem_max
  std::string available_congestion;  // net.ipv4.tcp_available_congestion_control; empty when unknown
  uint32_t unknown_options = 0;      // bit per OptionId: the kernel answers ENOPROTOOPT
};
std::vector<std::string> warnings_for(const SocketSettings& settings, const KernelLimits& limits);

KernelLimits read_kernel_limits();

}  // namespace sockshim::cli
