// SPDX-License-Identifier: Apache-2.0
/* N loopback cycles of socket + connect + accept + close; prints the CPU
 * nanoseconds per cycle of the loop alone (process start-up excluded). CPU
 * time (user + system: the kernel's work in the program's system calls and
 * the loopback softirqs they run), on one CPU, so that time spent waiting
 * behind other work on a shared machine does not count against any
 * variant. With "wall" as the second argument, elapsed time instead; with
 * "with-parent", the CPU time of this process and of its parent: under
 * `sockshim run --supervise` the parent is the supervisor, whose work for
 * each trapped call is part of the cost (under the other engines the
 * parent only waits). */
#define _GNU_SOURCE
#include <sched.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int g_wall;
static int g_with_parent;
static clockid_t g_parent_clock;

static long long clock_ns(clockid_t clock) {
  struct timespec t;
  if (clock_gettime(clock, &t) != 0) return 0;
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static long long now_ns(void) {
  if (g_wall) return clock_ns(CLOCK_MONOTONIC);
  return clock_ns(CLOCK_PROCESS_CPUTIME_ID) + (g_with_parent ? clock_ns(g_parent_clock) : 0);
}

int main(int argc, char** argv) {
  const int cycles = argc > 1 ? atoi(argv[1]) : 1000;
  g_wall = argc > 2 && strcmp(argv[2], "wall") == 0;
  g_with_parent = argc > 2 && strcmp(argv[2], "with-parent") == 0;
  if (g_with_parent && clock_getcpuclockid(getppid(), &g_parent_clock) != 0) {
    fprintf(stderr, "no CPU clock for the parent process\n");
    return 1;
  }
  cpu_set_t one_cpu;
  CPU_ZERO(&one_cpu);
  CPU_SET(0, &one_cpu);
  sched_setaffinity(0, sizeof one_cpu, &one_cpu);
  struct sockaddr_in address = {0};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0 || bind(listener, (struct sockaddr*)&address, length) != 0 ||
      listen(listener, 64) != 0 || getsockname(listener, (struct sockaddr*)&address, &length) != 0) {
    perror("listener");
    return 1;
  }
  /* Closing with a reset leaves no TIME_WAIT behind to exhaust the ports. */
  const struct linger reset = {1, 0};
  const long long start = now_ns();
  for (int i = 0; i < cycles; ++i) {
    int client = socket(AF_INET, SOCK_STREAM, 0);
    if (client < 0 || connect(client, (struct sockaddr*)&address, sizeof address) != 0) {
      perror("connect");
      return 1;
    }
    int accepted = accept(listener, NULL, NULL);
    if (accepted < 0) {
      perror("accept");
      return 1;
    }
    setsockopt(client, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    close(client);
    close(accepted);
  }
  printf("%lld\n", (now_ns() - start) / cycles);
  return 0;
}
