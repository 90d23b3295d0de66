// SPDX-License-Identifier: Apache-2.0
// A once-guard for hooks: unlike pthread_once, a call made again by the
// thread that is running the initialisation (a signal handler that opens a
// socket) returns at once instead of deadlocking; other threads wait.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>

namespace sockshim {

class InitOnce {
 public:
  // Runs |initialise| the first time; true once it has completed, false for
  // a re-entrant call while it runs.
  bool run(void (*initialise)());

  // In a child process after fork(): an initialisation that another thread
  // of the parent was running will never finish here, so it starts again.
  void restart_if_interrupted();

 private:
  // The running thread claims the guard by writing its id in one step, so a
  // signal arriving at any moment finds either no owner or itself.
  std::atomic<uintptr_t> owner_{0};
  std::atomic<bool> done_{false};
};

}  // namespace sockshim
