// SPDX-License-Identifier: Apache-2.0
// Reading a config file with the checks a preload needs before trusting it.
#pragma once

#include <string>

#include "config/policy_loader.h"

namespace sockshim {

constexpr size_t kMaxConfigBytes = 512 << 10;

struct FileReadOptions {
  // When running as root, refuse files that others may write (as sshd does).
  bool refuse_writable_by_others = false;
};

// Why a config could not be read, as plain values: the library records it
// at load, when it may not allocate, and describes it at the first socket.
enum class FileProblem {
  none,
  cannot_open,         // with the errno
  cannot_stat,         // with the errno
  directory,
  not_regular,         // a FIFO, a device, a socket
  writable_by_others,  // refused while running as root
  too_large,           // more than kMaxConfigBytes (or than the buffer)
  cannot_read,         // with the errno
};

// Trivial (no initialisers), so that the library can keep it in static storage.
struct FileFailure {
  FileProblem problem;
  int error_number;  // errno, for the problems that have one
};

// The error for |failure| of |source| (a path, or the variable's name):
// "is a directory, expected a TOML file", "cannot open: No such file...".
ConfigError describe_file_failure(const char* source, const FileFailure& failure);

// True and |text| filled, or false and |error| says why (missing, a
// directory, unreadable, too long, writable by others).
bool read_config_file(const std::string& path, const FileReadOptions& options,
                      std::string* text, ConfigError* error);

// The same into |buffer| (at most |capacity| bytes, |length| set), with no
// allocation at all: |failure| says what went wrong. The size is what
// reading to the end gives, never what stat() says (a /proc file says 0).
bool read_config_file(const char* path, const FileReadOptions& options, char* buffer,
                      size_t capacity, size_t* length, FileFailure* failure);

}  // namespace sockshim
