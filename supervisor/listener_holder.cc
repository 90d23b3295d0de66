// SPDX-License-Identifier: Apache-2.0
#include "supervisor/listener_holder.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "supervisor/descriptor_passing.h"

namespace sockshim::supervisor {
namespace {

// Messages (SOCK_SEQPACKET keeps their bounds): 'L' + state JSON with the
// listener attached, both ways; 'E' ends the holder's list on connect.
constexpr char kListenerMessage = 'L';
constexpr char kEndOfList = 'E';
// Room for a runtime's state with large annotations (a whole TOML in one).
constexpr size_t kMaxMessage = 256 * 1024;
// A holder that no agent connected to in this time was started in vain.
constexpr int kFirstAgentWaitMs = 10000;

bool address_for(const std::string& path, sockaddr_un* address) {
  std::memset(address, 0, sizeof *address);
  address->sun_family = AF_UNIX;
  if (path.size() >= sizeof address->sun_path) return false;
  std::memcpy(address->sun_path, path.c_str(), path.size());
  return true;
}

int connect_to(const std::string& path) {
  sockaddr_un address;
  if (!address_for(path, &address)) return -1;
  const int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

long long now_ms() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec * 1000LL + now.tv_nsec / 1000000;
}

// Starts `program --hold path` detached: a new session, no terminal, the
// standard descriptors on /dev/null, and not our child (double fork), so
// that neither a signal to the agent's group nor its exit reaches it.
bool start_holder(const std::string& program, const std::string& path, std::string* error) {
  const pid_t first = fork();
  if (first < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  if (first == 0) {
    setsid();
    if (fork() != 0) _exit(0);
    const int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
      dup2(null, 2);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execl(program.c_str(), program.c_str(), "agent", "--hold", path.c_str(), "--exit-when-idle",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  while (waitpid(first, nullptr, 0) < 0 && errno == EINTR) {
  }
  return true;
}

}  // namespace

int run_listener_holder(const std::string& path, bool exit_when_idle) {
  signal(SIGPIPE, SIG_IGN);
  sockaddr_un address;
  if (!address_for(path, &address)) {
    std::fprintf(stderr, "sockshim agent --hold: %s: path too long for a UNIX socket\n", path.c_str());
    return 1;
  }
  const int server = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  unlink(path.c_str());  // a holder that was here is gone: its listeners went with it
  if (server < 0 || bind(server, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(server, 16) != 0) {
    std::fprintf(stderr, "sockshim agent --hold: %s: %s\n", path.c_str(), std::strerror(errno));
    return 1;
  }
  std::vector<HeldListener> held;
  std::vector<int> agents;
  bool ever_connected = false;
  const long long started = now_ms();
  std::vector<unsigned char> buffer(kMaxMessage);
  for (;;) {
    if (exit_when_idle && agents.empty() && held.empty() &&
        (ever_connected || now_ms() - started > kFirstAgentWaitMs)) {
      break;
    }
    std::vector<pollfd> watched;
    watched.push_back({server, POLLIN, 0});
    for (int agent : agents) watched.push_back({agent, POLLIN, 0});
    // No POLLIN on a listener: a waiting call is the agent's to read. A
    // listener hangs up once the last process under its filter has gone.
    for (const HeldListener& entry : held) watched.push_back({entry.listener, 0, 0});
    if (poll(watched.data(), watched.size(), 1000) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    const size_t first_held = 1 + agents.size();
    for (size_t i = held.size(); i-- > 0;) {
      if (watched[first_held + i].revents & (POLLHUP | POLLERR)) {
        close(held[i].listener);
        held.erase(held.begin() + static_cast<long>(i));
      }
    }
    for (size_t i = agents.size(); i-- > 0;) {
      const short events = watched[1 + i].revents;
      if (!events) continue;
      int listener = -1;
      const ssize_t got = receive_with_descriptor(agents[i], buffer.data(), buffer.size(), &listener);
      if (got > 0 && buffer[0] == kListenerMessage && listener >= 0) {
        held.push_back({listener, std::string(reinterpret_cast<char*>(buffer.data()) + 1, static_cast<size_t>(got - 1))});
        continue;
      }
      if (listener >= 0) close(listener);
      if (got <= 0) {
        close(agents[i]);
        agents.erase(agents.begin() + static_cast<long>(i));
      }
    }
    if (watched[0].revents & POLLIN) {
      const int agent = accept4(server, nullptr, nullptr, SOCK_CLOEXEC);
      if (agent < 0) continue;
      ever_connected = true;
      for (const HeldListener& entry : held) {
        std::string message(1, kListenerMessage);
        message += entry.state_json;
        send_with_descriptor(agent, message.data(), message.size(), entry.listener);
      }
      send_with_descriptor(agent, &kEndOfList, 1, -1);
      agents.push_back(agent);
    }
  }
  // Only when nothing is held: no container loses its listener here.
  unlink(path.c_str());
  return 0;
}

HolderConnection::~HolderConnection() {
  if (fd_ >= 0) close(fd_);
}

bool HolderConnection::connect_or_start(const std::string& path, const std::string& program,
                                        std::vector<HeldListener>* held, std::string* error) {
  // A holder that had nothing left to hold may end just as we connect:
  // then a new one is started.
  for (int attempt = 0; attempt < 3; ++attempt) {
    held->clear();
    if (connect_once(path, program, held, error)) return true;
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  return false;
}

bool HolderConnection::connect_once(const std::string& path, const std::string& program,
                                    std::vector<HeldListener>* held, std::string* error) {
  fd_ = connect_to(path);
  if (fd_ < 0) {
    if (!program.empty() && !start_holder(program, path, error)) return false;
    // Ours, or one started beside us (a container of its own) that may
    // still be coming up.
    for (int attempt = 0; attempt < (program.empty() ? 1000 : 200) && fd_ < 0; ++attempt) {
      usleep(10000);
      fd_ = connect_to(path);
    }
    if (fd_ < 0) {
      *error = "the listener holder did not come up at " + path;
      return false;
    }
  }
  ucred peer;
  socklen_t length = sizeof peer;
  if (getsockopt(fd_, SOL_SOCKET, SO_PEERCRED, &peer, &length) == 0) holder_pid_ = peer.pid;
  std::vector<unsigned char> buffer(kMaxMessage);
  for (;;) {
    int listener = -1;
    const ssize_t got = receive_with_descriptor(fd_, buffer.data(), buffer.size(), &listener);
    if (got <= 0) {
      if (listener >= 0) close(listener);
      for (const HeldListener& entry : *held) close(entry.listener);
      *error = "the listener holder at " + path + " hung up before listing what it holds";
      return false;
    }
    if (buffer[0] == kEndOfList) return true;
    if (buffer[0] == kListenerMessage && listener >= 0) {
      held->push_back({listener, std::string(reinterpret_cast<char*>(buffer.data()) + 1, static_cast<size_t>(got - 1))});
    } else if (listener >= 0) {
      close(listener);
    }
  }
}

bool HolderConnection::hold(int listener, const std::string& state_json) {
  if (fd_ < 0) return false;
  std::string message(1, kListenerMessage);
  message += state_json;
  return send_with_descriptor(fd_, message.data(), message.size(), listener) >= 0;
}

}  // namespace sockshim::supervisor
