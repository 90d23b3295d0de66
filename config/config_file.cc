// SPDX-License-Identifier: Apache-2.0
#include "config/config_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sockshim {
namespace {

bool fail(const char* path, std::string message, ConfigError* error) {
  error->source = path;
  error->line = 0;
  error->column = 0;
  error->key.clear();
  error->message = std::move(message);
  return false;
}

}  // namespace

bool read_config_file(const char* path, const FileReadOptions& options, char* buffer,
                      size_t capacity, size_t* length, ConfigError* error) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    return fail(path, std::string("cannot open: ") + std::strerror(errno), error);
  }
  struct stat info;
  bool ok = false;
  if (fstat(fd, &info) != 0) {
    fail(path, std::string("cannot stat: ") + std::strerror(errno), error);
  } else if (S_ISDIR(info.st_mode)) {
    fail(path, "is a directory, expected a TOML file", error);
  } else if (!S_ISREG(info.st_mode)) {
    fail(path, "is not a regular file", error);
  } else if (options.refuse_writable_by_others && (info.st_mode & (S_IWGRP | S_IWOTH))) {
    fail(path, "is writable by group or others; refusing it while running as root "
               "(chmod go-w)", error);
  } else if (static_cast<size_t>(info.st_size) > kMaxConfigBytes || static_cast<size_t>(info.st_size) > capacity) {
    fail(path, "is larger than 1 MiB; expected a small TOML file", error);
  } else {
    size_t filled = 0;
    ok = true;
    while (filled < static_cast<size_t>(info.st_size)) {
      const ssize_t n = read(fd, buffer + filled, static_cast<size_t>(info.st_size) - filled);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        ok = fail(path, std::string("cannot read: ") + std::strerror(errno), error);
        break;
      }
      if (n == 0) break;
      filled += static_cast<size_t>(n);
    }
    *length = filled;
  }
  close(fd);
  return ok;
}

bool read_config_file(const std::string& path, const FileReadOptions& options,
                      std::string* text, ConfigError* error) {
  text->assign(kMaxConfigBytes, '\0');
  size_t length = 0;
  const bool ok = read_config_file(path.c_str(), options, text->data(), text->size(), &length, error);
  text->resize(ok ? length : 0);
  return ok;
}

}  // namespace sockshim
