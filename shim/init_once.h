// A once-guard for hooks: unlike pthread_once, a call made again by the
// thread that is running the initialisation (a signal handler that opens a
// socket) returns at once instead of deadlocking; other threads wait.
#pragma once

#include <sys/types.h>

#include <atomic>

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
  enum State : int { kNotStarted, kRunning, kDone };
  std::atomic<int> state_{kNotStarted};
  std::atomic<pid_t> owner_{0};
};

}  // namespace sockshim
