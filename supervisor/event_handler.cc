// SPDX-License-Identifier: Apache-2.0
#include "supervisor/event_handler.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "config/decide.h"
#include "config/enforce.h"
#include "shim/apply.h"
#include "shim/socket_facts.h"
#include "supervisor/descriptor_copy.h"
#include "supervisor/listener.h"
#include "supervisor/program_memory.h"

namespace sockshim::supervisor {
namespace {

// The catalogue options in |options|, as a set like enforced_on()'s.
uint32_t option_bits(const OptionList& options) {
  uint32_t bits = 0;
  for (int i = 0; i < options.size; ++i) {
    if (options.items[i].id != OptionId::count_) bits |= 1u << static_cast<unsigned>(options.items[i].id);
  }
  return bits;
}

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

// The socket's family and protocol as decide() needs them; false for
// anything but TCP and UDP over IPv4/IPv6.
bool classify(int fd, bool* ipv6, bool* udp) {
  int domain = 0;
  socklen_t length = sizeof domain;
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) != 0) return false;
  if (domain != AF_INET && domain != AF_INET6) return false;
  *ipv6 = domain == AF_INET6;
  return tcp_or_udp(fd, udp);
}

bool listening(int fd) {
  int value = 0;
  socklen_t length = sizeof value;
  return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &value, &length) == 0 && value;
}

bool connected(int fd) {
  sockaddr_storage peer;
  socklen_t length = sizeof peer;
  return getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) == 0;
}

}  // namespace

EventHandler::EventHandler(const Policy& policy) : policy_(policy) {
  for (const Rule& rule : policy_.rules) program_globs_ |= !rule.match.program_glob.empty();
  for (const LevelName& pair : enforceable_options(policy_)) enforced_.emplace_back(pair.level, pair.name);
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
  return plan;
}

void EventHandler::use_network_namespace_of(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  const int netns = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (netns >= 0) defaults_.use_network_namespace(netns);
}

void EventHandler::apply(int fd, const OptionList& options, const char* event_name) {
  const int refused = apply_options(fd, options, event_name);
  counts_.options_applied += static_cast<uint64_t>(options.size - refused);
  counts_.errors += static_cast<uint64_t>(refused);
}

Outcome EventHandler::handle(int listener, const seccomp_notif& call) {
  ++counts_.notifications;
  const long number = call.data.nr;
  const pid_t tid = static_cast<pid_t>(call.pid);
  const int program_fd = static_cast<int>(call.data.args[0]);
  const Plan& plan = plan_for(tid);

  // 1. The address argument, while the call still waits.
  sockaddr_storage address;
  socklen_t address_length = 0;
  // Only rules that look at addresses need it.
  if ((number == SYS_connect && plan.summary.connect_rules) ||
      (number == SYS_bind && plan.summary.listen_rules && plan.summary.udp_rules)) {
    const uint64_t length = call.data.args[2] & 0xffffffffu;
    address_length = static_cast<socklen_t>(length < sizeof address ? length : sizeof address);
    if (!read_program_memory(tid, call.data.args[1], &address, address_length)) address_length = 0;
  }
  // 2. Still the same call (and so the same thread): the memory read and
  // the pidfd below are its.
  const int pidfd = pidfds_.open(tid);
  if (!notification_still_valid(listener, call.id)) {
    pidfds_.forget(tid);
    return Outcome::handled;  // gone: a signal interrupted it
  }
  // 3. The program's descriptor.
  int fd = pidfd >= 0 ? copy_descriptor(pidfd, program_fd) : pidfd;
  if (fd == -ESRCH) {
    // A cached pidfd of a thread that has gone; |tid| now names another.
    pidfds_.forget(tid);
    const int fresh = pidfds_.open(tid);
    fd = fresh >= 0 ? copy_descriptor(fresh, program_fd) : fresh;
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

  // 4. The options the preload would set at this event.
  bool ipv6 = false, udp = false;
  struct stat facts;
  bool answered = false;
  const bool stat_ok = fstat(fd, &facts) == 0;
  const bool known_socket = stat_ok && configured_.find(facts.st_ino);
  if (number == SYS_setsockopt && known_socket &&
      !enforced(static_cast<int>(call.data.args[1]), static_cast<int>(call.data.args[2]))) {
    // The common case once a socket is set up (Go sets its keepalive after
    // every connect and accept): nothing to do.
  } else if (stat_ok && S_ISSOCK(facts.st_mode) && classify(fd, &ipv6, &udp)) {
    const uint64_t inode = facts.st_ino;
    const uint32_t* seen = configured_.find(inode);
    uint32_t enforced_here = 0;  // enforced options the supervisor set on this socket
    const SocketSettings& created = plan.summary.at_creation[ipv6][udp];
    const bool trapped_option = number == SYS_setsockopt;
    if (!seen) {
      // The first trapped call on this socket: what socket() would have set.
      // A TCP socket that is already connected or listening came from
      // accept() (or from before exec): it carries its listener's options.
      if (trapped_option && !udp && (connected(fd) || listening(fd))) {
        SocketEvent listen_event;
        listen_event.kind = SocketEventKind::listen;
        listen_event.ipv6 = ipv6;
        listen_event.program = "";
        bool local_ipv6 = false;
        local_endpoint(fd, &listen_event.local, &local_ipv6);
        // Enforced on it: what its listener had enforced and the kernel copied.
        const SocketSettings listener = applicable(plan.policy.decide(listen_event), SocketTarget{ipv6, /*udp=*/false, /*listener=*/true});
        const OptionList copied = options_to_apply(copied_on_accept(listener), SocketSettings(), SocketTarget{ipv6, /*udp=*/false});
        enforced_here = enforced_on(listener, SocketTarget{ipv6, /*udp=*/false}) & option_bits(copied);
      } else {
        const OptionList options =
            untouched_by_program(fd, ipv6, udp, plan.summary.creation_options[ipv6][udp], &defaults_);
        apply(fd, options, "socket");
        enforced_here = plan.summary.creation_enforced[ipv6][udp] & option_bits(options);
      }
    }
    SocketEvent event;
    if (number == SYS_connect && plan.summary.connect_rules) {
      event.kind = SocketEventKind::connect;
      bool remote_ipv6 = false;
      if (endpoint_from(reinterpret_cast<sockaddr*>(&address), address_length, &event.remote, &remote_ipv6)) {
        event.ipv6 = ipv6;
        event.udp = udp;
        if (plan.policy.any_rule_matches(event)) {
          const SocketSettings wanted = plan.policy.decide(event);
          const SocketTarget target{ipv6, udp};
          apply(fd, options_to_apply(wanted, created, target), "connect");
          enforced_here |= enforced_on(wanted, target);
        }
      }
    } else if ((number == SYS_listen && !udp) || (number == SYS_bind && udp)) {
      if (plan.summary.listen_rules) {
        // bind() has not happened yet: its address argument is the local one.
        event.kind = SocketEventKind::listen;
        event.ipv6 = ipv6;
        event.udp = udp;
        bool local_ipv6 = false;
        const bool known = number == SYS_listen
                               ? local_endpoint(fd, &event.local, &local_ipv6)
                               : endpoint_from(reinterpret_cast<sockaddr*>(&address), address_length,
                                               &event.local, &local_ipv6);
        if (known) {
          const SocketSettings wanted = plan.policy.decide(event);
          const SocketTarget target{ipv6, udp, /*listener=*/number == SYS_listen};
          apply(fd, options_to_apply(wanted, created, target), number == SYS_listen ? "listen" : "bind");
          enforced_here |= enforced_on(wanted, target);
        }
      }
    }
    if (!seen || enforced_here) configured_.record(inode, (seen ? *seen : 0) | enforced_here, tid, program_fd);
    if (trapped_option) {
      const int level = static_cast<int>(call.data.args[1]);
      const int name = static_cast<int>(call.data.args[2]);
      const uint32_t bit = enforcement_bit(level, name);
      const uint32_t* now = configured_.find(inode);
      if (enforced(level, name) && bit && now && (*now & bit)) {
        // The config's value stands; the program is told it set its own.
        answered = answer_result(listener, call.id, 0, 0);
      }
    }
  }
  // 5. Our duplicate goes before the call continues.
  close(fd);
  if (!answered) answer_continue(listener, call.id);
  return Outcome::handled;
}

}  // namespace sockshim::supervisor
