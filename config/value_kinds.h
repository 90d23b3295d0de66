// SPDX-License-Identifier: Apache-2.0
// Everything that depends on an option's ValueKind, each written once: how
// the config writes a value (parse_value, accepted_values), the bytes
// setsockopt takes (encode_value), how getsockopt reports it
// (report_capacity, reported_text), and how a value reads in messages
// (format_value). The loader, decide(), the reports of the command and
// inspect/ call these instead of switching on the kind themselves. Values
// compare kind-blind (OptionValue::operator==): a value is its number and
// its name, zero when unused.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/option_catalogue.h"
#include "config/policy.h"

namespace sockshim {

struct SocketOption;

// A value as the config file wrote it: a TOML boolean, integer or string
// (each unset unless the value is exactly that type).
struct WrittenValue {
  std::optional<bool> flag;
  std::optional<int64_t> integer;
  std::optional<std::string_view> text;
};

// |written| as |entry|'s value; nullopt, with |*expected| saying what the
// config should have given ("seconds in 1..32767, as an integer or ..."),
// when it is not one.
std::optional<OptionValue> parse_value(const CatalogueEntry& entry, const WrittenValue& written,
                                       std::string* expected);

// The values the config accepts for |entry|, in Markdown (the value column
// of `sockshim options`).
std::string accepted_values(const CatalogueEntry& entry);

// The bytes setsockopt receives for |value| of |entry|, into |option|'s
// data and length, and the int its messages show into |option|->value (the
// TOS byte for ip.dscp).
void encode_value(const CatalogueEntry& entry, const OptionValue& value, SocketOption* option);

// How many bytes to give getsockopt for |entry|'s option.
socklen_t report_capacity(const CatalogueEntry& entry);

// What getsockopt reported (|length| bytes of |bytes|) as `sockshim inspect`
// shows it: the kernel's number (the TOS byte, the doubled buffers), a mark
// as the u32 it is, a linger as its seconds or -1 when off, a name as text.
std::string reported_text(const CatalogueEntry& entry, const unsigned char* bytes, socklen_t length);

// Whether reported_text() is a name (a JSON string) rather than a number.
bool reported_as_name(const CatalogueEntry& entry);

// |value| of |entry| for people: "on", "30 s", "256 KiB", "DSCP 34 (TOS 136)".
std::string format_value(const CatalogueEntry& entry, const OptionValue& value);

// "256 KiB", "1 MiB", "1000 B": the largest binary unit that divides |bytes|.
std::string format_bytes(long long bytes);

}  // namespace sockshim
