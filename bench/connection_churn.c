// SPDX-License-Identifier: Apache-2.0
/* N loopback cycles of socket + connect + accept + close; prints the CPU
 * nanoseconds per cycle of the loop alone (process start-up excluded). CPU
 * time, on one CPU, so that time spent waiting behind other work on a shared
 * machine does not count against any variant. With "wall" as the second
 * argument, elapsed time instead: under the supervisor part of the cost is
 * spent in another process, while the program waits. */
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

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(g_wall ? CLOCK_MONOTONIC : CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char** argv) {
  const int cycles = argc > 1 ? atoi(argv[1]) : 1000;
  g_wall = argc > 2 && strcmp(argv[2], "wall") == 0;
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
