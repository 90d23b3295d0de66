// SPDX-License-Identifier: Apache-2.0
/* Does nothing: what a shell, a health check or a cron job costs to start.
 * With --peak-rss it prints its own peak resident set (VmHWM, KiB); with
 * --one-socket it opens and closes one TCP socket (the shim parses its
 * config at the first socket). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "--one-socket") == 0) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 1;
    close(fd);
  }
  if (argc > 1 && strcmp(argv[1], "--peak-rss") == 0) {
    FILE* status = fopen("/proc/self/status", "r");
    char line[256];
    while (status && fgets(line, sizeof line, status)) {
      if (strncmp(line, "VmHWM:", 6) == 0) printf("%ld\n", strtol(line + 6, NULL, 10));
    }
  }
  return 0;
}
