// SPDX-License-Identifier: Apache-2.0
// A signal handler that opens a socket while its own thread is building the
// shim's runtime, made to happen every time rather than by chance.
//
// The test runs this program with SOCKSHIM_LOG=info and SOCKSHIM_LOG_FILE
// naming a FIFO (argv[1]). The shim reports the loaded config from inside
// the build, and opening a FIFO for writing waits for a reader: so the main
// thread's first socket() stops in the middle of the build. (The shim also
// opens the file once at load; the test holds a reader open until this
// program prints "started", then closes it and closes this program's stdin
// to say go.) A helper thread
// waits until it is stopped there (the main thread's current system call is
// an open), sends it SIGUSR1, and only after the handler has run opens the
// FIFO for reading, which lets the build finish. The handler opens a socket
// and records what it got; later the program raises SIGUSR1 again, after
// the build, for comparison. Prints one line per socket:
//
//   during_build result=ok errno=kept keepalive=0 idle_configured=0
//   first_socket result=ok keepalive=1 idle_configured=1
//   after_build result=ok errno=kept keepalive=1 idle_configured=1
//
// and "helper: ..." with exit status 3 if the build never stopped where
// expected.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { kIdle = 17 };                      // what the test's config sets
enum { kUntouched = ENOTRECOVERABLE };    // what no successful socket() sets
enum { kWaitSeconds = 120 };              // for the helper, on a loaded machine

// What one handler run saw. Written by the handler only.
struct HandlerReport {
  volatile sig_atomic_t ran;
  volatile sig_atomic_t result_ok;
  volatile sig_atomic_t errno_kept;
  volatile sig_atomic_t keepalive;
  volatile sig_atomic_t idle;
};

static struct HandlerReport g_reports[2];
static volatile sig_atomic_t g_handler_runs = 0;
static const char* g_fifo;
static pid_t g_main_thread;

static int option(int fd, int level, int name) {
  int value = -1;
  socklen_t length = sizeof value;
  getsockopt(fd, level, name, &value, &length);
  return value;
}

// Async-signal-safe: socket, getsockopt, close.
static void on_signal(int signal_number) {
  (void)signal_number;
  const int saved = errno;
  struct HandlerReport* report = &g_reports[g_handler_runs < 2 ? g_handler_runs : 1];
  errno = kUntouched;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  report->errno_kept = errno == kUntouched;
  report->result_ok = fd >= 0;
  if (fd >= 0) {
    report->keepalive = option(fd, SOL_SOCKET, SO_KEEPALIVE);
    report->idle = option(fd, IPPROTO_TCP, TCP_KEEPIDLE);
    close(fd);
  }
  report->ran = 1;
  g_handler_runs = g_handler_runs + 1;
  errno = saved;
}

static double now_s(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec + now.tv_nsec / 1e9;
}

// Whether |thread| is now in an open() or openat() system call.
static int in_open(pid_t thread) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)thread);
  FILE* file = fopen(path, "r");
  if (!file) return 0;
  long number = -1;
  const int read = fscanf(file, "%ld", &number);
  fclose(file);
  if (read != 1) return 0;
#ifdef SYS_open
  if (number == SYS_open) return 1;
#endif
  return number == SYS_openat;
}

static void* helper(void* unused) {
  (void)unused;
  const double deadline = now_s() + kWaitSeconds;
  const struct timespec pause = {0, 1000000};
  while (!in_open(g_main_thread)) {
    if (now_s() > deadline) {
      printf("helper: the main thread never stopped opening the log file\n");
      fflush(stdout);
      _exit(3);
    }
    nanosleep(&pause, NULL);
  }
  syscall(SYS_tgkill, getpid(), g_main_thread, SIGUSR1);
  while (!g_reports[0].ran) {
    if (now_s() > deadline) {
      printf("helper: the handler never ran\n");
      fflush(stdout);
      _exit(3);
    }
    nanosleep(&pause, NULL);
  }
  // Kept open to the end: later messages find a reader and do not wait.
  const int reader = open(g_fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  return (void*)(long)reader;
}

static void print_report(const char* name, const struct HandlerReport* report) {
  printf("%s result=%s errno=%s keepalive=%d idle_configured=%d\n", name, report->result_ok ? "ok" : "failed",
         report->errno_kept ? "kept" : "changed", (int)report->keepalive, report->idle == kIdle);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s LOG_FIFO\n", argv[0]);
    return 2;
  }
  g_fifo = argv[1];
  g_main_thread = (pid_t)syscall(SYS_gettid);
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_signal;
  action.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &action, NULL);

  printf("started\n");
  fflush(stdout);
  char ignored[64];
  while (read(STDIN_FILENO, ignored, sizeof ignored) > 0) {
  }
  pthread_t helper_thread;
  if (pthread_create(&helper_thread, NULL, helper, NULL) != 0) return 2;
  const int first = socket(AF_INET, SOCK_STREAM, 0);  // the build, stopped in the middle
  void* reader = NULL;
  pthread_join(helper_thread, &reader);
  raise(SIGUSR1);  // after the build

  print_report("during_build", &g_reports[0]);
  printf("first_socket result=%s keepalive=%d idle_configured=%d\n", first >= 0 ? "ok" : "failed",
         option(first, SOL_SOCKET, SO_KEEPALIVE), option(first, IPPROTO_TCP, TCP_KEEPIDLE) == kIdle);
  print_report("after_build", &g_reports[1]);
  char log[4096];
  const ssize_t length = read((int)(long)reader, log, sizeof log - 1);
  if (length > 0) {
    log[length] = '\0';
    printf("log %s", log);
  }
  return 0;
}
