// SPDX-License-Identifier: Apache-2.0
// TOML text → validated Policy, or every problem found with its position.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/policy.h"

namespace sockshim {

struct ConfigError {
  std::string source;  // file path, or the environment variable's name
  uint32_t line = 0;   // 1-based; 0 when the error is about the whole source
  uint32_t column = 0;
  std::string key;  // e.g. "rule[2].keepalive.idle"; empty for syntax errors
  std::string message;

  // "source:line:column: key: message"
  std::string to_string() const;
};

struct LoadResult {
  std::optional<Policy> policy;  // set only when errors is empty
  std::vector<ConfigError> errors;
};

LoadResult load_policy(std::string_view toml_text, std::string_view source_name);

}  // namespace sockshim
