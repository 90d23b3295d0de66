// SPDX-License-Identifier: Apache-2.0
/* A library whose constructor opens a socket before main, as logging and
 * metrics libraries do; whether the shim's constructor ran first depends on
 * the libc and the link order. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

static int idle_seen_in_constructor = -1;

__attribute__((constructor)) static void open_socket_in_constructor(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  socklen_t length = sizeof idle_seen_in_constructor;
  getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle_seen_in_constructor, &length);
  close(fd);
}

int early_socket_library_idle(void) { return idle_seen_in_constructor; }
