// SPDX-License-Identifier: Apache-2.0
/* A program that opens no socket: N reads of 4 KiB from /dev/zero and a
 * checksum over them, of every 64th byte ("syscalls": the worst case, a
 * loop bound by its system calls) or of every byte ("work": a program that
 * also works on what it reads). Prints the CPU nanoseconds per read of the
 * loop alone; under the supervisor every one of its system calls passes the
 * seccomp filter (and none stops). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char** argv) {
  const int reads = argc > 1 ? atoi(argv[1]) : 100000;
  const size_t stride = argc > 2 && argv[2][0] == 'w' ? 1 : 64;
  int fd = open("/dev/zero", O_RDONLY);
  if (fd < 0) return 1;
  static unsigned char buffer[4096];
  unsigned sum = 0;
  const long long start = now_ns();
  for (int i = 0; i < reads; ++i) {
    if (read(fd, buffer, sizeof buffer) != (ssize_t)sizeof buffer) return 1;
    for (size_t j = 0; j < sizeof buffer; j += stride) sum = sum * 31 + buffer[j] + (unsigned)i;
  }
  printf("%lld %u\n", (now_ns() - start) / reads, sum & 1);
  return 0;
}
