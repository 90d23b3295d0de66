// SPDX-License-Identifier: Apache-2.0
// Durations ("30s", "5m") and sizes ("256KiB", "1M") as the config writes them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sockshim {

// Milliseconds in a string such as "500ms", "30s", "5m", "2h".
std::optional<int64_t> parse_duration_ms(std::string_view text);

// Bytes in a string such as "4096", "64K", "256KiB", "1MiB", "1G" (binary units).
std::optional<int64_t> parse_size_bytes(std::string_view text);

}  // namespace sockshim
