/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/* The floor under the kernel engine's rows: the benchmark's ten options as
 * constants, set at the same moments as the engine sets them (before the
 * SYN, and on the listener, whose copy accepted sockets get), in the same
 * order, with no map, no lookup and no state. Beside it, the one hook
 * the engine attaches for that config, doing nothing: cgroup/setsockopt
 * (the program's own calls, for the untouched rule; the kernel runs it at
 * every setsockopt of the cgroup). What the engine costs above these is
 * its own work; below them no implementation of its semantics can go. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define SOL_SOCKET 1
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SOL_TCP 6
#define TCP_NODELAY 1
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6
#define TCP_SYNCNT 7
#define TCP_USER_TIMEOUT 18
#define TCP_NOTSENT_LOWAT 25

static __always_inline void set(struct bpf_sock_ops *skops, int level, int name, int value) {
  bpf_setsockopt(skops, level, name, &value, sizeof value);
}

SEC("sockops")
int floor_sock_ops(struct bpf_sock_ops *skops) {
  if (skops->op != BPF_SOCK_OPS_TCP_CONNECT_CB && skops->op != BPF_SOCK_OPS_TCP_LISTEN_CB) return 1;
  /* bench/run_benchmarks.cc's kTenOptions, in the engine's (catalogue) order */
  set(skops, SOL_SOCKET, SO_RCVBUF, 262144);
  set(skops, SOL_SOCKET, SO_SNDBUF, 262144);
  set(skops, SOL_TCP, TCP_KEEPIDLE, 30);
  set(skops, SOL_TCP, TCP_KEEPINTVL, 10);
  set(skops, SOL_TCP, TCP_KEEPCNT, 3);
  set(skops, SOL_SOCKET, SO_KEEPALIVE, 1);
  set(skops, SOL_TCP, TCP_USER_TIMEOUT, 90000);
  set(skops, SOL_TCP, TCP_NODELAY, 1);
  set(skops, SOL_TCP, TCP_NOTSENT_LOWAT, 131072);
  set(skops, SOL_TCP, TCP_SYNCNT, 3);
  return 1;
}

SEC("cgroup/setsockopt")
int floor_setsockopt(struct bpf_sockopt *ctx) {
  if (ctx->optlen > 4096) ctx->optlen = 0; /* over a page: passed on as it is */
  return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
