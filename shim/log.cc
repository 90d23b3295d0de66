#include "shim/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace sockshim {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::warn)};
std::atomic<int> g_fd{STDERR_FILENO};

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

}  // namespace

void configure_log(const char* level_text, const char* file_path) {
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
        g_level.store(static_cast<int>(entry.level), std::memory_order_relaxed);
        unknown_level = false;
      }
    }
  }
  if (file_path && *file_path) {
    const int fd = open(file_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
    if (fd >= 0) {
      g_fd.store(fd, std::memory_order_relaxed);
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
         static_cast<int>(level) <= g_level.load(std::memory_order_relaxed);
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
  const char* cursor = line;
  while (used > 0) {
    const ssize_t n = write(g_fd.load(std::memory_order_relaxed), cursor, used);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    cursor += n;
    used -= static_cast<int>(n);
  }
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
