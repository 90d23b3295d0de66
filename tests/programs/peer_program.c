// SPDX-License-Identifier: Apache-2.0
/* Both ends of a connection whose peer is made to vanish (dead_peer_test),
 * or that goes through a router that forgets it (forgetful_router_test):
 *   peer_program serve ADDR PORT     accept connections and hold them, silent
 *   peer_program echo ADDR PORT      accept connections and echo what comes
 *   peer_program idle ADDR PORT      connect, then wait in recv()
 *   peer_program inflight ADDR PORT  connect; on a line (or the end) of stdin,
 *                                    send data the peer will never acknowledge,
 *                                    then recv()
 *   peer_program chat ADDR PORT IDLE_S [ANSWER_WAIT_S]
 *                                    exchange a byte with an echo server, stay
 *                                    idle IDLE_S seconds, then send a byte and
 *                                    wait up to ANSWER_WAIT_S (default 3) s
 *                                    for its echo
 * The clients print "connected" (after the first exchange, for `echo` and
 * `chat`), then how the connection ended or what came after the idle time. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static struct sockaddr_in address_of(const char* host, const char* port) {
  struct sockaddr_in address = {0};
  address.sin_family = AF_INET;
  address.sin_port = htons((unsigned short)atoi(port));
  if (inet_pton(AF_INET, host, &address.sin_addr) != 1) {
    fprintf(stderr, "peer_program: bad address %s\n", host);
    exit(2);
  }
  return address;
}

static int serve(struct sockaddr_in address) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int yes = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  if (bind(listener, (struct sockaddr*)&address, sizeof address) != 0 || listen(listener, 16) != 0) {
    perror("peer_program: listen");
    return 2;
  }
  printf("listening\n");
  fflush(stdout);
  for (;;) {
    if (accept(listener, NULL, NULL) < 0 && errno != EINTR) return 2;  /* held, never read */
  }
}

static const char* errno_name(int error) {
  switch (error) {
    case ECONNRESET: return "ECONNRESET";
    case EPIPE: return "EPIPE";
    case ETIMEDOUT: return "ETIMEDOUT";
    default: return strerror(error);
  }
}

/* One process per connection, so that each client is answered at once. */
static int echo(struct sockaddr_in address) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int yes = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  if (bind(listener, (struct sockaddr*)&address, sizeof address) != 0 || listen(listener, 16) != 0) {
    perror("peer_program: listen");
    return 2;
  }
  signal(SIGCHLD, SIG_IGN);
  printf("listening\n");
  fflush(stdout);
  for (;;) {
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR) continue;
      return 2;
    }
    if (fork() == 0) {
      /* A connection whose namespace is removed never ends by itself. */
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() == 1) _exit(0);
      char buffer[4096];
      ssize_t n;
      while ((n = recv(fd, buffer, sizeof buffer, 0)) > 0) {
        if (send(fd, buffer, (size_t)n, MSG_NOSIGNAL) != n) break;
      }
      _exit(0);
    }
    close(fd);
  }
}

/* What a program that talks now and then sees: the answer, nothing, or an
 * error, on the write or on the read. */
static int chat(struct sockaddr_in address, int idle_s, int answer_wait_s) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  char byte = 'x';
  if (connect(fd, (struct sockaddr*)&address, sizeof address) != 0 || send(fd, &byte, 1, 0) != 1 ||
      recv(fd, &byte, 1, 0) != 1) {
    perror("peer_program: first exchange");
    return 2;
  }
  printf("connected\n");
  fflush(stdout);
  sleep((unsigned)idle_s);
  if (send(fd, &byte, 1, MSG_NOSIGNAL) != 1) {
    printf("after idle: write failed: %s\n", errno_name(errno));
    return 0;
  }
  struct pollfd readable = {.fd = fd, .events = POLLIN};
  if (poll(&readable, 1, answer_wait_s * 1000) == 0) {
    printf("after idle: no answer\n");
    return 0;
  }
  ssize_t n = recv(fd, &byte, 1, 0);
  if (n == 1) {
    printf("after idle: alive\n");
  } else if (n == 0) {
    printf("after idle: closed by peer\n");
  } else {
    printf("after idle: read failed: %s\n", errno_name(errno));
  }
  return 0;
}

static int client(struct sockaddr_in address, int inflight) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(fd, (struct sockaddr*)&address, sizeof address) != 0) {
    perror("peer_program: connect");
    return 2;
  }
  printf("connected\n");
  fflush(stdout);
  double start = now_s();
  if (inflight) {
    char line[16];
    (void)!fgets(line, sizeof line, stdin);  /* a line or the end of input: go */
    static char data[16384];
    memset(data, 'x', sizeof data);
    start = now_s();
    if (send(fd, data, sizeof data, 0) < 0) perror("peer_program: send");
  }
  char byte;
  ssize_t n = recv(fd, &byte, 1, 0);
  const int error = errno;
  printf("recv result=%zd errno=%s after_ms=%d\n", n,
         n < 0 ? (error == ETIMEDOUT ? "ETIMEDOUT" : strerror(error)) : "-",
         (int)((now_s() - start) * 1000));
  return 0;
}

int main(int argc, char** argv) {
  if ((argc == 5 || argc == 6) && strcmp(argv[1], "chat") == 0) {
    return chat(address_of(argv[2], argv[3]), atoi(argv[4]), argc == 6 ? atoi(argv[5]) : 3);
  }
  if (argc != 4) {
    fprintf(stderr, "usage: peer_program serve|echo|idle|inflight ADDR PORT | chat ADDR PORT IDLE_S [ANSWER_WAIT_S]\n");
    return 2;
  }
  struct sockaddr_in address = address_of(argv[2], argv[3]);
  if (strcmp(argv[1], "serve") == 0) return serve(address);
  if (strcmp(argv[1], "echo") == 0) return echo(address);
  if (strcmp(argv[1], "idle") == 0) return client(address, 0);
  if (strcmp(argv[1], "inflight") == 0) return client(address, 1);
  return 2;
}
