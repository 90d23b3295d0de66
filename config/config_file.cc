#include "config/config_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sockshim {
namespace {

bool fail(const std::string& path, std::string message, ConfigError* error) {
  error->source = path;
  error->line = 0;
  error->column = 0;
  error->key.clear();
  error->message = std::move(message);
  return false;
}

}  // namespace

bool read_config_file(const std::string& path, const FileReadOptions& options,
                      std::string* text, ConfigError* error) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
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
  } else if (static_cast<size_t>(info.st_size) > kMaxConfigBytes) {
    fail(path, "is larger than 1 MiB; expected a small TOML file", error);
  } else {
    text->assign(static_cast<size_t>(info.st_size), '\0');
    size_t filled = 0;
    ok = true;
    while (filled < text->size()) {
      const ssize_t n = read(fd, &(*text)[filled], text->size() - filled);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        ok = fail(path, std::string("cannot read: ") + std::strerror(errno), error);
        break;
      }
      if (n == 0) break;
      filled += static_cast<size_t>(n);
    }
    text->resize(filled);
  }
  close(fd);
  return ok;
}

}  // namespace sockshim
