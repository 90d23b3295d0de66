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

namespace {

// |option| replaces the raw option of the same level and name in |settings|,
// or joins them.
void overlay_raw(const RawOption& option, SocketSettings* settings) {
  int slot = 0;
  while (slot < settings->raw_count &&
         (settings->raw[slot].level != option.level || settings->raw[slot].name != option.name)) {
    ++slot;
  }
  // The loader keeps a config to kMaxRawOptions distinct pairs, so a slot is free.
  if (slot == kMaxRawOptions) return;
  settings->raw[slot] = option;
  if (slot == settings->raw_count) ++settings->raw_count;
}

}  // namespace

void SocketSettings::overlay(const SocketSettings& later) {
  for (int i = 0; i < kOptionCount; ++i) {
    if (later.values[i]) values[i] = later.values[i];
  }
  enforced |= later.enforced;
  for (int i = 0; i < later.raw_count; ++i) overlay_raw(later.raw[i], this);
}

void SocketSettings::overlay(const CompactSettings& later) {
  for (const CompactSettings::Value& value : later.values()) values[static_cast<int>(value.id)] = value.value;
  enforced |= later.enforced();
  for (const RawOption& option : later.raw()) overlay_raw(option, this);
}

CompactSettings::CompactSettings(const SocketSettings& settings) : enforced_(settings.enforced) {
  for (int i = 0; i < kOptionCount; ++i) {
    if (settings.values[i]) append(static_cast<OptionId>(i), *settings.values[i]);
  }
  raw_.assign(settings.raw, settings.raw + settings.raw_count);
}

OptionValue& CompactSettings::append(OptionId id) {
  Value* added;
  if (count_ < kInlineValues) {
    added = &inline_[count_];
  } else {
    // One more than fits inline: all of them move to the vector.
    if (count_ == kInlineValues) spilled_.assign(inline_, inline_ + kInlineValues);
    added = &spilled_.emplace_back();
  }
  ++count_;
  added->id = id;
  added->value = OptionValue();
  return added->value;
}

SocketSettings CompactSettings::expanded() const {
  SocketSettings settings;
  settings.overlay(*this);
  return settings;
}

std::optional<OptionValue> CompactSettings::get(OptionId id) const {
  for (const Value& value : values()) {
    if (value.id == id) return value.value;
  }
  return std::nullopt;
}

std::optional<int> CompactSettings::number(OptionId id) const {
  const std::optional<OptionValue> value = get(id);
  if (!value) return std::nullopt;
  return value->number;
}

bool CompactSettings::has_tcp_only_settings() const {
  for (const Value& value : values()) {
    if (!kCatalogue[static_cast<int>(value.id)].udp) return true;
  }
  return false;
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
