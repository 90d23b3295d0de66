// SPDX-License-Identifier: Apache-2.0
/* A program that does to its descriptors, limits and privileges what real
 * daemons do, then reports what it sees on its own sockets. It knows nothing
 * of the shim: run with and without it, its output must be the same, except
 * for the option values on "options" lines.
 *
 *   hostile_program close-all METHOD   close_range, close-loop or closefrom,
 *                                      before and after the first socket; then
 *                                      counts bytes it did not write on its
 *                                      own socketpairs
 *   hostile_program stderr-reuse       closes 2 and gets it back for a socketpair
 *   hostile_program dup2-over          its socketpair duplicated over 0..63
 *   hostile_program rlimit             RLIMIT_NOFILE leaves one descriptor free
 *   hostile_program seccomp-eperm      its own filter makes setsockopt fail EPERM
 *   hostile_program setuid-nobody      setuid(65534) before the first socket
 *   hostile_program vfork-connect      vfork children connect before exec
 *   hostile_program stream-protocols   MPTCP and SCTP stream sockets
 *   hostile_program connect-twice      a connection, then a refused connect
 *   hostile_program inetd-stderr       runs a child whose stderr is a TCP
 *                                      connection, as inetd does
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef __NR_close_range
#define __NR_close_range 436
#endif

static int report_fd = STDOUT_FILENO;

static void say(const char* format, ...) __attribute__((format(printf, 1, 2)));
static void say(const char* format, ...) {
  char line[512];
  va_list args;
  va_start(args, format);
  const int length = vsnprintf(line, sizeof line, format, args);
  va_end(args);
  if (length > 0) (void)!write(report_fd, line, (size_t)length);
}

static void die(const char* what) {
  fprintf(stderr, "hostile_program: %s: %s\n", what, strerror(errno));
  exit(2);
}

static int option(int fd, int level, int name) {
  int value = -1;
  socklen_t length = sizeof value;
  if (getsockopt(fd, level, name, &value, &length) != 0) return -errno;
  return value;
}

static void say_options(const char* label, int fd) {
  say("%s options keepalive=%d idle=%d count=%d rcvbuf=%d\n", label, option(fd, SOL_SOCKET, SO_KEEPALIVE),
      option(fd, IPPROTO_TCP, TCP_KEEPIDLE), option(fd, IPPROTO_TCP, TCP_KEEPCNT),
      option(fd, SOL_SOCKET, SO_RCVBUF));
}

/* A loopback listener; its address in |address|. */
static int listener(struct sockaddr_in* address) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  memset(address, 0, sizeof *address);
  address->sin_family = AF_INET;
  address->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof *address;
  if (bind(fd, (struct sockaddr*)address, length) != 0 || listen(fd, 64) != 0 ||
      getsockname(fd, (struct sockaddr*)address, &length) != 0) {
    die("listener");
  }
  return fd;
}

static int connected(const struct sockaddr_in* address) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  if (connect(fd, (const struct sockaddr*)address, sizeof *address) != 0) die("connect");
  return fd;
}

/* Bytes waiting on either end of |pair| that the program never wrote. */
static long foreign_bytes(const int pair[2]) {
  long total = 0;
  for (int i = 0; i < 2; ++i) {
    char buffer[4096];
    ssize_t n;
    while ((n = recv(pair[i], buffer, sizeof buffer, MSG_DONTWAIT)) > 0) total += n;
  }
  return total;
}

static void close_all_from(int first, const char* method) {
  if (strcmp(method, "close_range") == 0) {
    if (syscall(__NR_close_range, (unsigned)first, ~0U, 0) != 0) die("close_range");
  } else if (strcmp(method, "closefrom") == 0) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
    closefrom(first);
#else
    for (int fd = first; fd < 1024; ++fd) close(fd); /* no closefrom in this libc */
#endif
  } else {
    for (int fd = first; fd < 1024; ++fd) close(fd);
  }
}

static int close_all(const char* method) {
  int pair[2];
  struct sockaddr_in address;
  close_all_from(3, method); /* before the first socket */
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) die("socketpair");
  int server = listener(&address);
  int client = connected(&address);
  say_options("first", client);
  say("first socketpair=%d,%d foreign=%ld\n", pair[0] > 2, pair[1] > 2, foreign_bytes(pair));

  close_all_from(3, method); /* after: the numbers come back for new sockets */
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) die("socketpair");
  server = listener(&address);
  client = connected(&address);
  say_options("second", client);
  say("second foreign=%ld\n", foreign_bytes(pair));
  (void)server;
  return 0;
}

static int stderr_reuse(void) {
  int pair[2];
  struct sockaddr_in address;
  const int server = listener(&address);
  close(STDERR_FILENO);
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) die("socketpair");
  const int client = connected(&address);
  say_options("client", client);
  say("pair-holds-2=%d foreign=%ld\n", pair[0] == 2 || pair[1] == 2, foreign_bytes(pair));
  (void)server;
  return 0;
}

static int dup2_over(void) {
  int pair[2];
  struct sockaddr_in address;
  report_fd = 100;
  if (dup2(STDOUT_FILENO, report_fd) != report_fd) die("dup2");
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) die("socketpair");
  listener(&address);
  const int first = connected(&address);
  say_options("first", first);
  /* The pair over every low number, 0-2 and whatever anyone else opened. */
  for (int fd = 0; fd < 64; ++fd) {
    if (fd != pair[0] && fd != pair[1] && dup2(pair[0], fd) != fd) die("dup2 over");
  }
  struct sockaddr_in second_address;
  listener(&second_address);
  const int second = connected(&second_address);
  say_options("second", second);
  say("foreign=%ld\n", foreign_bytes(pair));
  return 0;
}

static int lowest_free_descriptor(void) {
  int fd = 0;
  while (fcntl(fd, F_GETFD) != -1) ++fd;
  return fd;
}

static int rlimit(void) {
  struct sockaddr_in address;
  const int server = listener(&address);
  /* Exactly one more descriptor may be made, the program's own socket: a
   * new one takes the lowest free number, which must be below the limit. */
  const rlim_t slots = (rlim_t)lowest_free_descriptor() + 1;
  const struct rlimit limit = {slots, slots};
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) die("setrlimit");
  errno = 4242;
  const int client = socket(AF_INET, SOCK_STREAM, 0);
  say("socket ok=%d errno=%d\n", client >= 0, errno);
  errno = 4242;
  const int result = connect(client, (const struct sockaddr*)&address, sizeof address);
  say("connect result=%d errno=%d\n", result, errno);
  const int more = socket(AF_INET, SOCK_STREAM, 0);
  say("another socket result=%d emfile=%d\n", more, errno == EMFILE);
  say_options("client", client);
  (void)server;
  return 0;
}

static int seccomp_eperm(void) {
  struct sockaddr_in address;
  const int server = listener(&address);
  struct sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_setsockopt, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog program = {sizeof code / sizeof code[0], code};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
    die("seccomp");
  }
  for (int i = 0; i < 3; ++i) {
    errno = 4242;
    const int client = socket(AF_INET, SOCK_STREAM, 0);
    say("socket ok=%d errno=%d\n", client >= 0, errno);
    errno = 4242;
    const int result = connect(client, (const struct sockaddr*)&address, sizeof address);
    say("connect result=%d errno=%d\n", result, errno);
    const int on = 1;
    const int own = setsockopt(client, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    say("own setsockopt result=%d errno=%s\n", own, strerror(errno));
    say_options("client", client);
  }
  (void)server;
  return 0;
}

static int setuid_nobody(void) {
  if (setgid(65534) != 0 || setuid(65534) != 0) die("setuid");
  struct sockaddr_in address;
  const int server = listener(&address);
  const int client = connected(&address);
  say("uid=%d\n", (int)getuid());
  say_options("client", client);
  (void)server;
  return 0;
}

/* In a vfork child only the shared memory can carry a result back. */
static volatile int g_child_idle = -1;
static volatile int g_child_connected = -1;

/* A listener made by raw system calls: no hook of a preload sees it, so a
 * vfork child is the first to call one. */
static int unhooked_listener(struct sockaddr_in* address) {
  const int fd = (int)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
  memset(address, 0, sizeof *address);
  address->sin_family = AF_INET;
  address->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof *address;
  if (fd < 0 || syscall(SYS_bind, fd, address, length) != 0 || syscall(SYS_listen, fd, 64) != 0 ||
      syscall(SYS_getsockname, fd, address, &length) != 0) {
    die("unhooked listener");
  }
  return fd;
}

static int vfork_connect(const char* exec_path) {
  struct sockaddr_in address;
  const int server = unhooked_listener(&address);
  for (int round = 0; round < 3; ++round) {
    const pid_t pid = vfork();
    if (pid < 0) die("vfork");
    if (pid == 0) {
      const int fd = socket(AF_INET, SOCK_STREAM, 0);
      g_child_connected = connect(fd, (const struct sockaddr*)&address, sizeof address);
      g_child_idle = option(fd, IPPROTO_TCP, TCP_KEEPIDLE);
      execl(exec_path, exec_path, "exit", (char*)NULL);
      _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    say("child %d connected=%d status=%d\n", round, g_child_connected, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    say("child %d options idle=%d\n", round, g_child_idle);
  }
  const int client = connected(&address);
  say_options("parent", client);
  (void)server;
  return 0;
}

static int connect_twice(void) {
  struct sockaddr_in address;
  const int server = listener(&address);
  const int client = connected(&address);
  say_options("client", client);
  /* A port bound but not listening refuses, and no other program can take it. */
  const int bound = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in closed = address;
  closed.sin_port = 0;
  socklen_t length = sizeof closed;
  if (bind(bound, (struct sockaddr*)&closed, length) != 0 ||
      getsockname(bound, (struct sockaddr*)&closed, &length) != 0) {
    die("bind");
  }
  const int refused = socket(AF_INET, SOCK_STREAM, 0);
  errno = 0;
  const int result = connect(refused, (const struct sockaddr*)&closed, sizeof closed);
  say("refused connect result=%d errno=%s\n", result, strerror(errno));
  (void)server;
  return 0;
}

static int inetd_stderr(const char* exec_path) {
  struct sockaddr_in address;
  const int server = listener(&address);
  const int connection = connected(&address);
  const int accepted = accept(server, NULL, NULL);
  if (accepted < 0) die("accept");
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(connection, STDERR_FILENO);
    execl(exec_path, exec_path, "open-socket", (char*)NULL);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  const int pair[2] = {accepted, accepted};
  say("inetd child status=%d foreign=%ld\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1, foreign_bytes(pair));
  return 0;
}

static void stream_protocol(const char* name, int protocol) {
  errno = 0;
  const int fd = socket(AF_INET, SOCK_STREAM, protocol);
  const int error = errno;
  say("%s created=%d errno=%s\n", name, fd >= 0, fd >= 0 ? "-" : strerror(error));
  if (fd >= 0) say_options(name, fd);
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const char* mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "close-all") == 0 && argc > 2) return close_all(argv[2]);
  if (strcmp(mode, "stderr-reuse") == 0) return stderr_reuse();
  if (strcmp(mode, "dup2-over") == 0) return dup2_over();
  if (strcmp(mode, "rlimit") == 0) return rlimit();
  if (strcmp(mode, "seccomp-eperm") == 0) return seccomp_eperm();
  if (strcmp(mode, "setuid-nobody") == 0) return setuid_nobody();
  if (strcmp(mode, "vfork-connect") == 0) return vfork_connect(argv[0]);
  if (strcmp(mode, "connect-twice") == 0) return connect_twice();
  if (strcmp(mode, "inetd-stderr") == 0) return inetd_stderr(argv[0]);
  if (strcmp(mode, "open-socket") == 0) return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : 1;
  if (strcmp(mode, "exit") == 0) return 0;
  if (strcmp(mode, "stream-protocols") == 0) {
    stream_protocol("mptcp", IPPROTO_MPTCP);
    stream_protocol("sctp", IPPROTO_SCTP);
    return 0;
  }
  fprintf(stderr, "usage: hostile_program MODE (see the source)\n");
  return 2;
}
