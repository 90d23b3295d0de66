// SPDX-License-Identifier: Apache-2.0
/* `io_uring_filter refuse|allow PROGRAM ARGS...` runs PROGRAM (and whatever
 * it starts) under a one-test seccomp filter: "refuse" makes
 * io_uring_setup(2) fail with EPERM, as under Docker's default profile;
 * "allow" runs the same filter with a test that never matches. The
 * benchmark's rows for sockshim's supervisor with its io_uring batches and
 * with one system call per socket option: the same filter under both, so
 * that its cost on every system call is no part of their difference. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 3 || (strcmp(argv[1], "refuse") != 0 && strcmp(argv[1], "allow") != 0)) {
    fprintf(stderr, "usage: io_uring_filter refuse|allow PROGRAM [ARGS...]\n");
    return 2;
  }
  /* No system call has the number 0xffffffff. */
  const unsigned refused = strcmp(argv[1], "refuse") == 0 ? SYS_io_uring_setup : 0xffffffffu;
  struct sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, refused, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog program = {sizeof code / sizeof code[0], code};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) {
    perror("io_uring_filter: seccomp");
    return 1;
  }
  execvp(argv[2], argv + 2);
  perror("io_uring_filter: execvp");
  return 127;
}
