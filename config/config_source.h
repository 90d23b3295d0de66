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

// The longest config path kept (PATH_MAX with its NUL); a longer one is
// still opened whole, only named shortened.
constexpr size_t kMaxConfigPathBytes = 4096;
// What find_config() needs of its caller's buffer: the path, then the text.
constexpr size_t kConfigBufferBytes = kMaxConfigPathBytes + kMaxConfigBytes;

// Trivial, so that the library can keep it in static storage. The path and
// the text are kept together at the start of the caller's buffer, the text
// right after the path: the library reads them at load, in every process,
// and a small config then takes one page of memory, not two.
struct FoundConfig {
  bool from_file;       // source is a path (which may have a compiled file)
  const char* source;   // the file's path (in the buffer), or "SOCKSHIM_CONFIG_TOML"; null: none found
  const char* text;     // in the buffer, after the path
  size_t length;        // of the text
  FileFailure failure;  // why, when the lookup failed
};

// The checks the library makes of a config file: as root, one that group
// or others can write is refused.
FileReadOptions library_file_checks();

// True when SOCKSHIM_DISABLE=1.
bool disabled_by_environment(EnvironmentReader read_environment);

// Finds the config and copies its path and its text into |buffer|
// (|capacity| bytes, kConfigBufferBytes for the largest config; at most
// kMaxConfigBytes of text). A file that group or others can write is
// refused when the effective user is root. Allocates nothing, even on
// failure: the library calls it at load, and reports at the first socket.
ConfigLookup find_config(EnvironmentReader read_environment, char* buffer, size_t capacity,
                         FoundConfig* found);

// The error of a lookup that failed, naming its source.
ConfigError lookup_error(const FoundConfig& found);

}  // namespace sockshim
