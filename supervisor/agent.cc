// SPDX-License-Identifier: Apache-2.0
#include "supervisor/agent.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "supervisor/agent_status.h"
#include "supervisor/container_server.h"
#include "supervisor/container_state.h"
#include "supervisor/descriptor_passing.h"
#include "supervisor/listener.h"
#include "supervisor/listener_holder.h"

namespace sockshim::supervisor {
namespace {

// The state JSON is small; annotations may carry a whole config.
constexpr size_t kMaxStateBytes = 1 << 20;
// A runtime sends its message at once and hangs up; a connection that has
// not done so this long after it was accepted is closed. Its wait costs no
// other connection or container anything: every one is read as it comes.
constexpr long long kRuntimeMessageTimeoutMs = 2000;
// A `--status` client that has not sent its request and read the answer
// within this is hung up on.
constexpr long long kStatusTimeoutMs = 2000;
// Room in the kernel's queue of each socket for a node starting many
// containers at once: runc's dialer fails a container's start, rather than
// waiting, when the queue is full.
constexpr int kBacklog = 1024;
// Connections read at once; past this, new ones wait in the kernel's queue.
constexpr size_t kMaxRuntimeConnections = 1024;
constexpr size_t kMaxStatusConnections = 64;
// After running out of descriptors, accepting is paused for this long
// instead of spinning on a socket that stays readable.
constexpr long long kAcceptPauseMs = 100;

void say(const std::string& line) { std::fprintf(stderr, "sockshim agent: %s\n", line.c_str()); }

long long now_ms() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec * 1000LL + now.tv_nsec / 1000000;
}

int listen_at(const std::string& path) {
  sockaddr_un address;
  std::memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  std::memcpy(address.sun_path, path.c_str(), path.size());
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  unlink(path.c_str());  // a socket left by an earlier agent
  // Only root (the runtime, the administrator) may connect.
  const mode_t old_mask = umask(0077);
  const bool ok =
      bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 && listen(fd, kBacklog) == 0;
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

// Each container holds a listener, a pidfd or two and its network
// namespace open here: the soft limit (often 1,024) would stop a busy node.
void raise_descriptor_limit() {
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// A runtime's connection while its message comes in: the state JSON with
// the listener attached, possibly followed by more of the JSON, then end
// of file.
struct RuntimeConnection {
  int fd = -1;
  long long deadline_ms = 0;
  std::string json;
  int listener = -1;
};

// A `--status` client: "json" or "text" and a newline, then the answer
// and end of file.
struct StatusConnection {
  int fd = -1;
  long long deadline_ms = 0;
  std::string request;
  std::string answer;
  size_t sent = 0;
  bool answering = false;
};

class Agent {
 public:
  Agent(const AgentOptions& options, const ContainerConfigs& configs) : options_(options), configs_(configs) {}

  int run() {
    signal(SIGPIPE, SIG_IGN);
    raise_descriptor_limit();
    if (!sizes_.allocate()) return fail(std::string("SECCOMP_GET_NOTIF_SIZES: ") + std::strerror(errno));
    // Taking the path over would leave the running agent serving its
    // containers unseen, and new ones split between the two.
    if (answers(options_.status_path)) {
      return fail("another agent answers at " + options_.status_path + "; stop it first (SIGTERM)");
    }
    // Blocked before any container's thread starts, so that only the
    // signalfd sees them.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigprocmask(SIG_BLOCK, &stop, nullptr);
    signals_ = signalfd(-1, &stop, SFD_CLOEXEC);
    stopping_ = eventfd(0, EFD_CLOEXEC);
    ended_signal_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (signals_ < 0 || stopping_ < 0 || ended_signal_ < 0) return fail(std::string("signalfd, eventfd: ") + std::strerror(errno));
    if (!options_.holder_path.empty()) {
      std::vector<HeldListener> held;
      std::string error;
      if (!holder_.connect_or_start(options_.holder_path, options_.program, &held, &error)) return fail(error);
      for (const HeldListener& entry : held) adopt(entry.listener, entry.state_json, false);
    }
    runtime_socket_ = listen_at(options_.socket_path);
    if (runtime_socket_ < 0) return fail(options_.socket_path + ": " + std::strerror(errno));
    status_socket_ = listen_at(options_.status_path);
    if (status_socket_ < 0) return fail(options_.status_path + ": " + std::strerror(errno));
    say("listening at " + options_.socket_path + (holder_.holder_pid() ? ", listener holder pid " +
                                                                             std::to_string(holder_.holder_pid())
                                                                       : std::string(", no listener holder")));
    serve();
    stop_containers();
    for (RuntimeConnection& connection : runtime_connections_) {
      close(connection.fd);
      if (connection.listener >= 0) close(connection.listener);
    }
    for (StatusConnection& connection : status_connections_) close(connection.fd);
    unlink(options_.socket_path.c_str());
    unlink(options_.status_path.c_str());
    return 0;
  }

 private:
  static int fail(const std::string& message) {
    say(message);
    return 1;
  }

  // The agent's own sockets, never a container's calls: each container has
  // a thread of its own (ContainerServer), and nothing here waits on one
  // peer: every socket is non-blocking, every connection has a deadline.
  void serve() {
    for (;;) {
      reap_ended_containers();
      const long long now = now_ms();
      const bool may_accept = now >= accept_paused_until_ms_;
      std::vector<pollfd> watched;
      watched.push_back({signals_, POLLIN, 0});
      watched.push_back({ended_signal_, POLLIN, 0});
      const bool take_runtime = may_accept && runtime_connections_.size() < kMaxRuntimeConnections;
      const bool take_status = may_accept && status_connections_.size() < kMaxStatusConnections;
      watched.push_back({runtime_socket_, static_cast<short>(take_runtime ? POLLIN : 0), 0});
      watched.push_back({status_socket_, static_cast<short>(take_status ? POLLIN : 0), 0});
      long long next_deadline = may_accept ? -1 : accept_paused_until_ms_;
      for (const RuntimeConnection& connection : runtime_connections_) {
        watched.push_back({connection.fd, POLLIN, 0});
        if (next_deadline < 0 || connection.deadline_ms < next_deadline) next_deadline = connection.deadline_ms;
      }
      for (const StatusConnection& connection : status_connections_) {
        watched.push_back({connection.fd, static_cast<short>(connection.answering ? POLLOUT : POLLIN), 0});
        if (next_deadline < 0 || connection.deadline_ms < next_deadline) next_deadline = connection.deadline_ms;
      }
      const int timeout = next_deadline < 0 ? -1 : static_cast<int>(std::max(0LL, next_deadline - now));
      if (poll(watched.data(), watched.size(), timeout) < 0) {
        if (errno == EINTR) continue;
        say(std::string("poll: ") + std::strerror(errno));
        return;
      }
      if (watched[0].revents & POLLIN) {
        say("stopping; the listener holder keeps the containers' listeners for the next agent");
        return;
      }
      if (watched[1].revents & POLLIN) {
        uint64_t count;
        if (read(ended_signal_, &count, sizeof count) < 0) {
          // Nothing to do: the eventfd was read already.
        }
      }
      const size_t first_runtime = 4;
      const size_t first_status = first_runtime + runtime_connections_.size();
      // Backwards: finished connections are erased as they are met.
      for (size_t i = status_connections_.size(); i-- > 0;) {
        if (!progress_status(&status_connections_[i], watched[first_status + i].revents)) {
          close(status_connections_[i].fd);
          status_connections_.erase(status_connections_.begin() + static_cast<long>(i));
        }
      }
      for (size_t i = runtime_connections_.size(); i-- > 0;) {
        if (!progress_runtime(&runtime_connections_[i], watched[first_runtime + i].revents)) {
          finish_runtime(&runtime_connections_[i]);
          runtime_connections_.erase(runtime_connections_.begin() + static_cast<long>(i));
        }
      }
      if (watched[2].revents & POLLIN) accept_runtime();
      if (watched[3].revents & POLLIN) accept_status();
    }
  }

  // An accept error that will not pass by itself (out of descriptors or
  // memory) pauses accepting for a moment, said once.
  bool accept_failed(const char* what) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
      if (!accept_failure_reported_) {
        say(std::string("accepting at ") + what + ": " + std::strerror(errno) + "; pausing new connections briefly");
        accept_failure_reported_ = true;
      }
      accept_paused_until_ms_ = now_ms() + kAcceptPauseMs;
      return true;
    }
    return false;  // the connection went away before it was accepted: go on
  }

  void accept_runtime() {
    while (runtime_connections_.size() < kMaxRuntimeConnections) {
      const int fd = accept4(runtime_socket_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) {
        if (accept_failed(options_.socket_path.c_str())) return;
        continue;
      }
      RuntimeConnection connection;
      connection.fd = fd;
      connection.deadline_ms = now_ms() + kRuntimeMessageTimeoutMs;
      runtime_connections_.push_back(std::move(connection));
      // What already came is read at once: runc sends and hangs up before
      // the agent gets to it.
      if (!progress_runtime(&runtime_connections_.back(), POLLIN)) {
        finish_runtime(&runtime_connections_.back());
        runtime_connections_.pop_back();
      }
    }
  }

  void accept_status() {
    while (status_connections_.size() < kMaxStatusConnections) {
      const int fd = accept4(status_socket_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) {
        if (accept_failed(options_.status_path.c_str())) return;
        continue;
      }
      StatusConnection connection;
      connection.fd = fd;
      connection.deadline_ms = now_ms() + kStatusTimeoutMs;
      status_connections_.push_back(std::move(connection));
    }
  }

  // Reads what has come on |connection|; false once it is complete (end of
  // file, an error, too much, or its deadline).
  bool progress_runtime(RuntimeConnection* connection, short events) {
    if (events & (POLLIN | POLLHUP | POLLERR)) {
      for (;;) {
        const ssize_t got = receive_with_descriptor(connection->fd, buffer_.data(), buffer_.size(), &connection->listener);
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (got <= 0) return false;
        connection->json.append(buffer_.data(), static_cast<size_t>(got));
        if (connection->json.size() > kMaxStateBytes) return false;
      }
    }
    if (now_ms() >= connection->deadline_ms) {
      if (connection->listener < 0) {
        say("a connection at " + options_.socket_path + " sent no seccomp listener within " +
            std::to_string(kRuntimeMessageTimeoutMs / 1000) + " s; closed");
        connection->json.clear();
        connection->listener = -2;  // said here, not again in finish_runtime()
      }
      return false;
    }
    return true;
  }

  void finish_runtime(RuntimeConnection* connection) {
    close(connection->fd);
    if (connection->listener == -2) return;
    if (connection->listener < 0) {
      say("a runtime connected without sending a seccomp listener; ignored");
      return;
    }
    adopt(connection->listener, connection->json, true);
    connection->listener = -1;
  }

  // False once the status connection is done with (answered, gone, or late).
  bool progress_status(StatusConnection* connection, short events) {
    if (!connection->answering && (events & (POLLIN | POLLHUP | POLLERR))) {
      char request[16];
      const ssize_t got = read(connection->fd, request, sizeof request);
      if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
      if (got > 0) connection->request.append(request, static_cast<size_t>(got));
      if (got == 0 || connection->request.find('\n') != std::string::npos || connection->request.size() >= 15) {
        const bool json = connection->request.compare(0, 4, "json") == 0;
        const AgentStatus now = status();
        connection->answer = json ? status_json(now) : status_text(now);
        connection->answering = true;
        events |= POLLOUT;
      }
    }
    if (connection->answering && (events & (POLLOUT | POLLHUP | POLLERR))) {
      while (connection->sent < connection->answer.size()) {
        const ssize_t wrote = send(connection->fd, connection->answer.data() + connection->sent,
                                   connection->answer.size() - connection->sent, MSG_NOSIGNAL);
        if (wrote < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (wrote <= 0) return false;
        connection->sent += static_cast<size_t>(wrote);
      }
      if (connection->sent == connection->answer.size()) return false;
    }
    return now_ms() < connection->deadline_ms;
  }

  void adopt(int listener, const std::string& json, bool give_to_holder) {
    ContainerState state;
    ChosenConfig config;
    std::string error;
    const bool parsed = parse_container_state(json, &state, &error);
    const std::string who =
        parsed ? "container " + state.id + " (pid " + std::to_string(state.pid) + ")" : std::string("a runtime");
    if (const std::string what = not_a_seccomp_listener(listener); !what.empty()) {
      // Serving it would show a container that does not exist, and a
      // thread would wait on it for ever.
      say(who + " sent a descriptor that is not a seccomp listener (" + what + "); refused");
      close(listener);
      return;
    }
    if (!parsed) {
      // Still served: a listener nobody reads leaves the container's calls
      // waiting, and one closed makes them fail.
      state.id = "(unknown)";
      config.source = "none";
      config.error = error;
      say(error + "; serving that container untuned");
    } else {
      config = configs_.choose(state);
      if (!config.error.empty()) {
        say(who + ": " + config.error + "; the container runs untuned");
      } else {
        say(who + ": " + (give_to_holder ? "serving" : "serving again") + " with " + config.source +
            (config.policy ? "" : " (untuned)"));
      }
    }
    if (give_to_holder && !holder_.hold(listener, json) && !options_.holder_path.empty()) {
      say("container " + state.id + ": the listener holder is gone; this container's listener now ends "
          "with this agent");
    }
    auto server = std::make_unique<ContainerServer>(listener, std::move(state), std::move(config), sizes_, stopping_,
                                                    [this](ContainerServer* ended) { container_ended(ended); });
    ContainerServer* started = server.get();
    {
      // Listed before its thread runs: it may end at once.
      std::lock_guard<std::mutex> lock(mutex_);
      running_.push_back(std::move(server));
    }
    if (!started->start()) {
      say("container " + started->state().id + ": no thread to serve it: " + std::strerror(errno) +
          "; its trapped calls wait for the next agent");
      std::unique_ptr<ContainerServer> failed;
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto it = running_.begin(); it != running_.end(); ++it) {
        if (it->get() == started) {
          failed = std::move(*it);
          running_.erase(it);
          break;
        }
      }
    }
  }

  // On the ended container's thread: its counts move to the totals of ended
  // containers in the same step as it leaves the running list, so that a
  // status never counts it twice or not at all.
  void container_ended(ContainerServer* server) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto it = running_.begin(); it != running_.end(); ++it) {
        if (it->get() != server) continue;
        add(&ended_totals_, server->counts());
        ++ended_;
        ended_servers_.push_back(std::move(*it));
        running_.erase(it);
        break;
      }
    }
    const uint64_t one = 1;
    if (write(ended_signal_, &one, sizeof one) < 0) {
      // The counter is full of wake-ups already: the main loop reaps anyway.
    }
  }

  // Joins the threads of ended containers (outside the lock: a thread may
  // be waiting for it in container_ended()).
  void reap_ended_containers() {
    std::vector<std::unique_ptr<ContainerServer>> ended;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ended.swap(ended_servers_);
    }
    ended.clear();
  }

  // Every thread stops, and every listener of this agent closes (the holder
  // keeps its own copy; without one, containers' trapped calls fail with
  // ENOSYS from here on).
  void stop_containers() {
    const uint64_t one = 1;
    if (write(stopping_, &one, sizeof one) < 0) say(std::string("eventfd: ") + std::strerror(errno));
    std::vector<std::unique_ptr<ContainerServer>> all;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      all.swap(running_);
      for (auto& server : ended_servers_) all.push_back(std::move(server));
      ended_servers_.clear();
    }
    all.clear();
  }

  static void add(HandlerCounts* total, const HandlerCounts& counts) {
    total->notifications += counts.notifications;
    total->options_applied += counts.options_applied;
    total->errors += counts.errors;
  }

  AgentStatus status() {
    AgentStatus status;
    status.agent_pid = getpid();
    status.holder_pid = holder_.holder_pid();
    status.socket_path = options_.socket_path;
    std::lock_guard<std::mutex> lock(mutex_);
    status.ended_containers = ended_;
    status.totals = ended_totals_;
    for (const auto& server : running_) {
      // Ended, though its thread has not got to it yet: counted as the
      // thread will count it, so that a status asked just after a container
      // ended shows it ended.
      if (server->hung_up()) {
        ++status.ended_containers;
        add(&status.totals, server->counts());
        continue;
      }
      ServedContainer served;
      served.id = server->state().id;
      served.pid = server->state().pid;
      served.config = server->config().source;
      served.error = server->config().error;
      served.tuned = server->tuned();
      served.counts = server->counts();
      add(&status.totals, served.counts);
      status.containers.push_back(served);
    }
    return status;
  }

  const AgentOptions& options_;
  const ContainerConfigs& configs_;
  NotificationBuffers sizes_;  // copied by each container's thread
  HolderConnection holder_;
  std::vector<char> buffer_ = std::vector<char>(64 * 1024);
  std::vector<RuntimeConnection> runtime_connections_;
  std::vector<StatusConnection> status_connections_;
  long long accept_paused_until_ms_ = 0;
  bool accept_failure_reported_ = false;
  int signals_ = -1;
  int stopping_ = -1;      // eventfd: readable once the agent stops, for every container's thread
  int ended_signal_ = -1;  // eventfd: a container ended, its thread is to be joined
  int runtime_socket_ = -1;
  int status_socket_ = -1;

  std::mutex mutex_;  // guards what follows; taken by containers' threads as they end
  std::vector<std::unique_ptr<ContainerServer>> running_;
  std::vector<std::unique_ptr<ContainerServer>> ended_servers_;  // ended, thread not yet joined
  HandlerCounts ended_totals_;
  size_t ended_ = 0;
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
