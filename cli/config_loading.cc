#include "cli/config_loading.h"

#include <cstdio>

#include "config/config_file.h"
#include "config/policy_loader.h"

namespace sockshim::cli {
namespace {

std::optional<Policy> report(LoadResult loaded) {
  for (const ConfigError& error : loaded.errors) {
    std::fprintf(stderr, "%s\n", error.to_string().c_str());
  }
  return std::move(loaded.policy);
}

}  // namespace

std::optional<Policy> load_config_or_report(const std::string& path) {
  std::string text;
  ConfigError error;
  if (!read_config_file(path, FileReadOptions(), &text, &error)) {
    std::fprintf(stderr, "%s\n", error.to_string().c_str());
    return std::nullopt;
  }
  return report(load_policy(text, path));
}

std::optional<Policy> load_inline_config_or_report(const std::string& toml) {
  return report(load_policy(toml, "SOCKSHIM_CONFIG_TOML"));
}

}  // namespace sockshim::cli
