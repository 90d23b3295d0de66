// SPDX-License-Identifier: Apache-2.0
#include "config/units.h"

#include <string_view>

namespace sockshim {
namespace {

struct Unit {
  std::string_view suffix;
  int64_t multiplier;
};

constexpr int64_t kMaxValue = int64_t{1} << 52;  // far above any valid setting

// Splits "256 KiB" into 256 and "KiB"; the number is required.
bool split_number(std::string_view text, int64_t* number, std::string_view* suffix) {
  size_t i = 0;
  int64_t value = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    value = value * 10 + (text[i] - '0');
    if (value > kMaxValue) return false;
    ++i;
  }
  if (i == 0) return false;
  while (i < text.size() && text[i] == ' ') ++i;
  *number = value;
  *suffix = text.substr(i);
  return true;
}

template <size_t N>
std::optional<int64_t> parse_with_units(std::string_view text, const Unit (&units)[N]) {
  int64_t number = 0;
  std::string_view suffix;
  if (!split_number(text, &number, &suffix)) return std::nullopt;
  for (const Unit& unit : units) {
    if (suffix == unit.suffix) {
      if (number > kMaxValue / unit.multiplier) return std::nullopt;
      return number * unit.multiplier;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> parse_duration_ms(std::string_view text) {
  static constexpr Unit kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60 * 1000}, {"h", 60 * 60 * 1000}};
  return parse_with_units(text, kUnits);
}

std::optional<int64_t> parse_size_bytes(std::string_view text) {
  static constexpr Unit kUnits[] = {
      {"", 1},           {"B", 1},           {"K", 1 << 10},     {"KiB", 1 << 10},
      {"M", 1 << 20},    {"MiB", 1 << 20},   {"G", 1 << 30},     {"GiB", 1 << 30}};
  return parse_with_units(text, kUnits);
}

}  // namespace sockshim
