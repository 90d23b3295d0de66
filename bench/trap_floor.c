// SPDX-License-Identifier: Apache-2.0
/* The floor for any seccomp supervisor: `trap_floor PROGRAM ARGS...` runs
 * PROGRAM with connect() trapped, and lets each call continue as soon as it
 * is received: no argument read, no descriptor copy, no option. What the
 * benchmark measures under it is the bare round trip (the wake-ups, the
 * context switches, the receive and the answer), waited for as sockshim's
 * supervisor waits: with the synchronous wake-up and a blocking receive
 * where the kernel offers it, poll() otherwise. x86_64 and aarch64. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif
#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#endif

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: trap_floor PROGRAM [ARGS...]\n");
    return 2;
  }
  int to_parent[2], to_child[2];
  if (pipe(to_parent) != 0 || pipe(to_child) != 0) return 1;
  const pid_t child = fork();
  if (child == 0) {
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_connect, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog program = {sizeof code / sizeof code[0], code};
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(127);
    int listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &program);
    if (listener < 0) _exit(127);
    /* The parent copies the listener by its number, then the child runs on. */
    close(to_parent[0]);
    close(to_child[1]);
    if (write(to_parent[1], &listener, sizeof listener) != sizeof listener) _exit(127);
    close(to_parent[1]);
    char go;
    if (read(to_child[0], &go, 1) != 0) _exit(127); /* end of file: the parent has it */
    close(listener);
    close(to_child[0]);
    execvp(argv[1], argv + 1);
    _exit(127);
  }
  close(to_parent[1]);
  close(to_child[0]);
  int number = -1;
  if (child < 0 || read(to_parent[0], &number, sizeof number) != sizeof number) return 1;
  const int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
  const int listener = pidfd >= 0 ? (int)syscall(SYS_pidfd_getfd, pidfd, number, 0) : -1;
  if (listener < 0) {
    perror("trap_floor: pidfd_getfd");
    return 1;
  }
  close(to_parent[0]);
  close(to_child[1]); /* the child goes on */
  const int synchronous = ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0;
  struct seccomp_notif call;
  struct seccomp_notif_resp answer;
  for (;;) {
    if (!synchronous) {
      struct pollfd ready = {listener, POLLIN, 0};
      if (poll(&ready, 1, -1) < 0 && errno != EINTR) break;
      if (!(ready.revents & POLLIN)) break; /* hung up: the program has ended */
    }
    memset(&call, 0, sizeof call);
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &call) != 0) {
      struct pollfd ended = {listener, 0, 0};
      if (poll(&ended, 1, 0) == 1 && (ended.revents & (POLLHUP | POLLERR))) break;
      continue; /* that call went away (a signal); others may come */
    }
    memset(&answer, 0, sizeof answer);
    answer.id = call.id;
    answer.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &answer);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
