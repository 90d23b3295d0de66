// SPDX-License-Identifier: Apache-2.0
#include "engine/log.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "config/runs_at_load.h"

namespace sockshim {
namespace {


// Where messages go. The library keeps no descriptor open between messages:
// a program may close every descriptor and reuse the numbers for its own
// sockets, so a kept number could later name one of them. A log file is
// opened for each message; stderr is written only while descriptor 2 is
// still the file it was when the library loaded.
enum class Destination { stderr_as_loaded, log_file, nowhere };
char g_log_path[4096];

// What configure_log() writes when the library loads, in one object, on a
// page that loading writes anyway (SOCKSHIM_WRITTEN_AT_LOAD).
struct LogState {
  std::atomic<int> level{static_cast<int>(LogLevel::warn)};
  Destination destination = Destination::stderr_as_loaded;
  dev_t stderr_device = 0;
  ino_t stderr_inode = 0;
};
SOCKSHIM_WRITTEN_AT_LOAD LogState g_log;

constexpr unsigned kTopics = 64;
constexpr unsigned kDetailWords = 4;  // 256 details per topic
std::atomic<unsigned long long> g_reported[kTopics][kDetailWords];

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::error: return "error";
    case LogLevel::warn: return "warn";
    case LogLevel::info: return "info";
    case LogLevel::debug: return "debug";
    case LogLevel::off: break;
  }
  return "";
}

// A TCP or UDP connection on descriptor 2 (inetd-style programs) is the
// program's protocol stream, not a place for messages.
bool is_network_socket(int fd) {
  int domain = 0;
  socklen_t length = sizeof domain;
  return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) == 0 &&
         (domain == AF_INET || domain == AF_INET6);
}

SOCKSHIM_RUNS_AT_LOAD void remember_stderr() {
  struct stat info;
  if (fstat(STDERR_FILENO, &info) != 0 || (S_ISSOCK(info.st_mode) && is_network_socket(STDERR_FILENO))) {
    g_log.destination = Destination::nowhere;
    return;
  }
  g_log.stderr_device = info.st_dev;
  g_log.stderr_inode = info.st_ino;
}

bool stderr_is_as_loaded() {
  struct stat info;
  return fstat(STDERR_FILENO, &info) == 0 && info.st_dev == g_log.stderr_device &&
         info.st_ino == g_log.stderr_inode;
}

// The path made absolute now: the program may change directory later.
bool remember_log_path(const char* path) {
  size_t used = 0;
  if (path[0] != '/') {
    if (!getcwd(g_log_path, sizeof g_log_path)) return false;
    used = std::strlen(g_log_path);
    if (used + 1 >= sizeof g_log_path) return false;
    g_log_path[used++] = '/';
  }
  const size_t length = std::strlen(path);
  if (used + length >= sizeof g_log_path) return false;
  std::memcpy(g_log_path + used, path, length + 1);
  return true;
}

int open_log_file() {
  return open(g_log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
}

void write_all(int fd, const char* cursor, int size) {
  while (size > 0) {
    const ssize_t n = write(fd, cursor, static_cast<size_t>(size));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    cursor += n;
    size -= static_cast<int>(n);
  }
}

// One line, written whole (O_APPEND keeps lines of several processes apart).
void deliver(const char* line, int size) {
  switch (g_log.destination) {
    case Destination::log_file: {
      const int fd = open_log_file();
      if (fd < 0) return;  // no descriptor to spare, or no longer permitted: dropped
      write_all(fd, line, size);
      close(fd);
      return;
    }
    case Destination::stderr_as_loaded:
      if (stderr_is_as_loaded()) write_all(STDERR_FILENO, line, size);
      return;
    case Destination::nowhere:
      return;
  }
}

}  // namespace

SOCKSHIM_RUNS_AT_LOAD void configure_log(const char* level_text, const char* file_path) {
  static constexpr struct {
    const char* name;
    LogLevel level;
  } kLevels[] = {{"off", LogLevel::off},   {"error", LogLevel::error}, {"warn", LogLevel::warn},
                 {"info", LogLevel::info}, {"debug", LogLevel::debug}};
  bool unknown_level = false;
  if (level_text && *level_text) {
    unknown_level = true;
    for (const auto& entry : kLevels) {
      if (std::strcmp(level_text, entry.name) == 0) {
        g_log.level.store(static_cast<int>(entry.level), std::memory_order_relaxed);
        unknown_level = false;
      }
    }
  }
  remember_stderr();
  if (file_path && *file_path) {
    // Opened once now to report a bad path where it can be seen.
    const int fd = remember_log_path(file_path) ? open_log_file() : (errno = ENAMETOOLONG, -1);
    if (fd >= 0) {
      close(fd);
      g_log.destination = Destination::log_file;
    } else {
      log_message(LogLevel::warn, "cannot open SOCKSHIM_LOG_FILE %s (%s); logging to stderr",
                  file_path, std::strerror(errno));
    }
  }
  if (unknown_level) {
    log_message(LogLevel::warn,
                "SOCKSHIM_LOG=%s is not one of off, error, warn, info, debug; using warn",
                level_text);
  }
}

bool log_enabled(LogLevel level) {
  return level != LogLevel::off &&
         static_cast<int>(level) <= g_log.level.load(std::memory_order_relaxed);
}

void log_message(LogLevel level, const char* format, ...) {
  if (!log_enabled(level)) return;
  const int saved_errno = errno;
  char line[1024];
  int used = std::snprintf(line, sizeof line, "sockshim[%d]: %s: ", static_cast<int>(getpid()),
                           level_name(level));
  va_list args;
  va_start(args, format);
  const int body = std::vsnprintf(line + used, sizeof line - used, format, args);
  va_end(args);
  used = body < 0 ? used : used + body;
  if (used > static_cast<int>(sizeof line) - 2) used = static_cast<int>(sizeof line) - 2;
  line[used++] = '\n';
  deliver(line, used);
  errno = saved_errno;
}

bool first_report(unsigned topic, unsigned detail) {
  topic %= kTopics;
  detail %= kDetailWords * 64;
  const unsigned long long bit = 1ULL << (detail % 64);
  const unsigned long long before =
      g_reported[topic][detail / 64].fetch_or(bit, std::memory_order_relaxed);
  return (before & bit) == 0;
}

}  // namespace sockshim
