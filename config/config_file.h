// SPDX-License-Identifier: Apache-2.0
// Reading a config file with the checks a preload needs before trusting it.
#pragma once

#include <string>

#include "config/policy_loader.h"

namespace sockshim {

constexpr size_t kMaxConfigBytes = 1 << 20;

struct FileReadOptions {
  // When running as root, refuse files that others may write (as sshd does).
  bool refuse_writable_by_others = false;
};

// True and |text| filled, or false and |error| says why (missing, a
// directory, unreadable, too long, writable by others).
bool read_config_file(const std::string& path, const FileReadOptions& options,
                      std::string* text, ConfigError* error);

// The same into |buffer| (at most |capacity| bytes, |length| set), with no
// allocation unless there is an error to describe.
bool read_config_file(const char* path, const FileReadOptions& options, char* buffer,
                      size_t capacity, size_t* length, ConfigError* error);

}  // namespace sockshim
