// SPDX-License-Identifier: Apache-2.0
#include "inspect/sock_diag.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sockshim {
namespace {

constexpr int kTcpListen = 10;     // TCP_LISTEN in the kernel's state numbering
constexpr int kKeepaliveTimer = 2;  // idiag_timer: the keepalive timer is pending

void describe(const inet_diag_msg& message, int length, int protocol, InspectedSocket* socket) {
  const int family = message.idiag_family;
  socket->ipv6 = family == AF_INET6;
  socket->udp = protocol == IPPROTO_UDP;
  socket->local = format_ip_endpoint(family, message.id.idiag_src, message.id.idiag_sport);
  if (message.id.idiag_dport != 0) {
    socket->remote = format_ip_endpoint(family, message.id.idiag_dst, message.id.idiag_dport);
  }
  socket->listening = !socket->udp && message.idiag_state == kTcpListen;
  if (message.idiag_timer == kKeepaliveTimer) socket->keepalive = 1;
  for (const rtattr* attribute = reinterpret_cast<const rtattr*>(&message + 1); RTA_OK(attribute, length);
       attribute = RTA_NEXT(attribute, length)) {
    if (attribute->rta_type != INET_DIAG_SKMEMINFO) continue;
    const auto* memory = static_cast<const uint32_t*>(RTA_DATA(attribute));
    if (RTA_PAYLOAD(attribute) >= sizeof(uint32_t) * SK_MEMINFO_VARS) {
      socket->receive_buffer = static_cast<int>(memory[SK_MEMINFO_RCVBUF]);
      socket->send_buffer = static_cast<int>(memory[SK_MEMINFO_SNDBUF]);
    }
  }
  socket->from_sock_diag = true;
}

bool dump(int netlink, int family, int protocol, std::map<ino_t, InspectedSocket>* sockets,
          std::string* error) {
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } query{};
  query.header.nlmsg_len = sizeof query;
  query.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  query.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  query.request.sdiag_family = static_cast<uint8_t>(family);
  query.request.sdiag_protocol = static_cast<uint8_t>(protocol);
  query.request.idiag_states = ~0U;
  query.request.idiag_ext = 1 << (INET_DIAG_SKMEMINFO - 1);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(netlink, &query, sizeof query, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
    *error = std::string("sock_diag request: ") + std::strerror(errno);
    return false;
  }
  alignas(nlmsghdr) char buffer[32768];
  for (;;) {
    ssize_t received = recv(netlink, buffer, sizeof buffer, 0);
    if (received < 0 && errno == EINTR) continue;
    if (received <= 0) {
      *error = std::string("sock_diag reply: ") + std::strerror(errno);
      return false;
    }
    for (auto* header = reinterpret_cast<nlmsghdr*>(buffer); NLMSG_OK(header, received);
         header = NLMSG_NEXT(header, received)) {
      if (header->nlmsg_type == NLMSG_DONE) return true;
      if (header->nlmsg_type == NLMSG_ERROR) {
        const auto* failure = static_cast<const nlmsgerr*>(NLMSG_DATA(header));
        *error = std::string("sock_diag: ") + std::strerror(-failure->error);
        return false;
      }
      const auto* message = static_cast<const inet_diag_msg*>(NLMSG_DATA(header));
      InspectedSocket socket;
      const int attributes = static_cast<int>(header->nlmsg_len - NLMSG_LENGTH(sizeof *message));
      describe(*message, attributes, protocol, &socket);
      (*sockets)[message->idiag_inode] = socket;
    }
  }
}

}  // namespace

bool sock_diag_sockets(std::map<ino_t, InspectedSocket>* sockets, std::string* error) {
  const int netlink = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (netlink < 0) {
    *error = std::string("netlink socket: ") + std::strerror(errno);
    return false;
  }
  bool ok = true;
  for (int family : {AF_INET, AF_INET6}) {
    for (int protocol : {IPPROTO_TCP, IPPROTO_UDP}) {
      ok = ok && dump(netlink, family, protocol, sockets, error);
    }
  }
  close(netlink);
  return ok;
}

}  // namespace sockshim
