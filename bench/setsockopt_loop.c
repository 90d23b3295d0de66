// SPDX-License-Identifier: Apache-2.0
/* N setsockopt(SO_KEEPALIVE) calls on one TCP socket; prints the CPU
 * nanoseconds per call. Under the kernel engine each call of a process in
 * its cgroup runs its cgroup/setsockopt program first (it records the
 * program's own options, or swallows an enforced one): this measures what
 * that adds to a call. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

static long long cpu_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char** argv) {
  const int calls = argc > 1 ? atoi(argv[1]) : 100000;
  cpu_set_t one_cpu;
  CPU_ZERO(&one_cpu);
  CPU_SET(0, &one_cpu);
  sched_setaffinity(0, sizeof one_cpu, &one_cpu);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    perror("socket");
    return 1;
  }
  const int on = 1;
  const long long start = cpu_ns();
  for (int i = 0; i < calls; ++i) {
    if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) != 0) {
      perror("setsockopt");
      return 1;
    }
  }
  printf("%lld\n", (cpu_ns() - start) / calls);
  return 0;
}
