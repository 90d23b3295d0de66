#include "shim/apply.h"

#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "shim/log.h"

namespace sockshim {
namespace {

// first_report() topics: refused options, by errno (a seccomp filter or a
// container profile that refuses setsockopt refuses every option alike, and
// one line says so), and clamps, one per buffer.
constexpr unsigned kRefusedTopic = 0;
constexpr unsigned kClampTopic = 1;

// The buffer value whose clamp was last checked, per option: the read-back
// costs a system call, and the answer depends only on the value and sysctls.
std::atomic<int> g_checked_buffer[2] = {{-1}, {-1}};

void check_buffer_clamp(int fd, const SocketOption& option) {
  const int slot = option.id == OptionId::receive_buffer ? 0 : 1;
  // A plain load first: on the hot path every thread only reads this line.
  if (g_checked_buffer[slot].load(std::memory_order_relaxed) == option.value ||
      g_checked_buffer[slot].exchange(option.value, std::memory_order_relaxed) == option.value) {
    return;
  }
  int granted = 0;
  socklen_t length = sizeof granted;
  if (getsockopt(fd, option.level, option.name, &granted, &length) != 0) return;
  // The kernel doubles the request for its bookkeeping, capped by
  // net.core.rmem_max / wmem_max.
  const long long asked = 2LL * option.value;
  if (granted < asked && first_report(kClampTopic + slot, 0)) {
    log_message(LogLevel::warn,
                "%s %d was clamped by the kernel to %d (twice the request is expected); "
                "raise net.core.%s to allow it",
                option_name(option.id), option.value, granted / 2,
                slot == 0 ? "rmem_max" : "wmem_max");
  }
}

}  // namespace

int apply_options(int fd, const OptionList& options, const char* event_name) {
  if (options.size == 0) return 0;
  const int saved_errno = errno;
  int refused = 0;
  for (int i = 0; i < options.size; ++i) {
    const SocketOption& option = options.items[i];
    if (setsockopt(fd, option.level, option.name, &option.value, sizeof option.value) != 0) {
      const int error = errno;
      ++refused;
      if (first_report(kRefusedTopic, static_cast<unsigned>(error))) {
        log_message(LogLevel::warn,
                    "setting %s=%d on fd %d at %s failed: %s (further options refused with this "
                    "error are not reported)",
                    option_name(option.id), option.value, fd, event_name, std::strerror(error));
      } else if (log_enabled(LogLevel::debug)) {
        log_message(LogLevel::debug, "setting %s=%d on fd %d at %s failed: %s", option_name(option.id),
                    option.value, fd, event_name, std::strerror(error));
      }
      continue;
    }
    if (option.id == OptionId::receive_buffer || option.id == OptionId::send_buffer) {
      check_buffer_clamp(fd, option);
    }
    if (log_enabled(LogLevel::debug)) {
      log_message(LogLevel::debug, "fd %d at %s: %s=%d", fd, event_name, option_name(option.id),
                  option.value);
    }
  }
  errno = saved_errno;
  return refused;
}

}  // namespace sockshim
