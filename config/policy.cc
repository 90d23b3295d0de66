// SPDX-License-Identifier: Apache-2.0
#include "config/policy.h"

#include <cstring>

namespace sockshim {

bool OptionValue::operator==(const OptionValue& other) const {
  return number == other.number && std::strncmp(text, other.text, sizeof text) == 0;
}

std::optional<int> SocketSettings::number(OptionId id) const {
  const std::optional<OptionValue>& value = get(id);
  if (!value) return std::nullopt;
  return value->number;
}

void SocketSettings::set(OptionId id, int number) {
  OptionValue value;
  value.number = number;
  values[static_cast<int>(id)] = value;
}

void SocketSettings::overlay(const SocketSettings& later) {
  for (int i = 0; i < kOptionCount; ++i) {
    if (later.values[i]) values[i] = later.values[i];
  }
  enforced |= later.enforced;
  for (int i = 0; i < later.raw_count; ++i) {
    const RawOption& option = later.raw[i];
    int slot = 0;
    while (slot < raw_count && (raw[slot].level != option.level || raw[slot].name != option.name)) ++slot;
    // The loader keeps a config to kMaxRawOptions distinct pairs, so a slot is free.
    if (slot == kMaxRawOptions) continue;
    raw[slot] = option;
    if (slot == raw_count) ++raw_count;
  }
}

bool SocketSettings::has_tcp_only_settings() const {
  for (const CatalogueEntry& entry : kCatalogue) {
    if (!entry.udp && get(entry.id)) return true;
  }
  return false;
}

bool SocketSettings::empty() const {
  for (const std::optional<OptionValue>& value : values) {
    if (value) return false;
  }
  return raw_count == 0;
}

}  // namespace sockshim
