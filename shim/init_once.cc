#include "shim/init_once.h"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace sockshim {
namespace {

pid_t thread_id() { return static_cast<pid_t>(syscall(SYS_gettid)); }

}  // namespace

bool InitOnce::run(void (*initialise)()) {
  if (state_.load(std::memory_order_acquire) == kDone) return true;
  const pid_t me = thread_id();
  int expected = kNotStarted;
  if (state_.compare_exchange_strong(expected, kRunning, std::memory_order_acq_rel)) {
    owner_.store(me, std::memory_order_relaxed);
    initialise();
    state_.store(kDone, std::memory_order_release);
    return true;
  }
  if (owner_.load(std::memory_order_relaxed) == me) return false;
  while (state_.load(std::memory_order_acquire) != kDone) sched_yield();
  return true;
}

void InitOnce::restart_if_interrupted() {
  int expected = kRunning;
  state_.compare_exchange_strong(expected, kNotStarted, std::memory_order_acq_rel);
}

}  // namespace sockshim
