// SPDX-License-Identifier: Apache-2.0
#include "supervisor/supervisor.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "config/policy_summary.h"
#include "supervisor/child_launch.h"
#include "supervisor/descriptor_copy.h"
#include "supervisor/event_handler.h"
#include "supervisor/listener.h"
#include "supervisor/signal_relay.h"

namespace sockshim::supervisor {
namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "sockshim run: %s\n", message.c_str());
  return kSupervisorFailure;
}

enum class Served { call, nothing, refused };

// One stopped call, received and handled; |nothing| when none was there
// after all, |refused| when the handler refused it (the program's
// descriptor could not be copied).
Served serve_one_call(int listener, EventHandler& handler, NotificationBuffers& buffers) {
  handler.timing().start();
  const seccomp_notif* call = receive_notification(listener, &buffers);
  handler.timing().lap(TrapPart::receive);
  if (!call) return Served::nothing;
  return handler.handle(listener, *call) == Outcome::refused ? Served::refused : Served::call;
}

// The program's calls served on a thread of their own that waits in
// SECCOMP_IOCTL_NOTIF_RECV itself: one system call fewer per trapped call
// than poll() and then the receive, and the synchronous wake-up hands the
// CPU straight to the thread that is to receive. Only where the kernel took
// SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (6.6+): older kernels do not end a
// waiting receive when the last process under the filter goes. The main
// thread keeps the signals (SignalRelay), which this one has blocked.
class CallThread {
 public:
  CallThread(int listener, EventHandler& handler, NotificationBuffers& buffers)
      : listener_(listener), handler_(handler), buffers_(buffers) {}
  ~CallThread() {
    if (started_) pthread_join(thread_, nullptr);
    if (ended_ >= 0) close(ended_);
  }
  bool start() {
    ended_ = eventfd(0, EFD_CLOEXEC);
    started_ = ended_ >= 0 && pthread_create(&thread_, nullptr, &CallThread::main, this) == 0;
    return started_;
  }
  // Readable once the thread has stopped serving.
  int ended_fd() const { return ended_; }
  // After ended_fd() was readable: whether a call was refused (otherwise the
  // last process under the filter has gone).
  bool refused() {
    pthread_join(thread_, nullptr);
    started_ = false;
    return refused_;
  }

 private:
  static void* main(void* self) {
    static_cast<CallThread*>(self)->serve();
    return nullptr;
  }
  void serve() {
    for (;;) {
      const Served served = serve_one_call(listener_, handler_, buffers_);
      refused_ = served == Served::refused;
      if (refused_) break;
      // A receive that found nothing: either the end, or a call that a
      // signal took away meanwhile.
      if (served == Served::nothing && listener_hung_up(listener_)) break;
    }
    const uint64_t one = 1;
    if (write(ended_, &one, sizeof one) < 0) std::perror("sockshim run: eventfd");
  }

  int listener_;
  EventHandler& handler_;
  NotificationBuffers& buffers_;
  int ended_ = -1;
  pthread_t thread_{};
  bool started_ = false;
  bool refused_ = false;
};

}  // namespace

std::string unsupported_by_supervisor(const Policy& policy) {
  const int index = first_accept_time_rule(policy);
  if (index < 0) return "";
  const Rule& rule = policy.rules[static_cast<size_t>(index)];
  const std::string name = "rule[" + std::to_string(index + 1) + "] \"" + rule.name + "\"";
  if (rule.match.direction == Direction::accept) {
    return name + " has direction = \"accept\": the supervisor sets no options on accepted connections "
                  "(they inherit their listener's); use direction = \"listen\", or the preload";
  }
  return name + " has direction \"any\" with a remote or local address, so it would also match accepted "
                "connections by their peer, which the supervisor cannot do; give it direction = \"connect\" or "
                "\"listen\", or use the preload";
}

int supervise(const std::vector<std::string>& argv, const Policy& policy) {
  if (const std::string missing = user_notification_unavailable(); !missing.empty()) return fail(missing);
  if (const std::string unsupported = unsupported_by_supervisor(policy); !unsupported.empty()) {
    return fail(unsupported);
  }
  EventHandler handler(policy);
  const std::vector<sock_filter> filter = build_filter(handler.traps());
  NotificationBuffers buffers;
  if (!buffers.allocate()) return fail(std::string("SECCOMP_GET_NOTIF_SIZES: ") + std::strerror(errno));

  // Orphans of the program come to us, so that we see its last process end.
  if (getpid() != 1) prctl(PR_SET_CHILD_SUBREAPER, 1);
  SignalRelay relay;
  sigset_t original_mask;
  if (!relay.start(&original_mask)) return fail(std::string("signalfd: ") + std::strerror(errno));

  std::vector<std::string> arguments = argv;
  std::vector<char*> child_argv;
  for (std::string& argument : arguments) child_argv.push_back(argument.data());
  child_argv.push_back(nullptr);
  LaunchedProgram program;
  LaunchFailure failure;
  if (!launch_under_filter(child_argv, filter, original_mask, &program, &failure)) {
    fail(failure.message);
    return failure.exit_status;
  }
  const bool synchronous = request_synchronous_wake_up(program.listener);
  handler.timing().note_synchronous_wake_up(synchronous);
  CallThread calls(program.listener, handler, buffers);
  const bool threaded = synchronous && calls.start();

  int status = 0;
  bool reaped = false;
  // Without the thread, this one polls the listener too and receives each
  // call once poll() says one waits.
  pollfd watched[2] = {{threaded ? calls.ended_fd() : program.listener, POLLIN, 0}, {relay.fd(), POLLIN, 0}};
  for (;;) {
    if (poll(watched, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (watched[1].revents & POLLIN) reaped = relay.drain(program.pid, &status);
    bool refused = false;
    if (threaded && (watched[0].revents & POLLIN)) {
      refused = calls.refused();
      if (!refused) break;  // the last process under the filter is gone
    } else if (watched[0].revents & POLLIN) {
      refused = serve_one_call(program.listener, handler, buffers) == Served::refused;
      if (!refused) continue;  // the next call may already wait
    }
    if (refused) {
      std::fprintf(stderr, "sockshim run: %s; stopping the program, whose sockets would otherwise go "
                   "unconfigured from now on\n",
                   describe_copy_refusal(handler.refusal_pid(), handler.refusal_error()).c_str());
      signal_descendants(SIGKILL);
      close(program.listener);
      while (!relay.reap(program.pid, &status)) {
        if (waitpid(-1, nullptr, 0) < 0 && errno == ECHILD) break;
      }
      return kSupervisorFailure;
    }
    // The last process under the filter is gone (and reaped).
    if (watched[0].revents & (POLLHUP | POLLERR)) break;
  }
  close(program.listener);
  while (!reaped) {
    reaped = relay.reap(program.pid, &status);
    if (reaped) break;
    int other = 0;
    const pid_t ended = waitpid(-1, &other, 0);
    if (ended == program.pid) {
      status = other;
      reaped = true;
    } else if (ended < 0 && errno == ECHILD) {
      break;
    }
  }
  // Zombies of orphans that ended last.
  relay.reap(program.pid, &status);
  handler.timing().write();
  return exit_code_of(status);
}

}  // namespace sockshim::supervisor
