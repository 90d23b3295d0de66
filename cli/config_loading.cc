// SPDX-License-Identifier: Apache-2.0
#include "cli/config_loading.h"

#include <cstdio>
#include <cstdlib>

#include "config/config_source.h"
#include "config/policy_loader.h"

namespace sockshim::cli {
namespace {

std::optional<Policy> report(LoadResult loaded) {
  for (const std::string& line : error_lines(loaded)) std::fprintf(stderr, "%s\n", line.c_str());
  return std::move(loaded.policy);
}

std::optional<Policy> report(const ConfigError& error) {
  std::fprintf(stderr, "%s\n", error.to_string().c_str());
  return std::nullopt;
}

}  // namespace

std::optional<Policy> load_config_or_report(const std::string& path) {
  std::string text;
  ConfigError error;
  if (!read_config_file(path, library_file_checks(), &text, &error)) return report(error);
  return report(load_policy(text, path));
}

std::optional<Policy> load_inline_config_or_report(const std::string& toml) {
  return report(load_policy(toml, "SOCKSHIM_CONFIG_TOML"));
}

std::optional<Policy> load_environment_config_or_report(std::string* source) {
  std::string buffer(kConfigBufferBytes, '\0');
  FoundConfig found{};
  switch (find_config(getenv, buffer.data(), buffer.size(), &found)) {
    case ConfigLookup::none:
      source->clear();
      return std::nullopt;
    case ConfigLookup::failed:
      *source = found.source;
      return report(lookup_error(found));
    case ConfigLookup::found:
      break;
  }
  *source = found.source;
  return report(load_policy(std::string_view(found.text, found.length), found.source));
}

}  // namespace sockshim::cli
