// SPDX-License-Identifier: Apache-2.0
#include "config/config_source.h"

#include <unistd.h>

#include <cstring>

#include "config/runs_at_load.h"

namespace sockshim {
namespace {

SOCKSHIM_RUNS_AT_LOAD const char* non_empty(const char* value) { return value && *value ? value : nullptr; }

// The path at the start of |buffer| (shortened to kMaxConfigPathBytes - 1
// bytes), with its NUL; the size used, or 0 when |buffer| has no room.
SOCKSHIM_RUNS_AT_LOAD size_t store_path(const char* path, char* buffer, size_t capacity) {
  const size_t length = strnlen(path, kMaxConfigPathBytes - 1);
  if (length + 1 > capacity) return 0;
  std::memcpy(buffer, path, length);
  buffer[length] = '\0';
  return length + 1;
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
  found->source = nullptr;
  found->text = buffer;
  found->failure = FileFailure();
  if (const char* inline_toml = non_empty(read_environment("SOCKSHIM_CONFIG_TOML"))) {
    found->source = "SOCKSHIM_CONFIG_TOML";
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
  const size_t path_bytes = store_path(path, buffer, capacity);
  if (path_bytes == 0) {
    found->source = path;  // no room to copy it: named as the environment has it now
    found->failure.problem = FileProblem::too_large;
    return ConfigLookup::failed;
  }
  found->source = buffer;
  found->text = buffer + path_bytes;
  found->from_file = true;
  return read_config_file(path, library_file_checks(), buffer + path_bytes, capacity - path_bytes,
                          &found->length, &found->failure)
             ? ConfigLookup::found
             : ConfigLookup::failed;
}

ConfigError lookup_error(const FoundConfig& found) { return describe_file_failure(found.source, found.failure); }

}  // namespace sockshim
