// SPDX-License-Identifier: Apache-2.0
/* Another preload library that interposes socket() and connect(), as
 * tracing and proxy preloads do: it sets TCP_KEEPIDLE 77 on every new TCP
 * socket and counts the calls that reach it, printed at exit as
 * "stacked sockets=N connects=M". Loaded beside the shim in either order. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static int g_sockets;
static int g_connects;

int socket(int domain, int type, int protocol) {
  static int (*real_socket)(int, int, int);
  if (!real_socket) real_socket = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
  __atomic_add_fetch(&g_sockets, 1, __ATOMIC_RELAXED);
  const int fd = real_socket(domain, type, protocol);
  if (fd >= 0 && domain == AF_INET && (type & 0xf) == SOCK_STREAM) {
    const int saved = errno;
    const int idle = 77;
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    errno = saved;
  }
  return fd;
}

int connect(int fd, const struct sockaddr* address, socklen_t length) {
  static int (*real_connect)(int, const struct sockaddr*, socklen_t);
  if (!real_connect) {
    real_connect = (int (*)(int, const struct sockaddr*, socklen_t))dlsym(RTLD_NEXT, "connect");
  }
  __atomic_add_fetch(&g_connects, 1, __ATOMIC_RELAXED);
  return real_connect(fd, address, length);
}

__attribute__((destructor)) static void report(void) {
  char line[64];
  const int length = snprintf(line, sizeof line, "stacked sockets=%d connects=%d\n", g_sockets, g_connects);
  if (length > 0) (void)!write(STDERR_FILENO, line, (size_t)length);
}
