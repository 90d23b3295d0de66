#include "config/policy.h"

namespace sockshim {
namespace {

template <typename T>
void take_if_set(std::optional<T>* mine, const std::optional<T>& theirs) {
  if (theirs) *mine = theirs;
}

}  // namespace

void SocketSettings::overlay(const SocketSettings& later) {
  take_if_set(&keepalive, later.keepalive);
  take_if_set(&keepalive_idle_s, later.keepalive_idle_s);
  take_if_set(&keepalive_interval_s, later.keepalive_interval_s);
  take_if_set(&keepalive_count, later.keepalive_count);
  take_if_set(&receive_buffer, later.receive_buffer);
  take_if_set(&send_buffer, later.send_buffer);
  take_if_set(&user_timeout_ms, later.user_timeout_ms);
  take_if_set(&nodelay, later.nodelay);
}

bool SocketSettings::has_tcp_only_settings() const {
  return keepalive || keepalive_idle_s || keepalive_interval_s || keepalive_count ||
         user_timeout_ms || nodelay;
}

bool SocketSettings::empty() const {
  return !has_tcp_only_settings() && !receive_buffer && !send_buffer;
}

}  // namespace sockshim
