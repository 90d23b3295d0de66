// SPDX-License-Identifier: Apache-2.0
#include "supervisor/event_handler.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "config/decide.h"
#include "config/enforce.h"
#include "engine/socket_facts.h"
#include "supervisor/descriptor_copy.h"
#include "supervisor/listener.h"
#include "supervisor/program_memory.h"

namespace sockshim::supervisor {
namespace {

// The program's short name, as the preload sees it: the last part of argv[0].
std::string program_name(pid_t tid) {
  char path[64], buffer[512];
  std::snprintf(path, sizeof path, "/proc/%d/cmdline", static_cast<int>(tid));
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  const ssize_t length = read(fd, buffer, sizeof buffer - 1);
  close(fd);
  if (length <= 0) return "";
  buffer[length] = '\0';
  const char* slash = std::strrchr(buffer, '/');
  return slash ? slash + 1 : buffer;
}

}  // namespace

EventHandler::EventHandler(const Policy& policy) : policy_(policy) {
  for (const Rule& rule : policy_.rules) program_globs_ |= !rule.match.program_glob.empty();
  for (const LevelName& pair : enforceable_options(policy_)) enforced_.emplace_back(pair.level, pair.name);
  if (timing_.enabled()) ops_.time_with(&timing_);
}

TrapList EventHandler::traps() const {
  // Every program's rules: the filter is the same for all of them.
  Policy every_program = policy_;
  for (Rule& rule : every_program.rules) rule.match.program_glob.clear();
  PolicySummary summary;
  summarise(every_program, "", &summary);
  TrapList traps;
  const bool tcp_creation = summary.any_creation_options(false);
  const bool udp_creation = summary.any_creation_options(true);
  traps.connect = summary.connect_rules || tcp_creation || udp_creation;
  traps.listen = summary.listen_rules || tcp_creation;
  traps.bind = udp_creation || (summary.udp_rules && summary.listen_rules);
  traps.accept = false;  // accept rules are refused before the program starts
  for (const OptionKey& key : enforced_) traps.setsockopt.push_back(key);
  return traps;
}

bool EventHandler::enforced(int level, int name) const {
  for (const OptionKey& key : enforced_) {
    if (key.first == level && key.second == name) return true;
  }
  return false;
}

const EventHandler::Plan& EventHandler::plan_for(pid_t tid) {
  // Without program globs every process has the same plan.
  const std::string name = program_globs_ ? program_name(tid) : std::string();
  auto found = plans_.find(name);
  if (found != plans_.end()) return found->second;
  Plan& plan = plans_[name];
  plan.policy = CompiledPolicy(program_globs_ ? for_program(policy_, name.c_str()) : policy_);
  summarise(plan.policy.policy(), name.c_str(), &plan.summary);
  plan.first_reads = {{SOL_SOCKET, SO_DOMAIN}, {SOL_SOCKET, SO_PROTOCOL}};
  for (const auto& by_family : plan.summary.creation_options) {
    for (const OptionList& options : by_family) {
      for (int i = 0; i < options.size; ++i) {
        const std::pair<int, int> key(options.items[i].level, options.items[i].name);
        if (key.first == SOL_SOCKET && std::find(plan.first_reads.begin(), plan.first_reads.end(), key) ==
                                           plan.first_reads.end()) {
          plan.first_reads.push_back(key);
        }
      }
    }
  }
  return plan;
}

void EventHandler::use_network_namespace_of(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  const int netns = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (netns >= 0) ops_.use_network_namespace(netns);
}

int EventHandler::copy_program_descriptor(pid_t tid, int program_fd, bool* checked_thread) {
  PidfdCache::Pidfd pidfd = pidfds_.open(tid);
  timing_.lap(TrapPart::pidfd);
  int fd = pidfd.fd >= 0 ? copy_descriptor(pidfd.fd, program_fd) : pidfd.fd;
  if (fd == -ESRCH && pidfd.reused) {
    // A cached pidfd of a thread that has gone; |tid| now names another.
    pidfds_.forget(tid);
    pidfd = pidfds_.open(tid);
    fd = pidfd.fd >= 0 ? copy_descriptor(pidfd.fd, program_fd) : pidfd.fd;
  }
  // A cached pidfd that still copies names a live thread that had |tid|
  // before the call was trapped: the caller (ids are unique among live
  // threads). A new one could name whoever got |tid| after the caller ended.
  *checked_thread = pidfd.reused && fd >= 0;
  return fd;
}

bool EventHandler::classify_socket(const Plan& plan, int fd, bool first_call, SocketKind* kind) {
  // At a socket's first trapped call, what the untouched rule will read is
  // read with its family and protocol, at once; a socket seen before needs
  // those two only, cheaper one by one.
  if (first_call) ops_.read_ahead(fd, plan.first_reads);
  return classify(ops_, fd, kind);
}

void EventHandler::count(const EventOutcome& outcome, TrappedSocket* socket) {
  counts_.options_applied += static_cast<uint64_t>(outcome.applied);
  counts_.errors += static_cast<uint64_t>(outcome.refused);
  socket->enforced_here |= outcome.enforced;
}

void EventHandler::first_seen(SocketEngine& engine, bool setsockopt_call, TrappedSocket* socket) {
  // A TCP socket that is already connected or listening at a trapped
  // setsockopt came from accept() (or from before exec): it carries its
  // listener's options.
  if (setsockopt_call && !socket->kind.udp && connected_or_listening(ops_, socket->fd)) {
    socket->enforced_here = engine.inherited_enforcement(socket->fd, socket->kind.ipv6);
    return;
  }
  // What socket() would have set, where the program has not set its own.
  count(engine.created(socket->fd, socket->kind, &fresh_), socket);
}

void EventHandler::on_connect(SocketEngine& engine, const sockaddr_storage& address, socklen_t length,
                              TrappedSocket* socket) {
  count(engine.connecting(socket->fd, reinterpret_cast<const sockaddr*>(&address), length, &socket->kind), socket);
}

void EventHandler::on_listen(SocketEngine& engine, TrappedSocket* socket) {
  count(engine.bound(socket->fd, /*udp=*/false, &socket->kind), socket);
}

void EventHandler::on_bind(SocketEngine& engine, const sockaddr_storage& address, socklen_t length,
                           TrappedSocket* socket) {
  // bind() has not happened yet: its address argument is the local one.
  Endpoint local;
  bool local_ipv6 = false;
  if (!endpoint_from(reinterpret_cast<const sockaddr*>(&address), length, &local, &local_ipv6)) return;
  count(engine.bound(socket->fd, /*udp=*/true, &socket->kind, &local), socket);
}

bool EventHandler::on_setsockopt(int level, int name, const TrappedSocket& socket) const {
  const uint32_t* now = configured_.find(socket.inode);
  return enforced(level, name) && now && keeps_enforced_value(*now, level, name);
}

Outcome EventHandler::handle(int listener, const seccomp_notif& call) {
  ++counts_.notifications;
  const long number = call.data.nr;
  const pid_t tid = static_cast<pid_t>(call.pid);
  const int program_fd = static_cast<int>(call.data.args[0]);
  const Plan& plan = plan_for(tid);

  // 1. The address argument, while the call still waits; only rules that
  // look at addresses need it.
  sockaddr_storage address;
  socklen_t address_length = 0;
  const bool reads_memory = (number == SYS_connect && plan.summary.connect_rules) ||
                            (number == SYS_bind && plan.summary.listen_rules && plan.summary.udp_rules);
  if (reads_memory) {
    const uint64_t length = call.data.args[2] & 0xffffffffu;
    address_length = static_cast<socklen_t>(length < sizeof address ? length : sizeof address);
    if (!read_program_memory(tid, call.data.args[1], &address, address_length)) address_length = 0;
  }
  timing_.lap(TrapPart::argument);
  // 2. The program's descriptor.
  bool checked_thread = false;
  const int fd = copy_program_descriptor(tid, program_fd, &checked_thread);
  timing_.lap(TrapPart::copy);
  // 3. Still the same call (and so the same thread): the memory read and
  // the pidfd are its. A cached pidfd that copied vouches for the thread
  // (the check is skipped); the memory read is only as good as the call
  // it was made for, which a signal may have ended meanwhile.
  if (!checked_thread || reads_memory) {
    if (!notification_still_valid(listener, call.id)) {
      if (fd >= 0) close(fd);
      pidfds_.forget(tid);
      return Outcome::handled;  // gone: a signal interrupted it
    }
    timing_.lap(TrapPart::still_valid);
  }
  if (fd == -EPERM || fd == -EACCES) {
    // Left unanswered: the call must not run unconfigured.
    refusal_error_ = -fd;
    refusal_pid_ = tid;
    ++counts_.errors;
    return Outcome::refused;
  }
  if (fd < 0) {
    answer_continue(listener, call.id);  // EBADF and the like: the kernel says it to the program
    return Outcome::handled;
  }

  // 4. The engine, on our copy.
  const bool setsockopt_call = number == SYS_setsockopt;
  const int level = static_cast<int>(call.data.args[1]);
  const int name = static_cast<int>(call.data.args[2]);
  bool answered = false;
  TrappedSocket socket;
  socket.fd = fd;
  struct stat facts;
  const bool stat_ok = fstat(fd, &facts) == 0;
  // What this socket got at its earlier trapped calls; null at its first.
  const uint32_t* seen = stat_ok ? configured_.find(facts.st_ino) : nullptr;
  if (setsockopt_call && seen && !enforced(level, name)) {
    // The common case once a socket is set up (Go sets its keepalive after
    // every connect and accept): nothing to do.
  } else if (stat_ok && S_ISSOCK(facts.st_mode) && classify_socket(plan, fd, /*first_call=*/!seen, &socket.kind)) {
    socket.inode = facts.st_ino;
    socket.seen = seen;
    timing_.lap(TrapPart::classify);
    timing_.engine_running(true);
    SocketEngine engine(ops_, plan.policy, plan.summary);
    if (!socket.seen) first_seen(engine, setsockopt_call, &socket);
    if (number == SYS_connect) {
      on_connect(engine, address, address_length, &socket);
    } else if (number == SYS_listen && !socket.kind.udp) {
      on_listen(engine, &socket);
    } else if (number == SYS_bind && socket.kind.udp) {
      on_bind(engine, address, address_length, &socket);
    }
    timing_.engine_running(false);
    timing_.lap(TrapPart::engine);
    if (!socket.seen || socket.enforced_here) {
      configured_.record(socket.inode, (socket.seen ? *socket.seen : 0) | socket.enforced_here, tid, program_fd);
    }
    timing_.lap(TrapPart::record);
    // The config's value stands; the program is told it set its own.
    if (setsockopt_call && on_setsockopt(level, name, socket)) answered = answer_result(listener, call.id, 0, 0);
  }
  // 5. Our duplicate goes before the call continues.
  ops_.forget_read_ahead();  // |fd|'s number goes to the next socket
  close(fd);
  timing_.lap(TrapPart::close);
  if (!answered) answer_continue(listener, call.id);
  timing_.lap(TrapPart::answer);
  timing_.counted();
  return Outcome::handled;
}

}  // namespace sockshim::supervisor
