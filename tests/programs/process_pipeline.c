// SPDX-License-Identifier: Apache-2.0
/* A shell pipeline such as `ls / | wc -l`, built with the test build's own
 * libc, so that every process of it loads that build's shim: the musl
 * matrix has no shell of its libc. Three processes, none of which opens a
 * socket: this one, a producer of lines and a counter, each an exec of
 * this program. Prints the count. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int produce(void) {
  for (int i = 0; i < 26; ++i) printf("line %d\n", i);
  return 0;
}

static int count(void) {
  int lines = 0, c;
  while ((c = getchar()) != EOF) lines += c == '\n';
  printf("%d\n", lines);
  return 0;
}

/* Runs this program with |mode|, its standard stream |stream| replaced by
 * |fd|. */
static pid_t start(const char* mode, int fd, int stream, int other_end) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  dup2(fd, stream);
  close(fd);
  close(other_end);
  execl("/proc/self/exe", "process_pipeline", mode, (char*)NULL);
  perror("process_pipeline: exec");
  _exit(127);
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "produce") == 0) return produce();
  if (argc > 1 && strcmp(argv[1], "count") == 0) return count();
  int ends[2];
  if (pipe(ends) != 0) return 2;
  const pid_t producer = start("produce", ends[1], STDOUT_FILENO, ends[0]);
  const pid_t counter = start("count", ends[0], STDIN_FILENO, ends[1]);
  close(ends[0]);
  close(ends[1]);
  int failed = 0;
  int status;
  if (waitpid(producer, &status, 0) != producer || !WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = 1;
  if (waitpid(counter, &status, 0) != counter || !WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = 1;
  return failed;
}
