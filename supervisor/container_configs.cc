// SPDX-License-Identifier: Apache-2.0
#include "supervisor/container_configs.h"

#include <unistd.h>

#include "config/config_file.h"
#include "config/policy_loader.h"
#include "supervisor/supervisor.h"

namespace sockshim::supervisor {
namespace {

// A config name is a file name in the directory, never a path out of it.
bool safe_name(const std::string& name) {
  if (name.empty() || name[0] == '.' || name.size() > 200) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// The first error and how many more, on one line.
std::string one_line(const LoadResult& loaded) {
  std::string line = loaded.errors.front().to_string();
  if (loaded.error_count > 1) line += " (and " + std::to_string(loaded.error_count - 1) + " more)";
  for (char& c : line) {
    if (c == '\n') c = ' ';
  }
  return line;
}

}  // namespace

ChosenConfig ContainerConfigs::load(const std::string& text, const std::string& source) const {
  ChosenConfig chosen;
  chosen.source = source;
  LoadResult loaded = load_policy(text, source);
  if (!loaded.errors.empty()) {
    chosen.error = one_line(loaded);
    return chosen;
  }
  if (const std::string unsupported = unsupported_(*loaded.policy); !unsupported.empty()) {
    chosen.error = source + ": " + unsupported;
    return chosen;
  }
  chosen.policy = std::move(loaded.policy);
  return chosen;
}

ContainerConfigs::ContainerConfigs(std::optional<Policy> default_policy, std::string default_source,
                                   std::string directory, UnsupportedCheck unsupported)
    : default_policy_(std::move(default_policy)),
      default_source_(std::move(default_source)),
      directory_(std::move(directory)),
      unsupported_(unsupported ? std::move(unsupported) : UnsupportedCheck(unsupported_by_supervisor)) {}

ChosenConfig ContainerConfigs::from_directory(const std::string& name, const std::string& named_by) const {
  ChosenConfig chosen;
  chosen.source = named_by + " \"" + name + "\"";
  if (directory_.empty()) {
    chosen.error = named_by + " names the config \"" + name + "\", but the agent has no --config-dir";
    return chosen;
  }
  if (!safe_name(name)) {
    chosen.error = named_by + " \"" + name + "\" is not a config name (letters, digits, '.', '_', '-')";
    return chosen;
  }
  const std::string path = directory_ + "/" + name + ".toml";
  std::string text;
  ConfigError error;
  FileReadOptions options;
  options.refuse_writable_by_others = geteuid() == 0;
  if (!read_config_file(path, options, &text, &error)) {
    chosen.error = named_by + " \"" + name + "\": " + error.to_string();
    return chosen;
  }
  return load(text, path);
}

ChosenConfig ContainerConfigs::choose(const ContainerState& state) const {
  if (const auto toml = state.annotations.find(kConfigTomlAnnotation); toml != state.annotations.end()) {
    return load(toml->second, std::string("annotation ") + kConfigTomlAnnotation);
  }
  if (const auto name = state.annotations.find(kConfigNameAnnotation); name != state.annotations.end()) {
    return from_directory(name->second, std::string("annotation ") + kConfigNameAnnotation);
  }
  if (!state.metadata.empty() && !directory_.empty()) return from_directory(state.metadata, "listenerMetadata");
  ChosenConfig chosen;
  chosen.policy = default_policy_;
  chosen.source = default_policy_ ? default_source_ : "none";
  return chosen;
}

}  // namespace sockshim::supervisor
