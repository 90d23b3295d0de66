// SPDX-License-Identifier: Apache-2.0
#include "config/dead_peer.h"

#include <algorithm>

namespace sockshim {

DeadPeerTimes dead_peer_times(const SocketSettings& settings, const KeepaliveDefaults& defaults) {
  DeadPeerTimes times;
  const int user_timeout_ms = settings.number(OptionId::user_timeout).value_or(0);
  if (user_timeout_ms > 0) {
    times.data_in_flight_s = user_timeout_ms / 1000.0;
    times.data_bounded_by_user_timeout = true;
  }
  if (!settings.number(OptionId::keepalive).value_or(0)) return times;
  const int idle = settings.number(OptionId::keepalive_idle).value_or(defaults.idle_s);
  const int interval = settings.number(OptionId::keepalive_interval).value_or(defaults.interval_s);
  const int count = settings.number(OptionId::keepalive_count).value_or(defaults.count);
  if (user_timeout_ms == 0) {
    times.idle_peer_s = idle + interval * count;
    return times;
  }
  // Probe ticks come at idle + k * interval (k >= 1); the first one at or
  // after the user timeout ends the connection.
  const int user_timeout_s = (user_timeout_ms + 999) / 1000;
  int tick = idle + interval;
  while (tick < user_timeout_s) tick += interval;
  times.idle_peer_s = std::max(tick, idle + interval);
  times.idle_bounded_by_user_timeout = true;
  return times;
}

}  // namespace sockshim
