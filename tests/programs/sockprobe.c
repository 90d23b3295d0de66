// SPDX-License-Identifier: Apache-2.0
/* A test program that the integration tests run under the shim. It opens
 * sockets the way real programs do and prints what the kernel reports for
 * them, read back with getsockopt. It knows nothing of the shim. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/programs/probe_options.h"

struct probe_flags {
  int ipv6;          /* -6: AF_INET6 on ::1 */
  int nonblock;      /* -n: non-blocking connect, completed with poll */
  int type_flags;    /* -f: SOCK_NONBLOCK|SOCK_CLOEXEC in socket()'s type */
  int use_accept4;   /* -4: accept4() instead of accept() */
  int null_address;  /* -a: accept(fd, NULL, NULL) */
  int port;          /* -p PORT: listener port (default: any) */
  int own_values;    /* -o: set its own keepalive/nodelay/tos after connect and accept, as Go does */
};

static void die(const char* what) {
  fprintf(stderr, "sockprobe: %s: %s\n", what, strerror(errno));
  exit(2);
}

static int option(int fd, int level, int name) {
  int value = -1;
  socklen_t length = sizeof value;
  if (getsockopt(fd, level, name, &value, &length) != 0) return -errno;
  return value;
}

/* One option as sockprobe prints it: an int, a linger (-1: off), a name. */
static void print_option(int fd, const struct probe_option* probe) {
  if (probe->kind == PROBE_TEXT) {
    char text[32] = "";
    socklen_t length = sizeof text - 1;
    if (getsockopt(fd, probe->level, probe->name, text, &length) != 0) snprintf(text, sizeof text, "-%d", errno);
    printf(" %s=%s", probe->label, text);
  } else if (probe->kind == PROBE_LINGER) {
    struct linger linger = {0, 0};
    socklen_t length = sizeof linger;
    if (getsockopt(fd, probe->level, probe->name, &linger, &length) != 0) {
      printf(" %s=-%d", probe->label, errno);
    } else {
      printf(" %s=%d", probe->label, linger.l_onoff ? linger.l_linger : -1);
    }
  } else {
    printf(" %s=%d", probe->label, option(fd, probe->level, probe->name));
  }
}

static void print_tcp(const char* label, int fd) {
  printf("%s", label);
  for (size_t i = 0; i < sizeof kProbeOptions / sizeof kProbeOptions[0]; ++i) print_option(fd, &kProbeOptions[i]);
  printf("\n");
}

/* What a program with its own opinions does after connect() and accept():
 * Go sets keepalive 15 s/15 s and nodelay, curl keepalive 60 s/60 s. */
static void set_own_values(const char* label, int fd) {
  int on = 1, seconds = 15, tos = 0x20;
  int results = setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) |
                setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &seconds, sizeof seconds) |
                setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &seconds, sizeof seconds) |
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) |
                setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
  printf("own-%s result=%d\n", label, results);
}

static void print_buffers(const char* label, int fd) {
  printf("%s rcvbuf=%d sndbuf=%d\n", label, option(fd, SOL_SOCKET, SO_RCVBUF),
         option(fd, SOL_SOCKET, SO_SNDBUF));
}

static socklen_t loopback(const struct probe_flags* flags, int port, struct sockaddr_storage* out) {
  memset(out, 0, sizeof *out);
  if (flags->ipv6) {
    struct sockaddr_in6* in6 = (struct sockaddr_in6*)out;
    in6->sin6_family = AF_INET6;
    in6->sin6_addr = in6addr_loopback;
    in6->sin6_port = htons((unsigned short)port);
    return sizeof *in6;
  }
  struct sockaddr_in* in4 = (struct sockaddr_in*)out;
  in4->sin_family = AF_INET;
  in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  in4->sin_port = htons((unsigned short)port);
  return sizeof *in4;
}

static int local_port(int fd) {
  struct sockaddr_storage address;
  socklen_t length = sizeof address;
  if (getsockname(fd, (struct sockaddr*)&address, &length) != 0) die("getsockname");
  if (address.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6*)&address)->sin6_port);
  return ntohs(((struct sockaddr_in*)&address)->sin_port);
}

static int family(const struct probe_flags* flags) { return flags->ipv6 ? AF_INET6 : AF_INET; }

static int open_listener(const struct probe_flags* flags) {
  int fd = socket(family(flags), SOCK_STREAM | (flags->type_flags ? SOCK_CLOEXEC : 0), 0);
  if (fd < 0) die("socket");
  int yes = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  struct sockaddr_storage address;
  socklen_t length = loopback(flags, flags->port, &address);
  if (bind(fd, (struct sockaddr*)&address, length) != 0) die("bind");
  if (listen(fd, 16) != 0) die("listen");
  return fd;
}

static int open_client(const struct probe_flags* flags) {
  int type = SOCK_STREAM;
  if (flags->type_flags) type |= SOCK_NONBLOCK | SOCK_CLOEXEC;
  int fd = socket(family(flags), type, flags->type_flags ? IPPROTO_TCP : 0);
  if (fd < 0) die("socket");
  if (flags->nonblock && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) die("fcntl");
  return fd;
}

/* connect(), finished with poll() when the socket is non-blocking. */
static void connect_to(int fd, const struct probe_flags* flags, int port) {
  struct sockaddr_storage address;
  socklen_t length = loopback(flags, port, &address);
  if (connect(fd, (struct sockaddr*)&address, length) == 0) return;
  if (errno != EINPROGRESS) die("connect");
  struct pollfd waiting = {fd, POLLOUT, 0};
  if (poll(&waiting, 1, 5000) != 1) die("poll");
  int error = option(fd, SOL_SOCKET, SO_ERROR);
  if (error != 0) {
    errno = error;
    die("connect (non-blocking)");
  }
}

static int accept_one(int listener, const struct probe_flags* flags) {
  struct pollfd waiting = {listener, POLLIN, 0};
  if (poll(&waiting, 1, 5000) != 1) die("poll listener");
  struct sockaddr_storage peer;
  socklen_t length = sizeof peer;
  struct sockaddr* address = flags->null_address ? NULL : (struct sockaddr*)&peer;
  socklen_t* length_pointer = flags->null_address ? NULL : &length;
  int fd = flags->use_accept4 ? accept4(listener, address, length_pointer, SOCK_CLOEXEC)
                              : accept(listener, address, length_pointer);
  if (fd < 0) die("accept");
  return fd;
}

/* A listener, a client connected to it, and the accepted connection. */
static void open_pair(const struct probe_flags* flags, int* listener, int* client, int* server) {
  *listener = open_listener(flags);
  *client = open_client(flags);
  connect_to(*client, flags, local_port(*listener));
  /* A byte, so that a listener with TCP_DEFER_ACCEPT hands the connection over. */
  if (write(*client, "x", 1) != 1) die("write");
  *server = accept_one(*listener, flags);
  if (flags->own_values) {
    set_own_values("client", *client);
    set_own_values("accepted", *server);
  }
}

static int run_pair(const struct probe_flags* flags) {
  int listener, client, server;
  open_pair(flags, &listener, &client, &server);
  print_tcp("listener", listener);
  print_tcp("client", client);
  print_tcp("accepted", server);
  return 0;
}

/* Holds a connection open until stdin closes, so that ss can look at it. */
static int run_hold(const struct probe_flags* flags, int late_receive_buffer) {
  int listener, client, server;
  open_pair(flags, &listener, &client, &server);
  if (late_receive_buffer) {
    int size = 4096;
    setsockopt(client, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  printf("ports client=%d server=%d\n", local_port(client), local_port(listener));
  fflush(stdout);
  char line[16];
  while (read(STDIN_FILENO, line, sizeof line) > 0) {
  }
  return 0;
}

static int run_udp(const struct probe_flags* flags) {
  int fd = socket(family(flags), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  print_buffers("udp", fd);
  struct sockaddr_storage address;
  socklen_t length = loopback(flags, flags->port, &address);
  if (bind(fd, (struct sockaddr*)&address, length) != 0) die("bind");
  print_buffers("udp-bound", fd);
  printf("udp-marking tos=%d tclass=%d priority=%d mark=%d\n", option(fd, IPPROTO_IP, IP_TOS),
         option(fd, IPPROTO_IPV6, IPV6_TCLASS), option(fd, SOL_SOCKET, SO_PRIORITY), option(fd, SOL_SOCKET, SO_MARK));
  printf("udp keepalive=%d\n", option(fd, SOL_SOCKET, SO_KEEPALIVE));
  return 0;
}

/* New, unconnected TCP sockets: every value is deterministic, so two runs
 * can be compared byte for byte. */
static int run_fresh(void) {
  int v4 = socket(AF_INET, SOCK_STREAM, 0);
  int v6 = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (v4 < 0 || v6 < 0) die("socket");
  print_tcp("fresh-ipv4", v4);
  print_tcp("fresh-ipv6", v6);
  return 0;
}

/* Whether libsockshim is mapped into this process, and what a new socket
 * gets: for setuid runs, where the loader and the shim are both wary. */
static int run_secure(void) {
  FILE* maps = fopen("/proc/self/maps", "r");
  char line[512];
  int preloaded = 0;
  while (maps && fgets(line, sizeof line, maps)) {
    if (strstr(line, "libsockshim")) preloaded = 1;
  }
  if (maps) fclose(maps);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  printf("secure preloaded=%d euid=%d uid=%d idle=%d\n", preloaded, (int)geteuid(), (int)getuid(),
         option(fd, IPPROTO_TCP, TCP_KEEPIDLE));
  return 0;
}

static int run_unix(void) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  print_buffers("unix", fd);
  printf("unix keepalive=%d\n", option(fd, SOL_SOCKET, SO_KEEPALIVE));
  return 0;
}

/* errno by name, the same on glibc and musl (strerror's texts differ). */
static const char* errno_name(int error) {
  switch (error) {
    case ECONNREFUSED: return "ECONNREFUSED";
    case EINPROGRESS: return "EINPROGRESS";
    case EAGAIN: return "EAGAIN";
    case EMFILE: return "EMFILE";
    case EBADF: return "EBADF";
    case ENOTSOCK: return "ENOTSOCK";
    default: return "other";
  }
}

static void report(const char* label, int result) {
  printf("%s result=%d errno=%s\n", label, result, result < 0 ? errno_name(errno) : "-");
}

/* The real calls' results and errno values that the shim must not change. */
static int run_errors(const struct probe_flags* flags) {
  /* A refused connection: a port with no listener. */
  int listener = open_listener(flags);
  int closed_port = local_port(listener);
  close(listener);
  int fd = open_client(flags);
  struct sockaddr_storage address;
  socklen_t length = loopback(flags, closed_port, &address);
  errno = 0;
  report("refused", connect(fd, (struct sockaddr*)&address, length));
  close(fd);

  /* A non-blocking connect in progress (or done at once on loopback). */
  listener = open_listener(flags);
  fd = socket(family(flags), SOCK_STREAM | SOCK_NONBLOCK, 0);
  length = loopback(flags, local_port(listener), &address);
  errno = 0;
  report("nonblocking-connect", connect(fd, (struct sockaddr*)&address, length));

  /* A non-blocking accept with nothing pending. */
  int quiet = socket(family(flags), SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_storage any;
  length = loopback(flags, 0, &any);
  bind(quiet, (struct sockaddr*)&any, length);
  listen(quiet, 1);
  errno = 0;
  report("accept-empty", accept(quiet, NULL, NULL));
  errno = 0;
  report("accept4-empty", accept4(quiet, NULL, NULL, SOCK_CLOEXEC));

  /* Out of descriptors. */
  struct rlimit limit = {16, 16};
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) die("setrlimit");
  int last = 0;
  while ((last = socket(family(flags), SOCK_STREAM, 0)) >= 0) {
  }
  report("socket-emfile", last);
  errno = 0;
  report("connect-ebadf", connect(1000, (struct sockaddr*)&address, length));
  errno = 0;
  report("listen-enotsock", listen(STDIN_FILENO, 1));
  errno = 0;
  report("bind-ebadf", bind(-1, (struct sockaddr*)&address, length));
  return 0;
}

static void usage(void) {
  fprintf(stderr, "usage: sockprobe pair|hold|late-rcvbuf|udp|unix|fresh|secure|errors [-6] [-n] [-f] [-4] [-a] [-o] [-p PORT]\n");
  exit(2);
}

int main(int argc, char** argv) {
  printf("sockprobe main\n");
  if (argc < 2) usage();
  struct probe_flags flags = {0};
  for (int i = 2; i < argc; ++i) {
    if (strcmp(argv[i], "-6") == 0) flags.ipv6 = 1;
    else if (strcmp(argv[i], "-n") == 0) flags.nonblock = 1;
    else if (strcmp(argv[i], "-f") == 0) flags.type_flags = 1;
    else if (strcmp(argv[i], "-4") == 0) flags.use_accept4 = 1;
    else if (strcmp(argv[i], "-a") == 0) flags.null_address = 1;
    else if (strcmp(argv[i], "-o") == 0) flags.own_values = 1;
    else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) flags.port = atoi(argv[++i]);
    else usage();
  }
  const char* mode = argv[1];
  if (strcmp(mode, "pair") == 0) return run_pair(&flags);
  if (strcmp(mode, "hold") == 0) return run_hold(&flags, 0);
  if (strcmp(mode, "late-rcvbuf") == 0) return run_hold(&flags, 1);
  if (strcmp(mode, "udp") == 0) return run_udp(&flags);
  if (strcmp(mode, "unix") == 0) return run_unix();
  if (strcmp(mode, "fresh") == 0) return run_fresh();
  if (strcmp(mode, "secure") == 0) return run_secure();
  if (strcmp(mode, "errors") == 0) return run_errors(&flags);
  usage();
  return 2;
}
