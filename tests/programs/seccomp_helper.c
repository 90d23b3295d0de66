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

static int install(struct sock_filter* program, unsigned short length, unsigned flags) {
  struct sock_fprog filter = {length, program};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &filter);
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: seccomp_helper deny-seccomp|hold-listener|deny-pidfd-getfd|deny-io-uring PROGRAM ARGS...\n");
    return 2;
  }
  if (strcmp(argv[1], "deny-seccomp") == 0) {
    struct sock_filter program[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    if (install(program, 4, 0) != 0) perror("seccomp");
  } else if (strcmp(argv[1], "deny-io-uring") == 0) {
    struct sock_filter program[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    if (install(program, 4, 0) != 0) perror("seccomp");
  } else if (strcmp(argv[1], "deny-pidfd-getfd") == 0) {
    struct sock_filter program[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_pidfd_getfd, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    if (install(program, 4, 0) != 0) perror("seccomp");
  } else {
    /* Notifies on a call nobody makes; the listener stays open across exec. */
    struct sock_filter program[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_acct, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    int listener = install(program, 4, SECCOMP_FILTER_FLAG_NEW_LISTENER);
    if (listener < 0) perror("seccomp");
    else fcntl(listener, F_SETFD, 0);
  }
  execvp(argv[2], argv + 2);
  perror("execvp");
  return 127;
}
