// SPDX-License-Identifier: Apache-2.0
/* Stands in for an OCI runtime starting a container under `sockshim agent`,
 * for the benchmarks: installs a seccomp filter that notifies connect,
 * listen and bind (as the shipped profile examples/seccomp/sockshim.json
 * does), hands its listener to the agent at SOCKET with a container state
 * as runc sends it, then runs PROGRAM in this same process:
 *   agent_container SOCKET ID PROGRAM [ARGS...] */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#if defined(__x86_64__)
#define OWN_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define OWN_ARCH AUDIT_ARCH_AARCH64
#endif

static int install_filter(void) {
  struct sock_filter program[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, OWN_ARCH, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_connect, 3, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_listen, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_bind, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
  };
  struct sock_fprog filter = {sizeof program / sizeof program[0], program};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &filter);
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: agent_container SOCKET ID PROGRAM [ARGS...]\n");
    return 2;
  }
  struct sockaddr_un address;
  memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  strncpy(address.sun_path, argv[1], sizeof address.sun_path - 1);
  const int agent = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (agent < 0 || connect(agent, (struct sockaddr*)&address, sizeof address) != 0) {
    perror("agent_container: connect to the agent");
    return 1;
  }
  const int listener = install_filter();
  if (listener < 0) {
    perror("agent_container: seccomp");
    return 1;
  }
  char state[512];
  const int pid = (int)getpid();
  const int length = snprintf(state, sizeof state,
                              "{\"ociVersion\": \"1.0.2\", \"fds\": [\"seccompFd\"], \"pid\": %d, \"metadata\": \"\", "
                              "\"state\": {\"ociVersion\": \"1.0.2\", \"id\": \"%s\", \"status\": \"creating\", "
                              "\"pid\": %d, \"bundle\": \"/\"}}",
                              pid, argv[2], pid);
  char control[CMSG_SPACE(sizeof(int))];
  memset(control, 0, sizeof control);
  struct iovec bytes = {state, (size_t)length};
  struct msghdr message = {0};
  message.msg_iov = &bytes;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  struct cmsghdr* header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(header), &listener, sizeof listener);
  if (sendmsg(agent, &message, MSG_NOSIGNAL) != length) {
    perror("agent_container: sendmsg");
    return 1;
  }
  close(listener);
  close(agent);
  execv(argv[3], argv + 3);
  perror("agent_container: exec");
  return 127;
}
