// SPDX-License-Identifier: Apache-2.0
#include "bpf_engine/settable_options.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace sockshim::bpf_engine {

bool bpf_can_set(int level, int name) {
  switch (level) {
    case SOL_SOCKET:
      switch (name) {
        case SO_REUSEADDR: case SO_SNDBUF: case SO_RCVBUF: case SO_KEEPALIVE: case SO_PRIORITY:
        case SO_REUSEPORT: case SO_RCVLOWAT: case SO_MARK: case SO_MAX_PACING_RATE:
        case SO_BINDTOIFINDEX: case SO_BINDTODEVICE:
          return true;
        default:
          return false;
      }
    case IPPROTO_TCP:
      switch (name) {
        case TCP_NODELAY: case TCP_MAXSEG: case TCP_KEEPIDLE: case TCP_KEEPINTVL: case TCP_KEEPCNT:
        case TCP_SYNCNT: case TCP_WINDOW_CLAMP: case TCP_THIN_LINEAR_TIMEOUTS: case TCP_USER_TIMEOUT:
        case TCP_NOTSENT_LOWAT: case TCP_SAVE_SYN: case TCP_CONGESTION:
          return true;
        default:
          return false;
      }
    case IPPROTO_IP:
      return name == IP_TOS;
    case IPPROTO_IPV6:
      return name == IPV6_TCLASS || name == IPV6_AUTOFLOWLABEL;
    default:
      return false;
  }
}

bool bpf_can_set(const CatalogueEntry& entry) {
  return bpf_can_set(entry.ipv4.level, entry.ipv4.name) && bpf_can_set(entry.ipv6.level, entry.ipv6.name);
}

}  // namespace sockshim::bpf_engine
