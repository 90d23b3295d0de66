// SPDX-License-Identifier: Apache-2.0
#include "supervisor/trap_timing.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace sockshim::supervisor {

TrapTiming::TrapTiming() {
  const char* file = std::getenv("SOCKSHIM_TRAP_TIMING");
  enabled_ = file && *file;
  if (!enabled_) return;
  file_ = file;
  clock_read_ns_ = clock_read_ns();
}

uint64_t TrapTiming::clock_read_ns() {
  // The median of many back-to-back reads: preemption only lengthens a few.
  std::vector<uint64_t> deltas;
  uint64_t last = now_ns();
  for (int i = 0; i < 501; ++i) {
    const uint64_t now = now_ns();
    deltas.push_back(now - last);
    last = now;
  }
  std::nth_element(deltas.begin(), deltas.begin() + deltas.size() / 2, deltas.end());
  return deltas[deltas.size() / 2];
}

uint64_t TrapTiming::now_ns() {
  // The supervisor thread's own CPU time, not elapsed time: the answer
  // wakes the program on this CPU (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP), which
  // then runs until its next trapped call before the answer's ioctl
  // returns, and on a busy machine other work preempts any part. Each read
  // is a system call (some 0.1-0.3 us, counted in the part after it); only
  // the benchmark pays it.
  timespec now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<uint64_t>(now.tv_sec) * 1000000000u + static_cast<uint64_t>(now.tv_nsec);
}

const char* TrapTiming::name(TrapPart part) {
  switch (part) {
    case TrapPart::receive: return "receive";
    case TrapPart::argument: return "argument";
    case TrapPart::pidfd: return "pidfd";
    case TrapPart::still_valid: return "still_valid";
    case TrapPart::copy: return "pidfd_getfd";
    case TrapPart::classify: return "classify";
    case TrapPart::untouched_reads: return "untouched_reads";
    case TrapPart::option_writes: return "option_writes";
    case TrapPart::engine: return "engine";
    case TrapPart::record: return "record";
    case TrapPart::close: return "close";
    case TrapPart::answer: return "answer";
    case TrapPart::count_: break;
  }
  return "?";
}

void TrapTiming::write() const {
  if (!enabled_) return;
  FILE* out = std::fopen(file_.c_str(), "w");
  if (!out) {
    std::fprintf(stderr, "sockshim: SOCKSHIM_TRAP_TIMING: cannot write %s\n", file_.c_str());
    return;
  }
  std::fprintf(out, "calls %llu\n", static_cast<unsigned long long>(calls_));
  std::fprintf(out, "synchronous_wake_up %d\n", synchronous_wake_up_);
  std::fprintf(out, "clock_read_ns %llu\n", static_cast<unsigned long long>(clock_read_ns_));
  for (int i = 0; i < static_cast<int>(TrapPart::count_); ++i) {
    const uint64_t clock = laps_[i] * clock_read_ns_;
    const uint64_t work = total_ns_[i] > clock ? total_ns_[i] - clock : 0;
    std::fprintf(out, "%s %llu %llu\n", name(static_cast<TrapPart>(i)), static_cast<unsigned long long>(work),
                 static_cast<unsigned long long>(laps_[i]));
  }
  std::fclose(out);
}

}  // namespace sockshim::supervisor
