#include "config/setting_fields.h"

namespace sockshim {
namespace {

template <typename T>
std::optional<int> as_int(const std::optional<T>& value) {
  if (!value) return std::nullopt;
  return static_cast<int>(*value);
}

}  // namespace

const SettingField kSettingFields[] = {
    {OptionId::keepalive, "keepalive.enabled", SettingUnit::flag,
     [](const SocketSettings& s) { return as_int(s.keepalive); }},
    {OptionId::keepalive_idle, "keepalive.idle", SettingUnit::seconds,
     [](const SocketSettings& s) { return as_int(s.keepalive_idle_s); }},
    {OptionId::keepalive_interval, "keepalive.interval", SettingUnit::seconds,
     [](const SocketSettings& s) { return as_int(s.keepalive_interval_s); }},
    {OptionId::keepalive_count, "keepalive.count", SettingUnit::count,
     [](const SocketSettings& s) { return as_int(s.keepalive_count); }},
    {OptionId::receive_buffer, "buffers.receive", SettingUnit::bytes,
     [](const SocketSettings& s) { return as_int(s.receive_buffer); }},
    {OptionId::send_buffer, "buffers.send", SettingUnit::bytes,
     [](const SocketSettings& s) { return as_int(s.send_buffer); }},
    {OptionId::user_timeout, "tcp.user_timeout", SettingUnit::milliseconds,
     [](const SocketSettings& s) { return as_int(s.user_timeout_ms); }},
    {OptionId::nodelay, "tcp.nodelay", SettingUnit::flag,
     [](const SocketSettings& s) { return as_int(s.nodelay); }},
};

}  // namespace sockshim
