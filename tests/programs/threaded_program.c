// SPDX-License-Identifier: Apache-2.0
/* A program the supervisor must cover wholly, linked statically (no preload
 * reaches it):
 *   threaded_program threads N   a listener, N threads that each connect to
 *                                it, the N accepted connections, and a
 *                                forked and exec'd child that connects too
 *   threaded_program undumpable  PR_SET_DUMPABLE 0, then a connection
 *   threaded_program own         sets SO_RCVBUF 4096 before connect and
 *                                SO_KEEPALIVE 0 after it, itself
 *   threaded_program churn N     N connect/accept/close rounds (benchmark)
 *   threaded_program idle        no socket at all (benchmark)
 *   threaded_program serve PORT  a listener on 127.0.0.1:PORT that accepts and
 *                                keeps every connection, printing each
 *   threaded_program checked-churn N IDLE [PAUSE_US]
 *                                N connect/accept/close rounds that check
 *                                each dialed socket's TCP_KEEPIDLE against
 *                                IDLE and never stop at a failed connect;
 *                                prints "rounds= failed= untuned=
 *                                connect_ns= errno= max_connect_ns=" (the
 *                                mean connect, the first failure's number,
 *                                the slowest connect)
 * Each socket's options, read back from the kernel, as sockprobe prints
 * them: "label keepalive=.. idle=.. ...". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int option(int fd, int level, int name) {
  int value = -1;
  socklen_t length = sizeof value;
  if (getsockopt(fd, level, name, &value, &length) != 0) return -1;
  return value;
}

static void print_socket(const char* label, int fd) {
  printf("%s keepalive=%d idle=%d interval=%d count=%d rcvbuf=%d sndbuf=%d user_timeout=%d nodelay=%d\n", label,
         option(fd, SOL_SOCKET, SO_KEEPALIVE), option(fd, IPPROTO_TCP, TCP_KEEPIDLE),
         option(fd, IPPROTO_TCP, TCP_KEEPINTVL), option(fd, IPPROTO_TCP, TCP_KEEPCNT),
         option(fd, SOL_SOCKET, SO_RCVBUF), option(fd, SOL_SOCKET, SO_SNDBUF),
         option(fd, IPPROTO_TCP, TCP_USER_TIMEOUT), option(fd, IPPROTO_TCP, TCP_NODELAY));
  fflush(stdout);
}

/* noreturn: callers that end in die() need no return after it. */
__attribute__((noreturn)) static void die(const char* what) {
  perror(what);
  exit(2);
}

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in address;
  memset(&address, 0, sizeof address);
  address.sin_family = AF_INET;
  address.sin_port = htons((unsigned short)port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

static int open_listener(int* port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in address = loopback(0);
  socklen_t length = sizeof address;
  if (fd < 0 || bind(fd, (struct sockaddr*)&address, sizeof address) != 0 || listen(fd, 128) != 0) die("listen");
  getsockname(fd, (struct sockaddr*)&address, &length);
  *port = ntohs(address.sin_port);
  return fd;
}

static int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in address = loopback(port);
  if (fd < 0 || connect(fd, (struct sockaddr*)&address, sizeof address) != 0) die("connect");
  return fd;
}

static int g_port;
static pthread_mutex_t g_print = PTHREAD_MUTEX_INITIALIZER;

static void* connecting_thread(void* argument) {
  char label[32];
  snprintf(label, sizeof label, "thread%ld", (long)argument);
  int fd = connect_to(g_port);
  pthread_mutex_lock(&g_print);
  print_socket(label, fd);
  pthread_mutex_unlock(&g_print);
  return (void*)(long)fd;
}

static int run_threads(const char* self, int count) {
  int listener = open_listener(&g_port);
  print_socket("listener", listener);
  pthread_t threads[64];
  if (count > 64) count = 64;
  for (long i = 0; i < count; ++i) pthread_create(&threads[i], NULL, connecting_thread, (void*)i);
  for (int i = 0; i < count; ++i) {
    char label[32];
    snprintf(label, sizeof label, "accepted%d", i);
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) die("accept");
    print_socket(label, fd);
  }
  for (int i = 0; i < count; ++i) pthread_join(threads[i], NULL);
  /* A child that execs this program again and connects from there. */
  char port[16];
  snprintf(port, sizeof port, "%d", g_port);
  pid_t child = fork();
  if (child == 0) {
    execl(self, self, "child", port, (char*)NULL);
    _exit(127);
  }
  int from_child = accept(listener, NULL, NULL);
  int status = 0;
  waitpid(child, &status, 0);
  print_socket("accepted-child", from_child);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
}

static int run_churn(int rounds) {
  int port = 0;
  int listener = open_listener(&port);
  for (int i = 0; i < rounds; ++i) {
    int client = connect_to(port);
    int server = accept(listener, NULL, NULL);
    close(client);
    close(server);
  }
  return 0;
}

static int run_server(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in address = loopback(port);
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (fd < 0 || bind(fd, (struct sockaddr*)&address, sizeof address) != 0 || listen(fd, 128) != 0) die("listen");
  print_socket("listener", fd);
  for (int count = 0;; ++count) {
    int accepted = accept(fd, NULL, NULL);
    if (accepted < 0) die("accept");
    char label[32];
    snprintf(label, sizeof label, "accepted%d", count);
    print_socket(label, accepted);  /* and kept open, for inspection from outside */
  }
}

static long long now_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec * 1000000000LL + now.tv_nsec;
}

static int run_checked_churn(int rounds, int expected_idle, int pause_us) {
  int port = 0;
  int listener = open_listener(&port);
  int failed = 0, untuned = 0, first_errno = 0;
  long long connect_ns = 0, max_connect_ns = 0;
  for (int i = 0; i < rounds; ++i) {
    int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in address = loopback(port);
    long long start = now_ns();
    int result = connect(client, (struct sockaddr*)&address, sizeof address);
    const long long took = now_ns() - start;
    connect_ns += took;
    if (took > max_connect_ns) max_connect_ns = took;
    if (result != 0) {
      if (!first_errno) first_errno = errno;
      ++failed;
      close(client);
      continue;
    }
    if (option(client, IPPROTO_TCP, TCP_KEEPIDLE) != expected_idle) ++untuned;
    int server = accept(listener, NULL, NULL);
    close(client);
    if (server >= 0) close(server);
    if (pause_us > 0) usleep((useconds_t)pause_us);
  }
  printf("rounds=%d failed=%d untuned=%d connect_ns=%lld errno=%d max_connect_ns=%lld\n", rounds, failed, untuned,
         rounds ? connect_ns / rounds : 0, first_errno, max_connect_ns);
  return 0;
}

int main(int argc, char** argv) {
  if (argc >= 3 && strcmp(argv[1], "threads") == 0) return run_threads(argv[0], atoi(argv[2]));
  if (argc >= 3 && strcmp(argv[1], "child") == 0) {
    print_socket("child", connect_to(atoi(argv[2])));
    return 0;
  }
  if (argc >= 2 && strcmp(argv[1], "undumpable") == 0) {
    int port = 0;
    int listener = open_listener(&port);
    prctl(PR_SET_DUMPABLE, 0);
    int fd = connect_to(port);
    print_socket("undumpable", fd);
    close(listener);
    return 0;
  }
  if (argc >= 2 && strcmp(argv[1], "own") == 0) {
    int port = 0;
    int listener = open_listener(&port);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int size = 4096, off = 0;
    printf("own-rcvbuf result=%d\n", setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size));
    struct sockaddr_in address = loopback(port);
    if (connect(fd, (struct sockaddr*)&address, sizeof address) != 0) die("connect");
    printf("own-keepalive result=%d\n", setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &off, sizeof off));
    print_socket("own", fd);
    close(listener);
    return 0;
  }
  if (argc >= 3 && strcmp(argv[1], "churn") == 0) return run_churn(atoi(argv[2]));
  if (argc >= 2 && strcmp(argv[1], "idle") == 0) return 0;
  if (argc >= 3 && strcmp(argv[1], "serve") == 0) return run_server(atoi(argv[2]));
  if (argc >= 4 && strcmp(argv[1], "checked-churn") == 0) {
    return run_checked_churn(atoi(argv[2]), atoi(argv[3]), argc >= 5 ? atoi(argv[4]) : 0);
  }
  fprintf(stderr, "usage: threaded_program threads N | undumpable | churn N | idle\n");
  return 2;
}
