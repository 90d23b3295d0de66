// SPDX-License-Identifier: Apache-2.0
// Where the supervisor's time goes on a trapped call, summed per part: for
// the benchmark (bench/run_benchmarks), never on by default. With
// SOCKSHIM_TRAP_TIMING=FILE in the supervisor's environment, each part's
// total of the supervisor thread's CPU time is written to FILE when the
// supervisor ends; without it every lap is one test of a flag.
//
// The thread's CPU clock is a system call, which on a machine with costly
// kernel entries (a VM with its mitigations) costs as much as the parts it
// measures: its own cost, measured once at the start, is taken off each lap.
#pragma once

#include <cstdint>
#include <string>

namespace sockshim::supervisor {

enum class TrapPart : int {
  receive,          // SECCOMP_IOCTL_NOTIF_RECV's return after the wake-up
  argument,         // reading connect()'s or bind()'s address from the program
  pidfd,            // the thread's pidfd (cached, or pidfd_open)
  still_valid,      // SECCOMP_IOCTL_NOTIF_ID_VALID
  copy,             // pidfd_getfd
  classify,         // fstat and the family and protocol (getsockopt), read at a socket's
                    // first call with its SOL_SOCKET options (one io_uring_enter)
  untouched_reads,  // getsockopt of the options of socket() not read ahead, for the untouched rule
  option_writes,    // setsockopt of the configured options (one io_uring_enter for three or more)
  engine,           // deciding, between those system calls
  record,           // the configured-sockets table
  close,            // closing our copy
  answer,           // SECCOMP_IOCTL_NOTIF_SEND
  count_,
};

class TrapTiming {
 public:
  // Enabled when SOCKSHIM_TRAP_TIMING names a file.
  TrapTiming();
  bool enabled() const { return enabled_; }
  // A trapped call starts (the thread was woken for it).
  void start() {
    if (enabled_) last_ = now_ns();
  }
  // The time since the last lap (or start) was spent on |part|.
  void lap(TrapPart part) {
    if (!enabled_) return;
    const uint64_t now = now_ns();
    total_ns_[static_cast<int>(part)] += now - last_;
    ++laps_[static_cast<int>(part)];
    last_ = now;
  }
  // One more trapped call handled.
  void counted() {
    if (enabled_) ++calls_;
  }
  // While the engine runs, its system calls on our copy are laps of their
  // own (CopiedSocketOps): getsockopt the untouched rule's reads, setsockopt
  // the option writes, and the time between them the engine's.
  void engine_running(bool running) { engine_running_ = running; }
  void engine_call_starts() {
    if (engine_running_) lap(TrapPart::engine);
  }
  void engine_call_ends(TrapPart part) {
    if (engine_running_) lap(part);
  }
  // Whether the listener took SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP.
  void note_synchronous_wake_up(bool taken) { synchronous_wake_up_ = taken ? 1 : 0; }
  // Writes "calls N", "synchronous_wake_up 0|1", "clock_read_ns NS" and one
  // "PART NS LAPS" line per part (NS without the clock's own cost; LAPS: how
  // many times the part was timed) to the file; nothing when disabled.
  void write() const;

  static const char* name(TrapPart part);

 private:
  static uint64_t now_ns();
  // The median cost of one now_ns(), which every lap includes once.
  static uint64_t clock_read_ns();

  bool enabled_ = false;
  std::string file_;
  uint64_t last_ = 0;
  uint64_t calls_ = 0;
  uint64_t clock_read_ns_ = 0;
  uint64_t total_ns_[static_cast<int>(TrapPart::count_)] = {};
  uint64_t laps_[static_cast<int>(TrapPart::count_)] = {};
  bool engine_running_ = false;
  int synchronous_wake_up_ = -1;  // -1: not asked
};

}  // namespace sockshim::supervisor
