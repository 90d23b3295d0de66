// SPDX-License-Identifier: Apache-2.0
/* A loopback listener, a client connected to it and the accepted socket,
 * each reported as the kernel has it, in sockprobe's format. "uring" makes
 * and connects the client through io_uring (IORING_OP_SOCKET,
 * IORING_OP_CONNECT): no libc call and no connect system call, which no
 * user-space engine sees. Built statically too (without io_uring). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#ifdef KERNEL_PROBE_URING
#include <liburing.h>
#endif

static int option(int fd, int level, int name) {
  int value = -1;
  socklen_t length = sizeof value;
  getsockopt(fd, level, name, &value, &length);
  return value;
}

static void report(const char* label, int fd) {
  printf("%s keepalive=%d idle=%d interval=%d count=%d rcvbuf=%d sndbuf=%d user_timeout=%d nodelay=%d\n", label,
         option(fd, SOL_SOCKET, SO_KEEPALIVE), option(fd, IPPROTO_TCP, TCP_KEEPIDLE),
         option(fd, IPPROTO_TCP, TCP_KEEPINTVL), option(fd, IPPROTO_TCP, TCP_KEEPCNT),
         option(fd, SOL_SOCKET, SO_RCVBUF), option(fd, SOL_SOCKET, SO_SNDBUF),
         option(fd, IPPROTO_TCP, TCP_USER_TIMEOUT), option(fd, IPPROTO_TCP, TCP_NODELAY));
}

#ifdef KERNEL_PROBE_URING
/* The client, made and connected through io_uring; -1 on failure. */
static int uring_client(const struct sockaddr_in* address) {
  struct io_uring ring;
  if (io_uring_queue_init(4, &ring, 0) != 0) return -1;
  struct io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  io_uring_prep_socket(sqe, AF_INET, SOCK_STREAM, 0, 0);
  struct io_uring_cqe* cqe;
  io_uring_submit(&ring);
  if (io_uring_wait_cqe(&ring, &cqe) != 0 || cqe->res < 0) {
    fprintf(stderr, "IORING_OP_SOCKET: %s\n", strerror(-cqe->res));
    return -1;
  }
  const int fd = cqe->res;
  io_uring_cqe_seen(&ring, cqe);
  sqe = io_uring_get_sqe(&ring);
  io_uring_prep_connect(sqe, fd, (const struct sockaddr*)address, sizeof *address);
  io_uring_submit(&ring);
  if (io_uring_wait_cqe(&ring, &cqe) != 0 || cqe->res < 0) {
    fprintf(stderr, "IORING_OP_CONNECT: %s\n", strerror(-cqe->res));
    return -1;
  }
  io_uring_cqe_seen(&ring, cqe);
  io_uring_queue_exit(&ring);
  return fd;
}
#endif

int main(int argc, char** argv) {
  const int uring = argc > 1 && strcmp(argv[1], "uring") == 0;
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in address;
  memset(&address, 0, sizeof address);
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (bind(listener, (struct sockaddr*)&address, length) != 0 || listen(listener, 4) != 0 ||
      getsockname(listener, (struct sockaddr*)&address, &length) != 0) {
    perror("listener");
    return 1;
  }
  int client = -1;
  if (uring) {
#ifdef KERNEL_PROBE_URING
    client = uring_client(&address);
#else
    fprintf(stderr, "built without io_uring\n");
#endif
  } else {
    client = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(client, (struct sockaddr*)&address, length) != 0) client = -1;
  }
  if (client < 0) return 1;
  const int accepted = accept(listener, NULL, NULL);
  report("listener", listener);
  report("client", client);
  report("accepted", accepted);
  return 0;
}
