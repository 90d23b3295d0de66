// SPDX-License-Identifier: Apache-2.0
#include "supervisor/supervisor.h"

#include <poll.h>
#include <signal.h>
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
  handler.timing().note_synchronous_wake_up(request_synchronous_wake_up(program.listener));

  int status = 0;
  bool reaped = false;
  pollfd watched[2] = {{program.listener, POLLIN, 0}, {relay.fd(), POLLIN, 0}};
  for (;;) {
    if (poll(watched, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (watched[1].revents & POLLIN) reaped = relay.drain(program.pid, &status);
    if (watched[0].revents & POLLIN) {
      handler.timing().start();
      const seccomp_notif* call = receive_notification(program.listener, &buffers);
      handler.timing().lap(TrapPart::receive);
      if (call && handler.handle(program.listener, *call) == Outcome::refused) {
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
      continue;  // the next call may already wait
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
