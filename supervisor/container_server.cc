// SPDX-License-Identifier: Apache-2.0
#include "supervisor/container_server.h"

#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "supervisor/descriptor_copy.h"

namespace sockshim::supervisor {
namespace {

// The handler's frames are small; a node may run a thousand containers.
constexpr size_t kThreadStackBytes = 512 * 1024;

// Sent to a container's thread to end its wait in the receive when the
// agent stops: a real-time signal nobody else sends, whose handler does
// nothing and is installed without SA_RESTART, so that the receive returns
// EINTR. Only the container threads unblock it.
int interrupt_signal() {
  static std::once_flag installed;
  std::call_once(installed, [] {
    struct sigaction action;
    std::memset(&action, 0, sizeof action);
    action.sa_handler = [](int) {};
    sigemptyset(&action.sa_mask);
    sigaction(SIGRTMIN + 1, &action, nullptr);
  });
  return SIGRTMIN + 1;
}

}  // namespace

ContainerServer::ContainerServer(int listener, ContainerState state, ChosenConfig config,
                                 const NotificationBuffers& sizes, int stop_fd,
                                 std::function<void(ContainerServer*)> on_end)
    : listener_(listener),
      state_(std::move(state)),
      config_(std::move(config)),
      buffers_(sizes),
      stop_fd_(stop_fd),
      on_end_(std::move(on_end)) {
  synchronous_ = request_synchronous_wake_up(listener_);
  if (synchronous_) interrupt_signal();
  if (config_.policy) {
    // Enforcement needs the container's profile to notify those setsockopt
    // calls (examples/seccomp/sockshim-enforce-keepalive.json); the runtime's
    // profile, not the agent, decides which calls arrive here.
    handler_ = std::make_unique<EventHandler>(*config_.policy);
    handler_->use_network_namespace_of(state_.pid);
  }
}

ContainerServer::~ContainerServer() {
  if (started_ && synchronous_) {
    stopping_.store(true);
    // A signal that comes just before the thread enters the receive is
    // lost: sent again until the thread has gone (at once, when it has
    // ended already).
    while (!serving_ended_.load()) {
      pthread_kill(thread_, interrupt_signal());
      const timespec pause = {0, 5 * 1000 * 1000};
      nanosleep(&pause, nullptr);
    }
    pthread_join(thread_, nullptr);
  } else if (started_) {
    pthread_join(thread_, nullptr);
  }
  close(listener_);
}

bool ContainerServer::start() {
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstacksize(&attributes, kThreadStackBytes);
  const int error = pthread_create(&thread_, &attributes, thread_main, this);
  pthread_attr_destroy(&attributes);
  started_ = error == 0;
  errno = error;
  return started_;
}

void* ContainerServer::thread_main(void* self) {
  ContainerServer* server = static_cast<ContainerServer*>(self);
  server->serve();
  server->serving_ended_.store(true);
  return nullptr;
}

HandlerCounts ContainerServer::counts() const {
  HandlerCounts counts;
  counts.notifications = notifications_.load(std::memory_order_relaxed);
  counts.options_applied = options_applied_.load(std::memory_order_relaxed);
  counts.errors = errors_.load(std::memory_order_relaxed);
  return counts;
}

bool ContainerServer::hung_up() const { return listener_hung_up(listener_); }

void ContainerServer::publish_counts() {
  const HandlerCounts& counts = handler_ ? handler_->counts() : untuned_counts_;
  notifications_.store(counts.notifications, std::memory_order_relaxed);
  options_applied_.store(counts.options_applied, std::memory_order_relaxed);
  errors_.store(counts.errors, std::memory_order_relaxed);
}

void ContainerServer::serve() {
  if (synchronous_) {
    serve_waiting_in_receive();
    return;
  }
  for (;;) {
    pollfd watched[2] = {{listener_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (poll(watched, 2, -1) < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "sockshim agent: container %s: poll: %s\n", state_.id.c_str(), std::strerror(errno));
      return;
    }
    // The agent stops: the holder keeps the listener for the next one.
    if (watched[1].revents & POLLIN) return;
    if (watched[0].revents & POLLIN) {
      if (const seccomp_notif* call = receive_notification(listener_, &buffers_)) serve_call(*call);
      publish_counts();
    } else if (watched[0].revents & (POLLHUP | POLLERR)) {
      publish_counts();
      on_end_(this);
      return;
    }
  }
}

void ContainerServer::serve_waiting_in_receive() {
  sigset_t interrupt;
  sigemptyset(&interrupt);
  sigaddset(&interrupt, interrupt_signal());
  pthread_sigmask(SIG_UNBLOCK, &interrupt, nullptr);
  // The agent stops: the holder keeps the listener for the next one.
  while (!stopping_.load()) {
    if (const seccomp_notif* call = receive_notification(listener_, &buffers_)) {
      serve_call(*call);
      publish_counts();
      continue;
    }
    // Nothing received: the agent stops (EINTR), a signal took the call
    // away, or the container's last process has gone.
    if (!stopping_.load() && listener_hung_up(listener_)) {
      publish_counts();
      on_end_(this);
      return;
    }
  }
}

void ContainerServer::serve_call(const seccomp_notif& call) {
  if (!handler_) {
    ++untuned_counts_.notifications;
    answer_continue(listener_, call.id);
    return;
  }
  if (handler_->handle(listener_, call) == Outcome::refused) {
    // The supervisor stops its program here; a container is not ours to
    // stop: the call runs unconfigured, said once.
    if (!refusal_reported_) {
      std::fprintf(stderr, "sockshim agent: container %s: %s; its sockets go unconfigured\n", state_.id.c_str(),
                   describe_copy_refusal(handler_->refusal_pid(), handler_->refusal_error()).c_str());
      refusal_reported_ = true;
    }
    answer_continue(listener_, call.id);
  }
}

}  // namespace sockshim::supervisor
