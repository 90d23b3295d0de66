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

// Limits of a config, so that the largest one accepted costs little at the
// first socket of every process (docs/configuration.md, "Limits").
constexpr size_t kMaxRules = 1000;
constexpr size_t kMaxPrefixes = 10000;    // addresses and CIDRs in match.remote and match.local
constexpr size_t kMaxPortRanges = 5000;   // ports and ranges in match.port
constexpr size_t kMaxRawTables = 500;     // [[raw]] and [[rule.raw]] tables (kMaxRawOptions distinct)
// Errors kept to report; beyond them, only their number.
constexpr size_t kMaxReportedErrors = 20;

struct LoadResult {
  std::optional<Policy> policy;  // set only when errors is empty
  std::vector<ConfigError> errors;  // the first kMaxReportedErrors, in file order
  size_t error_count = 0;           // all that were found
};

LoadResult load_policy(std::string_view toml_text, std::string_view source_name);

// The lines that report |result|'s errors, for every program that prints
// them: one per error kept, then "SOURCE: and N more errors" when some were
// left out.
std::vector<std::string> error_lines(const LoadResult& result);

}  // namespace sockshim
