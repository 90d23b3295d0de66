// SPDX-License-Identifier: Apache-2.0
/* Prints TCP_KEEPIDLE of sockets opened in a linked library's constructor,
 * in this program's own constructor and in main. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int early_socket_library_idle(void);

static int idle_of_new_socket(void) {
  int fd = socket(AF_INET6, SOCK_STREAM, 0);
  int idle = -1;
  socklen_t length = sizeof idle;
  getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, &length);
  close(fd);
  return idle;
}

static int idle_in_program_constructor = -1;

__attribute__((constructor(101))) static void program_constructor(void) {
  idle_in_program_constructor = idle_of_new_socket();
}

int main(void) {
  printf("library-constructor idle=%d\n", early_socket_library_idle());
  printf("program-constructor idle=%d\n", idle_in_program_constructor);
  printf("main idle=%d\n", idle_of_new_socket());
  return 0;
}
