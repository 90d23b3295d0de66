// SPDX-License-Identifier: Apache-2.0
// Where a process's config comes from, found and read exactly as the library
// does it: SOCKSHIM_CONFIG_TOML (the text itself) wins over SOCKSHIM_CONFIG (a
// path), which wins over /etc/sockshim.toml when that exists; a file passes
// the checks of read_config_file(). The library and `sockshim check` both use
// it, so that they accept and refuse the same configs.
#pragma once

#include <cstddef>

#include "config/config_file.h"

namespace sockshim {

constexpr char kDefaultConfigPath[] = "/etc/sockshim.toml";

// getenv, or secure_getenv in the library (setuid programs ignore it all).
using EnvironmentReader = char* (*)(const char* name);

enum class ConfigLookup {
  none,    // no variable set and no /etc/sockshim.toml
  found,   // the text is in the buffer
  failed,  // the error says why (the library then runs without a config)
};

// Trivial, so that the library can keep it in static storage.
struct FoundConfig {
  bool from_file;       // source is a path (which may have a compiled file)
  size_t length;        // of the text in the caller's buffer
  FileFailure failure;  // why, when the lookup failed
  char source[4096];    // the file's path, or "SOCKSHIM_CONFIG_TOML" (last: mostly unused)
};

// The checks the library makes of a config file: as root, one that group
// or others can write is refused.
FileReadOptions library_file_checks();

// True when SOCKSHIM_DISABLE=1.
bool disabled_by_environment(EnvironmentReader read_environment);

// Finds the config and copies its text into |buffer| (|capacity| bytes, at
// most kMaxConfigBytes used). A file that group or others can write is
// refused when the effective user is root. Allocates nothing, even on
// failure: the library calls it at load, and reports at the first socket.
ConfigLookup find_config(EnvironmentReader read_environment, char* buffer, size_t capacity,
                         FoundConfig* found);

// The error of a lookup that failed, naming its source.
ConfigError lookup_error(const FoundConfig& found);

}  // namespace sockshim
