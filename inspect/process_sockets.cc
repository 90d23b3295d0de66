// SPDX-License-Identifier: Apache-2.0
#include "inspect/process_sockets.h"

#include <arpa/inet.h>
#include <linux/capability.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>

#include "config/value_kinds.h"
#include "inspect/sock_diag.h"

namespace sockshim {
namespace {

// Not every libc wraps these yet; the system calls are stable.
int open_pidfd(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }
int steal_fd(int pidfd, int fd) { return static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, fd, 0)); }

int option(int fd, int level, int name) {
  int value = -1;
  socklen_t length = sizeof value;
  return getsockopt(fd, level, name, &value, &length) == 0 ? value : -1;
}

std::string format_address(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    const auto* in4 = reinterpret_cast<const sockaddr_in*>(&address);
    return format_ip_endpoint(AF_INET, &in4->sin_addr, in4->sin_port);
  }
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
  return format_ip_endpoint(AF_INET6, &in6->sin6_addr, in6->sin6_port);
}

// One catalogue option as getsockopt reports it; empty when it cannot be read.
std::string read_option(int fd, const CatalogueEntry& entry, bool ipv6) {
  const LevelName where = ipv6 ? entry.ipv6 : entry.ipv4;
  alignas(8) unsigned char bytes[32] = {};
  socklen_t length = report_capacity(entry);
  if (getsockopt(fd, where.level, where.name, bytes, &length) != 0) return "";
  return reported_text(entry, bytes, length);
}

// Fills |socket| from a duplicate of the descriptor; false when it is not an
// IP TCP/UDP socket.
bool describe(int copy, InspectedSocket* socket) {
  const int domain = option(copy, SOL_SOCKET, SO_DOMAIN);
  const int protocol = option(copy, SOL_SOCKET, SO_PROTOCOL);
  if ((domain != AF_INET && domain != AF_INET6) ||
      (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP)) {
    return false;
  }
  socket->ipv6 = domain == AF_INET6;
  socket->udp = protocol == IPPROTO_UDP;
  sockaddr_storage address;
  socklen_t length = sizeof address;
  if (getsockname(copy, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    socket->local = format_address(address);
  }
  length = sizeof address;
  if (getpeername(copy, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    socket->remote = format_address(address);
  }
  socket->listening = option(copy, SOL_SOCKET, SO_ACCEPTCONN) == 1;
  socket->receive_buffer = option(copy, SOL_SOCKET, SO_RCVBUF);
  socket->send_buffer = option(copy, SOL_SOCKET, SO_SNDBUF);
  socket->keepalive = option(copy, SOL_SOCKET, SO_KEEPALIVE);
  if (!socket->udp) {
    socket->keepalive_idle_s = option(copy, IPPROTO_TCP, TCP_KEEPIDLE);
    socket->keepalive_interval_s = option(copy, IPPROTO_TCP, TCP_KEEPINTVL);
    socket->keepalive_count = option(copy, IPPROTO_TCP, TCP_KEEPCNT);
    socket->user_timeout_ms = option(copy, IPPROTO_TCP, TCP_USER_TIMEOUT);
    socket->nodelay = option(copy, IPPROTO_TCP, TCP_NODELAY);
  }
  for (const CatalogueEntry& entry : kCatalogue) {
    if (socket->udp && !entry.udp) continue;
    socket->options[static_cast<int>(entry.id)] = read_option(copy, entry, socket->ipv6);
  }
  return true;
}

// Why /proc/PID/fd (or one of its links) cannot be read, with what it takes.
std::string describe_refused_read(const std::string& path, int error) {
  std::string message = "cannot read " + path + ": " + std::strerror(error);
  if (error == EACCES || error == EPERM) {
    message += "; reading another process's descriptors needs ptrace read rights over it "
               "(PTRACE_MODE_READ: the same user as the process, or CAP_SYS_PTRACE), "
               "with --sock-diag too: run as the process's user or as root";
  }
  return message;
}

// Whether this process has |capability| in its effective set.
bool has_capability(int capability) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) == 0) {
      return (std::strtoull(line.c_str() + 7, nullptr, 16) >> capability) & 1;
    }
  }
  return false;
}

// Why pidfd_getfd(|pid|) was refused with |error|, and what the columns
// that sock_diag cannot give need. A process may always take its own
// descriptors, so a refusal of that is a seccomp filter (or an old kernel).
std::string describe_refused_getfd(pid_t pid, int error) {
  std::string why = "pidfd_getfd(" + std::to_string(pid) + ") was refused (" + std::strerror(error) + "): ";
  const int self = open_pidfd(getpid());
  const int copy = self >= 0 ? steal_fd(self, STDERR_FILENO) : -1;
  const int self_error = errno;
  if (copy >= 0) close(copy);
  if (self >= 0) close(self);
  if (copy < 0 && (self_error == ENOSYS || self_error == EPERM || self_error == EACCES)) {
    why += self_error == ENOSYS && self >= 0
               ? "this kernel or a seccomp filter on sockshim lacks pidfd_getfd (Linux 5.6)"
               : "a seccomp filter on sockshim refuses pidfd_getfd even on itself (a container runtime's "
                 "default profile, such as containerd's RuntimeDefault, allows it only with CAP_SYS_PTRACE)";
    why += has_capability(CAP_SYS_PTRACE) ? "" : "; sockshim has no CAP_SYS_PTRACE";
  } else {
    why += "it needs ptrace attach rights over the process (PTRACE_MODE_ATTACH: the same user and "
           "kernel.yama.ptrace_scope 0, or CAP_SYS_PTRACE)";
  }
  return why + ". Showing what sock_diag gives instead; \"?\" marks what it cannot.";
}

// The socket descriptors of |pid| and their inodes, from /proc/PID/fd.
bool socket_descriptors(pid_t pid, std::vector<std::pair<int, ino_t>>* found, std::string* error) {
  const std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* dir = opendir(fd_dir.c_str());
  if (!dir) {
    *error = errno == ENOENT ? "no process " + std::to_string(pid) : describe_refused_read(fd_dir, errno);
    return false;
  }
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    char target[64] = "";
    const std::string link = fd_dir + "/" + entry->d_name;
    const ssize_t n = readlink(link.c_str(), target, sizeof target - 1);
    // The directory may be listed (CAP_DAC_OVERRIDE) while its links are
    // refused: an empty table would be a lie.
    if (n < 0 && (errno == EACCES || errno == EPERM)) {
      *error = describe_refused_read(link, errno);
      closedir(dir);
      return false;
    }
    if (n <= 0 || std::strncmp(target, "socket:[", 8) != 0) continue;
    found->emplace_back(std::atoi(entry->d_name), static_cast<ino_t>(std::strtoull(target + 8, nullptr, 10)));
  }
  closedir(dir);
  std::sort(found->begin(), found->end());
  return true;
}

// Reads each socket through a duplicate from pidfd_getfd; false (and errno
// set) when the process may not be read that way.
bool read_through_pidfd(pid_t pid, const std::vector<std::pair<int, ino_t>>& descriptors,
                        std::vector<InspectedSocket>* sockets) {
  const int pidfd = open_pidfd(pid);
  if (pidfd < 0) return false;
  for (const auto& [fd, inode] : descriptors) {
    InspectedSocket socket;
    socket.fd = fd;
    const int copy = steal_fd(pidfd, fd);
    if (copy < 0) {
      if (errno == EBADF) continue;  // closed since /proc was read
      const int error = errno;
      close(pidfd);
      errno = error;
      return false;
    }
    if (describe(copy, &socket)) sockets->push_back(socket);
    close(copy);
  }
  close(pidfd);
  return true;
}

bool read_through_sock_diag(const std::vector<std::pair<int, ino_t>>& descriptors,
                            std::vector<InspectedSocket>* sockets, std::string* error) {
  std::map<ino_t, InspectedSocket> by_inode;
  if (!sock_diag_sockets(&by_inode, error)) return false;
  for (const auto& [fd, inode] : descriptors) {
    const auto found = by_inode.find(inode);
    if (found == by_inode.end()) continue;  // not TCP/UDP over IP
    sockets->push_back(found->second);
    sockets->back().fd = fd;
  }
  return true;
}

}  // namespace

std::string format_ip_endpoint(int family, const void* address, uint16_t network_port) {
  char text[INET6_ADDRSTRLEN] = "";
  inet_ntop(family, address, text, sizeof text);
  const std::string host = family == AF_INET6 ? "[" + std::string(text) + "]" : text;
  return host + ":" + std::to_string(ntohs(network_port));
}

bool inspect_process_sockets(pid_t pid, std::vector<InspectedSocket>* sockets, std::string* error,
                             InspectMethod method, std::string* fallback_reason) {
  std::vector<std::pair<int, ino_t>> descriptors;
  if (!socket_descriptors(pid, &descriptors, error)) return false;
  if (method == InspectMethod::automatic) {
    std::vector<InspectedSocket> read;
    if (read_through_pidfd(pid, descriptors, &read)) {
      *sockets = std::move(read);
      return true;
    }
    // EPERM (no ptrace rights) or ENOSYS (kernel before 5.6, or a seccomp
    // filter): what sock_diag shows is still worth having.
    if (errno != EPERM && errno != ENOSYS && errno != EACCES) {
      *error = "pidfd_getfd(" + std::to_string(pid) + "): " + std::strerror(errno);
      return false;
    }
    if (fallback_reason) *fallback_reason = describe_refused_getfd(pid, errno);
  }
  return read_through_sock_diag(descriptors, sockets, error);
}

}  // namespace sockshim
