// SPDX-License-Identifier: Apache-2.0
/* Every socket option sockprobe reads back, by the label it prints. Shared
 * with tests/unit/catalogue_test.cc, which checks that each entry of the
 * option catalogue has a read-back here (same level and name). */
#ifndef SOCKSHIM_PROBE_OPTIONS_H
#define SOCKSHIM_PROBE_OPTIONS_H

#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

enum probe_kind {
  PROBE_INT,     /* an int */
  PROBE_LINGER,  /* struct linger: -1 off, else the seconds */
  PROBE_TEXT,    /* a name (TCP_CONGESTION) */
};

struct probe_option {
  const char* label;
  int level;
  int name;
  enum probe_kind kind;
};

static const struct probe_option kProbeOptions[] = {
    {"keepalive", SOL_SOCKET, SO_KEEPALIVE, PROBE_INT},
    {"idle", IPPROTO_TCP, TCP_KEEPIDLE, PROBE_INT},
    {"interval", IPPROTO_TCP, TCP_KEEPINTVL, PROBE_INT},
    {"count", IPPROTO_TCP, TCP_KEEPCNT, PROBE_INT},
    {"rcvbuf", SOL_SOCKET, SO_RCVBUF, PROBE_INT},
    {"sndbuf", SOL_SOCKET, SO_SNDBUF, PROBE_INT},
    {"user_timeout", IPPROTO_TCP, TCP_USER_TIMEOUT, PROBE_INT},
    {"nodelay", IPPROTO_TCP, TCP_NODELAY, PROBE_INT},
    {"tos", IPPROTO_IP, IP_TOS, PROBE_INT},
    {"tclass", IPPROTO_IPV6, IPV6_TCLASS, PROBE_INT},
    {"priority", SOL_SOCKET, SO_PRIORITY, PROBE_INT},
    {"mark", SOL_SOCKET, SO_MARK, PROBE_INT},
    {"congestion", IPPROTO_TCP, TCP_CONGESTION, PROBE_TEXT},
    {"notsent_lowat", IPPROTO_TCP, TCP_NOTSENT_LOWAT, PROBE_INT},
    {"linger", SOL_SOCKET, SO_LINGER, PROBE_LINGER},
    {"maxseg", IPPROTO_TCP, TCP_MAXSEG, PROBE_INT},
    {"syncnt", IPPROTO_TCP, TCP_SYNCNT, PROBE_INT},
    {"window_clamp", IPPROTO_TCP, TCP_WINDOW_CLAMP, PROBE_INT},
    {"defer_accept", IPPROTO_TCP, TCP_DEFER_ACCEPT, PROBE_INT},
    {"fastopen", IPPROTO_TCP, TCP_FASTOPEN, PROBE_INT},
    {"bind_address_no_port", IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, PROBE_INT},
    /* Not in the catalogue: for the tests of raw options. */
    {"ttl", IPPROTO_IP, IP_TTL, PROBE_INT},
};

#endif
