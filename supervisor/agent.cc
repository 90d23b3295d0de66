// SPDX-License-Identifier: Apache-2.0
#include "supervisor/agent.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "supervisor/agent_status.h"
#include "supervisor/container_state.h"
#include "supervisor/descriptor_passing.h"
#include "supervisor/event_handler.h"
#include "supervisor/listener.h"
#include "supervisor/listener_holder.h"

namespace sockshim::supervisor {
namespace {

// The state JSON is small; annotations may carry a whole config.
constexpr size_t kMaxStateBytes = 1 << 20;
// A runtime sends its message at once and hangs up; one that does not is
// not waited for longer than this.
constexpr int kRuntimeMessageTimeoutMs = 2000;

void say(const std::string& line) { std::fprintf(stderr, "sockshim agent: %s\n", line.c_str()); }

int listen_at(const std::string& path, int type) {
  sockaddr_un address;
  std::memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  std::memcpy(address.sun_path, path.c_str(), path.size());
  const int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  unlink(path.c_str());  // a socket left by an earlier agent
  // Only root (the runtime, the administrator) may connect.
  const mode_t old_mask = umask(0077);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 && listen(fd, 64) == 0;
  umask(old_mask);
  if (!ok) {
    const int error = errno;
    close(fd);
    errno = error;
    return -1;
  }
  return fd;
}

// Whether a UNIX stream socket at |path| accepts connections.
bool answers(const std::string& path) {
  sockaddr_un address;
  std::memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) return false;
  std::memcpy(address.sun_path, path.c_str(), path.size());
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const bool connected = fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  if (fd >= 0) close(fd);
  return connected;
}

// One container's listener and how it is served.
struct Container {
  int listener = -1;
  ContainerState state;
  ChosenConfig config;
  std::unique_ptr<EventHandler> handler;  // null: untuned, every call continues at once
  HandlerCounts untuned_counts;
  bool refusal_reported = false;

  const HandlerCounts& counts() const { return handler ? handler->counts() : untuned_counts; }
};

class Agent {
 public:
  Agent(const AgentOptions& options, const ContainerConfigs& configs) : options_(options), configs_(configs) {}

  int run() {
    signal(SIGPIPE, SIG_IGN);
    if (!buffers_.allocate()) return fail(std::string("SECCOMP_GET_NOTIF_SIZES: ") + std::strerror(errno));
    // Taking the path over would leave the running agent serving its
    // containers unseen, and new ones split between the two.
    if (answers(options_.status_path)) {
      return fail("another agent answers at " + options_.status_path + "; stop it first (SIGTERM)");
    }
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigprocmask(SIG_BLOCK, &stop, nullptr);
    signals_ = signalfd(-1, &stop, SFD_CLOEXEC);
    if (!options_.holder_path.empty()) {
      std::vector<HeldListener> held;
      std::string error;
      if (!holder_.connect_or_start(options_.holder_path, options_.program, &held, &error)) return fail(error);
      for (const HeldListener& entry : held) adopt(entry.listener, entry.state_json, false);
    }
    runtime_socket_ = listen_at(options_.socket_path, SOCK_STREAM);
    if (runtime_socket_ < 0) return fail(options_.socket_path + ": " + std::strerror(errno));
    status_socket_ = listen_at(options_.status_path, SOCK_STREAM);
    if (status_socket_ < 0) return fail(options_.status_path + ": " + std::strerror(errno));
    say("listening at " + options_.socket_path + (holder_.holder_pid() ? ", listener holder pid " +
                                                                             std::to_string(holder_.holder_pid())
                                                                       : std::string(", no listener holder")));
    serve();
    // The holder keeps each listener; without one, containers' trapped
    // calls fail with ENOSYS from here on.
    for (Container& container : containers_) close(container.listener);
    unlink(options_.socket_path.c_str());
    unlink(options_.status_path.c_str());
    return 0;
  }

 private:
  static int fail(const std::string& message) {
    say(message);
    return 1;
  }

  void serve() {
    for (;;) {
      std::vector<pollfd> watched;
      watched.push_back({signals_, POLLIN, 0});
      watched.push_back({runtime_socket_, POLLIN, 0});
      watched.push_back({status_socket_, POLLIN, 0});
      for (const Container& container : containers_) watched.push_back({container.listener, POLLIN, 0});
      if (poll(watched.data(), watched.size(), -1) < 0) {
        if (errno == EINTR) continue;
        say(std::string("poll: ") + std::strerror(errno));
        return;
      }
      if (watched[0].revents & POLLIN) {
        say("stopping; the listener holder keeps the containers' listeners for the next agent");
        return;
      }
      // Trapped calls first: a container waits in each of them.
      for (size_t i = containers_.size(); i-- > 0;) {
        const short events = watched[3 + i].revents;
        if (events & POLLIN) {
          serve_call(&containers_[i]);
        } else if (events & (POLLHUP | POLLERR)) {
          end(i);
        }
      }
      if (watched[1].revents & POLLIN) accept_runtime();
      if (watched[2].revents & POLLIN) answer_status();
    }
  }

  void serve_call(Container* container) {
    const seccomp_notif* call = receive_notification(container->listener, &buffers_);
    if (!call) return;
    if (!container->handler) {
      ++container->untuned_counts.notifications;
      answer_continue(container->listener, call->id);
      return;
    }
    if (container->handler->handle(container->listener, *call) == Outcome::refused) {
      // The supervisor stops its program here; a container is not ours to
      // stop: the call runs unconfigured, said once.
      if (!container->refusal_reported) {
        say("container " + container->state.id + ": " +
            describe_copy_refusal(container->handler->refusal_pid(), container->handler->refusal_error()) +
            "; its sockets go unconfigured");
        container->refusal_reported = true;
      }
      answer_continue(container->listener, call->id);
    }
  }

  void end(size_t index) {
    Container& container = containers_[index];
    add(&ended_totals_, container.counts());
    ++ended_;
    close(container.listener);
    containers_.erase(containers_.begin() + static_cast<long>(index));
  }

  static void add(HandlerCounts* total, const HandlerCounts& counts) {
    total->notifications += counts.notifications;
    total->options_applied += counts.options_applied;
    total->errors += counts.errors;
  }

  // The runtime's message: the state JSON with the listener attached,
  // possibly followed by more of the JSON, then end of file.
  void accept_runtime() {
    const int connection = accept4(runtime_socket_, nullptr, nullptr, SOCK_CLOEXEC);
    if (connection < 0) return;
    std::string json;
    int listener = -1;
    std::vector<char> buffer(64 * 1024);
    for (;;) {
      pollfd ready = {connection, POLLIN, 0};
      if (poll(&ready, 1, kRuntimeMessageTimeoutMs) <= 0) break;
      const ssize_t got = receive_with_descriptor(connection, buffer.data(), buffer.size(), &listener);
      if (got <= 0) break;
      json.append(buffer.data(), static_cast<size_t>(got));
      if (json.size() > kMaxStateBytes) break;
    }
    close(connection);
    if (listener < 0) {
      say("a runtime connected without sending a seccomp listener; ignored");
      return;
    }
    adopt(listener, json, true);
  }

  void adopt(int listener, const std::string& json, bool give_to_holder) {
    Container container;
    container.listener = listener;
    request_synchronous_wake_up(listener);
    std::string error;
    if (!parse_container_state(json, &container.state, &error)) {
      // Still served: a listener nobody reads leaves the container's calls
      // waiting, and one closed makes them fail.
      container.state.id = "(unknown)";
      container.config.source = "none";
      container.config.error = error;
      say(error + "; serving that container untuned");
    } else {
      container.config = configs_.choose(container.state);
      const std::string who = "container " + container.state.id + " (pid " + std::to_string(container.state.pid) + ")";
      if (!container.config.error.empty()) {
        say(who + ": " + container.config.error + "; the container runs untuned");
      } else {
        say(who + ": " + (give_to_holder ? "serving" : "serving again") + " with " + container.config.source +
            (container.config.policy ? "" : " (untuned)"));
      }
    }
    if (container.config.policy) {
      // Enforcement needs the container's profile to notify those setsockopt
      // calls (examples/seccomp/sockshim-enforce-keepalive.json); the runtime's
      // profile, not the agent, decides which calls arrive here.
      container.handler = std::make_unique<EventHandler>(*container.config.policy);
      container.handler->use_network_namespace_of(container.state.pid);
    }
    if (give_to_holder && !holder_.hold(listener, json) && !options_.holder_path.empty()) {
      say("container " + container.state.id + ": the listener holder is gone; this container's listener now ends "
          "with this agent");
    }
    containers_.push_back(std::move(container));
  }

  AgentStatus status() const {
    AgentStatus status;
    status.agent_pid = getpid();
    status.holder_pid = holder_.holder_pid();
    status.socket_path = options_.socket_path;
    status.ended_containers = ended_;
    status.totals = ended_totals_;
    for (const Container& container : containers_) {
      ServedContainer served;
      served.id = container.state.id;
      served.pid = container.state.pid;
      served.config = container.config.source;
      served.error = container.config.error;
      served.tuned = container.handler != nullptr;
      served.counts = container.counts();
      add(&status.totals, served.counts);
      status.containers.push_back(served);
    }
    return status;
  }

  // The client writes "json" or "text" and a newline; the answer follows,
  // then end of file.
  void answer_status() {
    const int connection = accept4(status_socket_, nullptr, nullptr, SOCK_CLOEXEC);
    if (connection < 0) return;
    char request[16] = {};
    pollfd ready = {connection, POLLIN, 0};
    if (poll(&ready, 1, 1000) > 0) {
      const ssize_t got = read(connection, request, sizeof request - 1);
      const bool json = got >= 4 && std::strncmp(request, "json", 4) == 0;
      const std::string answer = json ? status_json(status()) : status_text(status());
      size_t sent = 0;
      while (sent < answer.size()) {
        const ssize_t wrote = write(connection, answer.data() + sent, answer.size() - sent);
        if (wrote <= 0) break;
        sent += static_cast<size_t>(wrote);
      }
    }
    close(connection);
  }

  const AgentOptions& options_;
  const ContainerConfigs& configs_;
  NotificationBuffers buffers_;
  HolderConnection holder_;
  std::vector<Container> containers_;
  HandlerCounts ended_totals_;
  size_t ended_ = 0;
  int signals_ = -1;
  int runtime_socket_ = -1;
  int status_socket_ = -1;
};

}  // namespace

int run_agent(const AgentOptions& options, const ContainerConfigs& configs) {
  if (const std::string missing = user_notification_unavailable(); !missing.empty()) {
    say(missing);
    return 1;
  }
  Agent agent(options, configs);
  return agent.run();
}

int print_agent_status(const std::string& status_path, bool json) {
  sockaddr_un address;
  std::memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, status_path.c_str(), sizeof address.sun_path - 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    std::fprintf(stderr, "sockshim agent --status: no agent answers at %s: %s\n", status_path.c_str(),
                 std::strerror(errno));
    if (fd >= 0) close(fd);
    return 1;
  }
  const char* request = json ? "json\n" : "text\n";
  if (write(fd, request, std::strlen(request)) < 0) {
    close(fd);
    return 1;
  }
  char buffer[4096];
  ssize_t got;
  while ((got = read(fd, buffer, sizeof buffer)) > 0) std::fwrite(buffer, 1, static_cast<size_t>(got), stdout);
  close(fd);
  return 0;
}

}  // namespace sockshim::supervisor
