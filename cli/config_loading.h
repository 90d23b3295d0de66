// SPDX-License-Identifier: Apache-2.0
// Loading a config for a subcommand, as the library would load it, with
// errors printed the same way by every subcommand.
#pragma once

#include <optional>
#include <string>

#include "config/policy.h"

namespace sockshim::cli {

// The policy, or nullopt after printing "file:line:col: key: message" lines
// to stderr. A file gets the library's checks (root refuses one that group
// or others can write).
std::optional<Policy> load_config_or_report(const std::string& path);
std::optional<Policy> load_inline_config_or_report(const std::string& toml);

// The config that the library would load in this environment
// (SOCKSHIM_CONFIG_TOML, SOCKSHIM_CONFIG, /etc/sockshim.toml). |source| is
// set to where it came from, or left empty when there is none.
std::optional<Policy> load_environment_config_or_report(std::string* source);

}  // namespace sockshim::cli
