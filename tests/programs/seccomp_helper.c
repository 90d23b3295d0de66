// SPDX-License-Identifier: Apache-2.0
/* Runs a program where seccomp user notification cannot work, as some
 * container runtimes leave it:
 *   seccomp_helper deny-seccomp PROGRAM ARGS...   seccomp(2) fails with ENOSYS
 *   seccomp_helper hold-listener PROGRAM ARGS...  a filter with a listener is
 *                                                 already installed (EBUSY)
 *   seccomp_helper deny-pidfd-getfd PROGRAM ARGS... pidfd_getfd(2) fails with
 *                                                 EPERM, as under containerd's
 *                                                 default profile without
 *                                                 CAP_SYS_PTRACE
 *   seccomp_helper deny-io-uring PROGRAM ARGS...  io_uring_setup(2) fails with
 *                                                 EPERM, as under Docker's
 *                                                 default profile */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A filter that answers one system call with |action| and lets every other
 * call through. */
static int install_for_one_call(long call, unsigned action, unsigned flags) {
  struct sock_filter program[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, call, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, action),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog filter = {4, program};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &filter);
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: seccomp_helper deny-seccomp|hold-listener|deny-pidfd-getfd|deny-io-uring PROGRAM ARGS...\n");
    return 2;
  }
  if (strcmp(argv[1], "deny-seccomp") == 0) {
    if (install_for_one_call(SYS_seccomp, SECCOMP_RET_ERRNO | ENOSYS, 0) != 0) perror("seccomp");
  } else if (strcmp(argv[1], "deny-io-uring") == 0) {
    if (install_for_one_call(SYS_io_uring_setup, SECCOMP_RET_ERRNO | EPERM, 0) != 0) perror("seccomp");
  } else if (strcmp(argv[1], "deny-pidfd-getfd") == 0) {
    if (install_for_one_call(SYS_pidfd_getfd, SECCOMP_RET_ERRNO | EPERM, 0) != 0) perror("seccomp");
  } else {
    /* Notifies on a call nobody makes; the listener stays open across exec. */
    int listener = install_for_one_call(SYS_acct, SECCOMP_RET_USER_NOTIF, SECCOMP_FILTER_FLAG_NEW_LISTENER);
    if (listener < 0) perror("seccomp");
    else fcntl(listener, F_SETFD, 0);
  }
  execvp(argv[2], argv + 2);
  perror("execvp");
  return 127;
}
