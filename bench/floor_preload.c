// SPDX-License-Identifier: Apache-2.0
/* The floor for any preload: socket() sets the same six options as the
 * benchmark's shim config, with compiled-in constants and nothing else (no
 * config, no classification beyond the type, no error reporting). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

typedef int (*socket_function)(int, int, int);

__attribute__((visibility("default"))) int socket(int domain, int type, int protocol) {
  static socket_function real_socket;
  if (!real_socket) real_socket = (socket_function)dlsym(RTLD_NEXT, "socket");
  int fd = real_socket(domain, type, protocol);
  if (fd >= 0 && (domain == AF_INET || domain == AF_INET6) &&
      (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) == SOCK_STREAM) {
    static const int on = 1, idle = 30, interval = 10, count = 3, buffer = 262144;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  }
  return fd;
}
