// SPDX-License-Identifier: Apache-2.0
#include "engine/apply.h"

#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "engine/log.h"

namespace sockshim {
namespace {

// first_report() topics: one per catalogue option for reasons specific to
// it, then the two buffer clamps, then raw options, then refusals by errno
// (a seccomp filter or a container profile that refuses setsockopt refuses
// every option alike, and one line says so).
constexpr unsigned kClampTopic = kOptionCount;
constexpr unsigned kRawTopic = kOptionCount + 2;
constexpr unsigned kRefusedTopic = kOptionCount + 3;
static_assert(kRefusedTopic < 64, "first_report() has 64 topics");

// The buffer value whose clamp was last checked, per option: the read-back
// costs a system call, and the answer depends only on the value and sysctls.
std::atomic<int> g_checked_buffer[2] = {{-1}, {-1}};

void check_buffer_clamp(SocketOps& ops, int fd, const SocketOption& option) {
  const int slot = option.id == OptionId::receive_buffer ? 0 : 1;
  // A plain load first: on the hot path every thread only reads this line.
  if (g_checked_buffer[slot].load(std::memory_order_relaxed) == option.value ||
      g_checked_buffer[slot].exchange(option.value, std::memory_order_relaxed) == option.value) {
    return;
  }
  int granted = 0;
  socklen_t length = sizeof granted;
  if (ops.getsockopt(fd, option.level, option.name, &granted, &length) != 0) return;
  // The kernel doubles the request for its bookkeeping, capped by
  // net.core.rmem_max / wmem_max.
  const long long asked = 2LL * option.value;
  if (granted < asked && first_report(kClampTopic + slot, 0)) {
    log_message(LogLevel::warn,
                "%s %d was clamped by the kernel to %d (twice the request is expected); "
                "raise net.core.%s to allow it",
                option_name(option), option.value, granted / 2, slot == 0 ? "rmem_max" : "wmem_max");
  }
}

// What failed and, where the reason is known, why: once per option for the
// reasons specific to one option, otherwise once per errno.
void report_failure(int fd, const SocketOption& option, const char* event_name, int error) {
  if (option.id == OptionId::congestion) {
    if (!first_report(static_cast<unsigned>(option.id), static_cast<unsigned>(error) & 0xff)) return;
    log_message(LogLevel::warn,
                "tcp.congestion \"%.15s\" was refused by the kernel on fd %d at %s (%s): it is not in "
                "net.ipv4.tcp_available_congestion_control, or an unprivileged program may only use "
                "net.ipv4.tcp_allowed_congestion_control; the kernel's default stays",
                reinterpret_cast<const char*>(option.data), fd, event_name, std::strerror(error));
  } else if (error == EPERM && option.id == OptionId::mark) {
    if (!first_report(static_cast<unsigned>(option.id), static_cast<unsigned>(error) & 0xff)) return;
    log_message(LogLevel::warn, "socket.mark needs CAP_NET_ADMIN or CAP_NET_RAW, which this program lacks: SO_MARK is not set");
  } else if (option.id == OptionId::count_) {
    if (!first_report(kRawTopic, static_cast<unsigned>(error) & 0xff)) return;
    log_message(LogLevel::warn, "setting raw option %d/%d on fd %d at %s failed: %s", option.level, option.name,
                fd, event_name, std::strerror(error));
  } else if (first_report(kRefusedTopic, static_cast<unsigned>(error) & 0xff)) {
    log_message(LogLevel::warn,
                "setting %s=%d on fd %d at %s failed: %s (further options refused with this error are "
                "not reported)",
                option_name(option), option.value, fd, event_name, std::strerror(error));
  } else if (log_enabled(LogLevel::debug)) {
    log_message(LogLevel::debug, "setting %s=%d on fd %d at %s failed: %s", option_name(option), option.value,
                fd, event_name, std::strerror(error));
  }
}

}  // namespace

int apply_options(SocketOps& ops, int fd, const OptionList& options, const char* event_name) {
  if (options.size == 0) return 0;
  const int saved_errno = errno;
  int refused = 0;
  // The front-end's real calls, all of them before any read-back (in the
  // preload not the program's setsockopt hook, which would keep enforced
  // values).
  int errors[OptionList::kCapacity];
  ops.set_options(fd, options.items, options.size, errors);
  for (int i = 0; i < options.size; ++i) {
    const SocketOption& option = options.items[i];
    if (errors[i] != 0) {
      ++refused;
      report_failure(fd, option, event_name, errors[i]);
      continue;
    }
    if (option.id == OptionId::receive_buffer || option.id == OptionId::send_buffer) {
      check_buffer_clamp(ops, fd, option);
    }
    if (log_enabled(LogLevel::debug)) {
      if (option.id == OptionId::congestion) {
        log_message(LogLevel::debug, "fd %d at %s: %s=%.15s", fd, event_name, option_name(option),
                    reinterpret_cast<const char*>(option.data));
      } else {
        log_message(LogLevel::debug, "fd %d at %s: %s=%d", fd, event_name, option_name(option), option.value);
      }
    }
  }
  errno = saved_errno;
  return refused;
}

}  // namespace sockshim
