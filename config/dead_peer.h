// SPDX-License-Identifier: Apache-2.0
// How long the kernel takes to notice a dead peer with given settings.
#pragma once

#include <optional>

#include "config/policy.h"

namespace sockshim {

// The namespace's values for what a config leaves unset
// (net.ipv4.tcp_keepalive_time/intvl/probes).
struct KeepaliveDefaults {
  int idle_s = 7200;
  int interval_s = 75;
  int count = 9;
};

// The kernel's retransmission timeout with tcp_retries2 = 15 (the default),
// after which unacknowledged data ends the connection: about 924.6 s.
constexpr double kDefaultRetransmissionGiveUpS = 924.6;

struct DeadPeerTimes {
  // An idle connection whose peer vanished: nullopt when keepalive is off
  // (then it is never noticed).
  std::optional<int> idle_peer_s;
  bool idle_bounded_by_user_timeout = false;
  // A peer that vanished with our data unacknowledged.
  double data_in_flight_s = kDefaultRetransmissionGiveUpS;
  bool data_bounded_by_user_timeout = false;
};

// With TCP_USER_TIMEOUT set, the keepalive timer ends the connection at its
// first tick after the timeout has passed with a probe sent, instead of
// after |count| probes.
DeadPeerTimes dead_peer_times(const SocketSettings& settings, const KeepaliveDefaults& defaults);

}  // namespace sockshim
