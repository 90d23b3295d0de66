// SPDX-License-Identifier: Apache-2.0
#include "config/value_kinds.h"

#include <algorithm>
#include <climits>
#include <cstring>

#include "config/decide.h"
#include "config/units.h"

namespace sockshim {
namespace {

std::string range_text(const CatalogueEntry& entry) {
  return std::to_string(entry.minimum) + ".." + std::to_string(entry.maximum);
}

// An option whose range goes past INT_MAX is a u32 in the kernel (SO_MARK):
// the config's value is stored as its bits and shown unsigned.
bool is_unsigned(const CatalogueEntry& entry) { return entry.maximum > INT_MAX; }

// Integer seconds, or a string with a unit that comes to whole seconds.
std::optional<int64_t> parse_seconds(const CatalogueEntry& entry, const WrittenValue& written,
                                     std::string* expected) {
  std::optional<int64_t> seconds = written.integer;
  if (written.text) {
    const std::optional<int64_t> ms = parse_duration_ms(*written.text);
    if (ms && *ms % 1000 != 0) {
      const std::string_view key = entry.key;
      const std::string_view section = key.substr(0, key.find('.'));
      const std::string_view counted = section == "keepalive" ? "keepalive" : key.substr(key.find('.') + 1);
      *expected = "a whole number of seconds (the kernel counts " + std::string(counted) + " in seconds)";
      return std::nullopt;
    }
    if (ms) seconds = *ms / 1000;
  }
  if (!seconds || *seconds < entry.minimum || *seconds > entry.maximum) {
    *expected = "seconds in " + range_text(entry) + ", as an integer or a string such as \"30s\" or \"5m\"";
    return std::nullopt;
  }
  return seconds;
}

// An integer, or a string that |parse_text| turns into one, in the entry's range.
std::optional<int64_t> parse_quantity(const CatalogueEntry& entry, const WrittenValue& written,
                                      std::optional<int64_t> (*parse_text)(std::string_view),
                                      const std::string& wanted, std::string* expected) {
  std::optional<int64_t> amount = written.integer;
  if (written.text && parse_text) amount = parse_text(*written.text);
  if (!amount || *amount < entry.minimum || *amount > entry.maximum) {
    *expected = wanted;
    return std::nullopt;
  }
  return amount;
}

std::optional<int64_t> parse_number(const CatalogueEntry& entry, const WrittenValue& written,
                                    std::string* expected) {
  switch (entry.kind) {
    case ValueKind::flag:
      if (written.flag) return *written.flag ? 1 : 0;
      *expected = "true or false";
      return std::nullopt;
    case ValueKind::seconds:
      return parse_seconds(entry, written, expected);
    case ValueKind::milliseconds:
      return parse_quantity(entry, written, parse_duration_ms,
                            "milliseconds in " + range_text(entry) + ", as an integer or a string such as \"20s\"",
                            expected);
    case ValueKind::number:
      return parse_quantity(entry, written, nullptr,
                            std::string("a whole number") + (*entry.unit ? " of " : "") + entry.unit + " in " +
                                range_text(entry),
                            expected);
    case ValueKind::bytes:
      return parse_quantity(entry, written, parse_size_bytes,
                            "bytes in " + range_text(entry) +
                                ", as an integer or a string such as \"256KiB\" or \"1MiB\"",
                            expected);
    case ValueKind::dscp: {
      const int by_name = written.text ? dscp_from_name(*written.text) : -1;
      if (by_name >= 0) return by_name;
      return parse_quantity(entry, written, nullptr,
                            "a DSCP class such as \"AF41\", \"EF\" or \"CS1\", or a number in " + range_text(entry),
                            expected);
    }
    case ValueKind::linger:
      if ((written.text && *written.text == "off") || (written.flag && !*written.flag)) return -1;
      if (written.flag || (written.text && !parse_duration_ms(*written.text))) {
        *expected = "\"off\", or seconds in " + range_text(entry) +
                    " to wait in close() (0: reset), as an integer or a string such as \"5s\"";
        return std::nullopt;
      }
      return parse_seconds(entry, written, expected);
    case ValueKind::name:
      break;  // not a number: parse_value reads it
  }
  return std::nullopt;
}

}  // namespace

std::optional<OptionValue> parse_value(const CatalogueEntry& entry, const WrittenValue& written,
                                       std::string* expected) {
  OptionValue value;
  if (entry.kind == ValueKind::name) {
    const std::optional<std::string_view>& text = written.text;
    const bool valid = text && !text->empty() && text->size() <= static_cast<size_t>(entry.maximum) &&
                       text->find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") == std::string_view::npos;
    if (!valid) {
      *expected = "a name such as \"bbr\" or \"cubic\" (lower case, at most " + std::to_string(entry.maximum) +
                  " characters)";
      return std::nullopt;
    }
    text->copy(value.text, text->size());
    return value;
  }
  const std::optional<int64_t> number = parse_number(entry, written, expected);
  if (!number) return std::nullopt;
  // Within an int for every option but an unsigned one, whose bits these are.
  value.number = static_cast<int>(static_cast<uint32_t>(*number));
  return value;
}

std::string accepted_values(const CatalogueEntry& entry) {
  const std::string range = range_text(entry);
  const std::string unit = *entry.unit ? std::string(" ") + entry.unit : "";
  switch (entry.kind) {
    case ValueKind::flag: return "`true`/`false`";
    case ValueKind::seconds: return range + " s (`\"30s\"`, `\"5m\"`)";
    case ValueKind::milliseconds: return range + " ms (`\"20s\"`)";
    case ValueKind::number: return range + unit;
    case ValueKind::bytes: return range + " bytes (`\"64KiB\"`)";
    case ValueKind::dscp: return "`\"EF\"`, `\"AF11\"`..`\"AF43\"`, `\"CS0\"`..`\"CS7\"`, or " + range;
    case ValueKind::linger: return "`\"off\"`, or " + range + " s";
    case ValueKind::name: return "an algorithm name (`\"bbr\"`)";
  }
  return range;
}

void encode_value(const CatalogueEntry& entry, const OptionValue& value, SocketOption* option) {
  option->value = value.number;
  switch (entry.kind) {
    case ValueKind::dscp: {
      const int tos = value.number << 2;  // the DSCP is the TOS byte's upper six bits
      std::memcpy(option->data, &tos, sizeof tos);
      option->length = sizeof tos;
      option->value = tos;
      return;
    }
    case ValueKind::linger: {
      struct linger linger = {};
      linger.l_onoff = value.number >= 0;
      linger.l_linger = value.number >= 0 ? value.number : 0;
      std::memcpy(option->data, &linger, sizeof linger);
      option->length = sizeof linger;
      return;
    }
    case ValueKind::name:
      std::memcpy(option->data, value.text, sizeof value.text);
      option->length = static_cast<socklen_t>(strnlen(value.text, sizeof value.text));
      return;
    case ValueKind::flag:
    case ValueKind::seconds:
    case ValueKind::milliseconds:
    case ValueKind::number:
    case ValueKind::bytes:
      std::memcpy(option->data, &value.number, sizeof value.number);
      option->length = sizeof value.number;
      return;
  }
}

socklen_t report_capacity(const CatalogueEntry& entry) {
  switch (entry.kind) {
    case ValueKind::name: return 31;  // TCP_CA_NAME_MAX is 16; room to spare, and a NUL after it
    case ValueKind::linger: return sizeof(struct linger);
    case ValueKind::flag:
    case ValueKind::seconds:
    case ValueKind::milliseconds:
    case ValueKind::number:
    case ValueKind::bytes:
    case ValueKind::dscp: return sizeof(int);
  }
  return sizeof(int);
}

std::string reported_text(const CatalogueEntry& entry, const unsigned char* bytes, socklen_t length) {
  switch (entry.kind) {
    case ValueKind::name:
      return std::string(reinterpret_cast<const char*>(bytes), strnlen(reinterpret_cast<const char*>(bytes), length));
    case ValueKind::linger: {
      struct linger linger = {};
      std::memcpy(&linger, bytes, std::min<size_t>(length, sizeof linger));
      return std::to_string(linger.l_onoff ? linger.l_linger : -1);
    }
    case ValueKind::flag:
    case ValueKind::seconds:
    case ValueKind::milliseconds:
    case ValueKind::number:
    case ValueKind::bytes:
    case ValueKind::dscp:
      break;
  }
  int value = 0;
  std::memcpy(&value, bytes, std::min<size_t>(length, sizeof value));
  if (is_unsigned(entry)) return std::to_string(static_cast<uint32_t>(value));
  return std::to_string(value);
}

bool reported_as_name(const CatalogueEntry& entry) { return entry.kind == ValueKind::name; }

std::string format_bytes(long long bytes) {
  static constexpr struct {
    long long size;
    const char* unit;
  } kUnits[] = {{1LL << 30, "GiB"}, {1LL << 20, "MiB"}, {1LL << 10, "KiB"}};
  for (const auto& unit : kUnits) {
    if (bytes >= unit.size && bytes % unit.size == 0) {
      return std::to_string(bytes / unit.size) + " " + unit.unit;
    }
  }
  return std::to_string(bytes) + " B";
}

std::string format_value(const CatalogueEntry& entry, const OptionValue& value) {
  switch (entry.kind) {
    case ValueKind::flag: return value.number ? "on" : "off";
    case ValueKind::seconds: return std::to_string(value.number) + " s";
    case ValueKind::milliseconds: return std::to_string(value.number) + " ms";
    case ValueKind::number:
      if (is_unsigned(entry)) return std::to_string(static_cast<uint32_t>(value.number));
      return std::to_string(value.number) + (*entry.unit ? " " : "") + entry.unit;
    case ValueKind::bytes: return format_bytes(value.number);
    case ValueKind::dscp:
      return "DSCP " + std::to_string(value.number) + " (TOS " + std::to_string(value.number << 2) + ")";
    case ValueKind::linger: return value.number < 0 ? "off" : "on, " + std::to_string(value.number) + " s";
    case ValueKind::name: return std::string(value.text, strnlen(value.text, sizeof value.text));
  }
  return std::to_string(value.number);
}

}  // namespace sockshim
