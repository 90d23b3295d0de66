// SPDX-License-Identifier: Apache-2.0
#include "shim/init_once.h"

#include <pthread.h>
#include <sched.h>

namespace sockshim {
namespace {

// Unique among the process's live threads and, unlike gettid, no system
// call: the start-up of every process runs this.
uintptr_t thread_id() { return reinterpret_cast<uintptr_t>(pthread_self()); }

}  // namespace

bool InitOnce::run(void (*initialise)()) {
  if (done_.load(std::memory_order_acquire)) return true;
  const uintptr_t me = thread_id();
  uintptr_t owner = 0;
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
