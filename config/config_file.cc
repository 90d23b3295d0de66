// SPDX-License-Identifier: Apache-2.0
#include "config/config_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "config/prefault.h"
#include "config/runs_at_load.h"

namespace sockshim {
namespace {

bool fail(FileProblem problem, int error_number, FileFailure* failure) {
  failure->problem = problem;
  failure->error_number = error_number;
  return false;
}

// read() until |buffer| is full, the end of the file, or |expected| bytes
// (the size fstat gave: a file read whole in one call needs no second call
// to find its end, and every process that preloads the library reads its
// config); false on an error.
SOCKSHIM_RUNS_AT_LOAD bool read_to_end(int fd, char* buffer, size_t capacity, size_t* filled, size_t expected = SIZE_MAX) {
  *filled = 0;
  while (*filled < capacity && *filled < expected) {
    const ssize_t n = read(fd, buffer + *filled, capacity - *filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) break;
    *filled += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

ConfigError describe_file_failure(const char* source, const FileFailure& failure) {
  ConfigError error;
  error.source = source;
  const char* reason = std::strerror(failure.error_number);
  switch (failure.problem) {
    case FileProblem::none: error.message = "was read"; break;
    case FileProblem::cannot_open: error.message = std::string("cannot open: ") + reason; break;
    case FileProblem::cannot_stat: error.message = std::string("cannot stat: ") + reason; break;
    case FileProblem::directory: error.message = "is a directory, expected a TOML file"; break;
    case FileProblem::not_regular: error.message = "is not a regular file"; break;
    case FileProblem::writable_by_others:
      error.message = "is writable by group or others; refusing it while running as root (chmod go-w)";
      break;
    case FileProblem::too_large: error.message = "is larger than 512 KiB; expected a small TOML file"; break;
    case FileProblem::cannot_read: error.message = std::string("cannot read: ") + reason; break;
  }
  return error;
}

SOCKSHIM_RUNS_AT_LOAD bool read_config_file(const char* path, const FileReadOptions& options, char* buffer,
                      size_t capacity, size_t* length, FileFailure* failure) {
  *length = 0;
  const int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return fail(FileProblem::cannot_open, errno, failure);
  struct stat info;
  bool ok = false;
  size_t filled = 0;
  if (fstat(fd, &info) != 0) {
    fail(FileProblem::cannot_stat, errno, failure);
  } else if (S_ISDIR(info.st_mode)) {
    fail(FileProblem::directory, 0, failure);
  } else if (!S_ISREG(info.st_mode)) {
    fail(FileProblem::not_regular, 0, failure);
  } else if (options.refuse_writable_by_others && (info.st_mode & (S_IWGRP | S_IWOTH))) {
    fail(FileProblem::writable_by_others, 0, failure);
  } else {
    const size_t limit = capacity < kMaxConfigBytes ? capacity : kMaxConfigBytes;
    // A full buffer is too small only if there is one more byte to read.
    char one_more;
    size_t beyond = 0;
    // Size 0 may be a file whose size the kernel does not know (/proc).
    const size_t size = static_cast<size_t>(info.st_size);
    const size_t expected = size > 0 && size < limit ? size : SIZE_MAX;
    if (expected != SIZE_MAX) prefault_for_writing(buffer, expected);
    if (!read_to_end(fd, buffer, limit, &filled, expected) || (filled == limit && !read_to_end(fd, &one_more, 1, &beyond))) {
      fail(FileProblem::cannot_read, errno, failure);
    } else if (beyond > 0) {
      fail(FileProblem::too_large, 0, failure);
    } else {
      ok = true;
      *length = filled;
    }
  }
  close(fd);
  return ok;
}

bool read_config_file(const std::string& path, const FileReadOptions& options,
                      std::string* text, ConfigError* error) {
  text->assign(kMaxConfigBytes, '\0');
  size_t length = 0;
  FileFailure failure{};
  const bool ok = read_config_file(path.c_str(), options, text->data(), text->size(), &length, &failure);
  text->resize(length);
  if (!ok) *error = describe_file_failure(path.c_str(), failure);
  return ok;
}

}  // namespace sockshim
