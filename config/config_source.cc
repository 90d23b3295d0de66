// SPDX-License-Identifier: Apache-2.0
#include "config/config_source.h"

#include <unistd.h>

#include <cstring>

#include "config/runs_at_load.h"

namespace sockshim {
namespace {

SOCKSHIM_RUNS_AT_LOAD const char* non_empty(const char* value) { return value && *value ? value : nullptr; }

// Only the name and its NUL are written (strncpy would fill the rest of the
// 4 KiB with zeros): the library does this at load, in every process.
SOCKSHIM_RUNS_AT_LOAD void set_source(FoundConfig* found, const char* name) {
  const size_t length = strnlen(name, sizeof found->source - 1);
  std::memcpy(found->source, name, length);
  found->source[length] = '\0';
}

}  // namespace

SOCKSHIM_RUNS_AT_LOAD FileReadOptions library_file_checks() {
  FileReadOptions options;
  options.refuse_writable_by_others = geteuid() == 0;
  return options;
}

SOCKSHIM_RUNS_AT_LOAD bool disabled_by_environment(EnvironmentReader read_environment) {
  const char* value = read_environment("SOCKSHIM_DISABLE");
  return value && std::strcmp(value, "1") == 0;
}

SOCKSHIM_RUNS_AT_LOAD ConfigLookup find_config(EnvironmentReader read_environment, char* buffer, size_t capacity,
                         FoundConfig* found) {
  found->length = 0;
  found->from_file = false;
  found->failure = FileFailure();
  if (const char* inline_toml = non_empty(read_environment("SOCKSHIM_CONFIG_TOML"))) {
    set_source(found, "SOCKSHIM_CONFIG_TOML");
    const size_t length = std::strlen(inline_toml);
    if (length > kMaxConfigBytes || length > capacity) {
      found->failure.problem = FileProblem::too_large;
      return ConfigLookup::failed;
    }
    // A copy: the program may rewrite its environment before it is parsed.
    std::memcpy(buffer, inline_toml, length);
    found->length = length;
    return ConfigLookup::found;
  }
  const char* path = non_empty(read_environment("SOCKSHIM_CONFIG"));
  if (!path) {
    if (access(kDefaultConfigPath, F_OK) != 0) return ConfigLookup::none;
    path = kDefaultConfigPath;
  }
  set_source(found, path);
  found->from_file = true;
  return read_config_file(path, library_file_checks(), buffer, capacity, &found->length, &found->failure)
             ? ConfigLookup::found
             : ConfigLookup::failed;
}

ConfigError lookup_error(const FoundConfig& found) { return describe_file_failure(found.source, found.failure); }

}  // namespace sockshim
