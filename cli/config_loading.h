// Loading a config file for a subcommand, with errors printed the same way
// by every subcommand.
#pragma once

#include <optional>
#include <string>

#include "config/policy.h"

namespace sockshim::cli {

// The policy, or nullopt after printing "file:line:col: key: message" lines
// to stderr.
std::optional<Policy> load_config_or_report(const std::string& path);
std::optional<Policy> load_inline_config_or_report(const std::string& toml);

}  // namespace sockshim::cli
