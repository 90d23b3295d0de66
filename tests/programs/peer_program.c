/* Both ends of a connection whose peer is made to vanish (dead_peer_test):
 *   peer_program serve ADDR PORT     accept connections and hold them, silent
 *   peer_program idle ADDR PORT      connect, then wait in recv()
 *   peer_program inflight ADDR PORT  connect; on a line (or the end) of stdin,
 *                                    send data the peer will never acknowledge,
 *                                    then recv()
 * The clients print "connected", then how recv() ended and after how long. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
  if (argc != 4) {
    fprintf(stderr, "usage: peer_program serve|idle|inflight ADDR PORT\n");
    return 2;
  }
  struct sockaddr_in address = address_of(argv[2], argv[3]);
  if (strcmp(argv[1], "serve") == 0) return serve(address);
  if (strcmp(argv[1], "idle") == 0) return client(address, 0);
  if (strcmp(argv[1], "inflight") == 0) return client(address, 1);
  return 2;
}
