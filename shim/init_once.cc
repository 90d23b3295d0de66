// SPDX-License-Identifier: Apache-2.0
#include "shim/init_once.h"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace sockshim {
namespace {

pid_t thread_id() { return static_cast<pid_t>(syscall(SYS_gettid)); }

}  // namespace

bool InitOnce::run(void (*initialise)()) {
  if (done_.load(std::memory_order_acquire)) return true;
  const pid_t me = thread_id();
  pid_t owner = 0;
  if (owner_.compare_exchange_strong(owner, me, std::memory_order_acq_rel)) {
    initialise();
    done_.store(true, std::memory_order_release);
    return true;
  }
  if (owner == me) return false;  // re-entered by this thread's signal handler
  while (!done_.load(std::memory_order_acquire)) sched_yield();
  return true;
}

void InitOnce::restart_if_interrupted() {
  if (!done_.load(std::memory_order_acquire)) owner_.store(0, std::memory_order_release);
}

}  // namespace sockshim
