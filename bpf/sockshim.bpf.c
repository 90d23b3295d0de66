/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/* The kernel engine's programs. They decide nothing: user space
 * (bpf_engine/) ran the config's decide() for every region of addresses,
 * ports and program names and wrote each region's option list into the
 * maps; here a socket's event finds its region and replays that list with
 * bpf_setsockopt, in the catalogue's order (buffers first: they fix the
 * window scale the SYN offers).
 *
 * UAPI only (no vmlinux.h, no CO-RE): one object loads on every kernel
 * above the floor without BTF at build time. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "map_layout.h"

#define AF_INET 2
#define AF_INET6 10

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct sockshim_engine_state);
} engine_state SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, SOCKSHIM_PORT_ELEMENTS);
  __type(key, __u32);
  __type(value, struct sockshim_port_classes);
} port_classes SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, struct sockshim_program_key);
  __type(value, __u32);
} programs SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, SOCKSHIM_MAX_REGIONS);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct sockshim_region_key);
  __type(value, __u32);
} regions SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, SOCKSHIM_MAX_LISTS);
  __type(key, __u32);
  __type(value, struct sockshim_option_list);
} option_lists SEC(".maps");

/* The option list of (direction, family, protocol, port, address); null
 * when no config is written. |with_program|: the current task is the
 * program (connect, listen), so its name selects the config narrowed to it. */
static __always_inline struct sockshim_option_list *find_list(__u32 direction, int ipv6, int udp, __u32 port,
                                                              const __u32 *address_words, int with_program) {
  __u32 zero = 0;
  struct sockshim_engine_state *state = bpf_map_lookup_elem(&engine_state, &zero);
  if (!state || !state->configured) return 0;
  __u32 generation = state->generation & 1;
  __u32 table = SOCKSHIM_TABLE(direction, ipv6, udp);

  __u32 port_index = sockshim_port_index(generation, table, port & 0xffff);
  __u32 element = port_index / SOCKSHIM_PORTS_PER_ELEMENT;
  struct sockshim_port_classes *classes = bpf_map_lookup_elem(&port_classes, &element);
  if (!classes) return 0;
  __u16 port_class = classes->class_of[port_index % SOCKSHIM_PORTS_PER_ELEMENT];

  __u32 program = 0;
  if (with_program) {
    struct sockshim_program_key name = {.generation = generation};
    if (bpf_get_current_comm(name.comm, sizeof name.comm) == 0) {
      __u32 *index = bpf_map_lookup_elem(&programs, &name);
      if (index) program = *index;
    }
  }

  struct sockshim_region_key key = {};
  key.generation = generation;
  key.table = table;
  key.program = program;
  key.port_class = port_class;
  if (ipv6) {
    __builtin_memcpy(key.address, address_words, 16);
    key.prefixlen = SOCKSHIM_FIXED_KEY_BITS + 128;
  } else {
    __builtin_memcpy(key.address, address_words, 4);
    key.prefixlen = SOCKSHIM_FIXED_KEY_BITS + 32;
  }
  __u32 *list_index = bpf_map_lookup_elem(&regions, &key);
  if (!list_index) return 0;
  return bpf_map_lookup_elem(&option_lists, list_index);
}

/* Sets each option of |list| on the socket of |ctx| (bpf_setsockopt takes
 * sock_ops and sock_addr contexts alike). */
#define REPLAY(ctx, list)                                                                   \
  do {                                                                                      \
    for (__u32 i = 0; i < SOCKSHIM_MAX_OPTIONS; ++i) {                                      \
      if (i >= (list)->count) break;                                                        \
      struct sockshim_planned_option *option = &(list)->items[i];                           \
      __u32 length = option->length;                                                        \
      if (length == 0 || length > sizeof option->value) continue;                           \
      /* 1..16 in a form the verifier can bound */                                          \
      bpf_setsockopt((ctx), option->level, option->name, option->value, ((length - 1) & 15) + 1); \
    }                                                                                       \
  } while (0)

SEC("sockops")
int sockshim_sock_ops(struct bpf_sock_ops *skops) {
  __u32 direction;
  __u32 port;
  int with_program = 1;
  __u32 address[4];
  int ipv6 = skops->family == AF_INET6;
  if (skops->family != AF_INET && !ipv6) return 1;
  switch (skops->op) {
    case BPF_SOCK_OPS_TCP_CONNECT_CB: /* before the SYN */
      direction = SOCKSHIM_CONNECT;
      port = bpf_ntohl(skops->remote_port);
      break;
    case BPF_SOCK_OPS_TCP_LISTEN_CB: /* the kernel copies a listener's options to what it accepts */
      direction = SOCKSHIM_LISTEN;
      port = skops->local_port;
      break;
    case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB: /* softirq: not in the program's context */
      direction = SOCKSHIM_ACCEPT;
      port = skops->local_port;
      with_program = 0;
      break;
    default:
      return 1;
  }
  /* Every address field read unconditionally, then chosen: the verifier
   * refuses a computed offset into the context, which clang makes of
   * conditional reads. */
  __u32 local[4] = {skops->local_ip6[0], skops->local_ip6[1], skops->local_ip6[2], skops->local_ip6[3]};
  __u32 remote[4] = {skops->remote_ip6[0], skops->remote_ip6[1], skops->remote_ip6[2], skops->remote_ip6[3]};
  __u32 local4 = skops->local_ip4;
  __u32 remote4 = skops->remote_ip4;
  const __u32 *chosen = direction == SOCKSHIM_LISTEN ? local : remote;
  if (ipv6) {
    address[0] = chosen[0];
    address[1] = chosen[1];
    address[2] = chosen[2];
    address[3] = chosen[3];
  } else {
    address[0] = direction == SOCKSHIM_LISTEN ? local4 : remote4;
    address[1] = address[2] = address[3] = 0;
  }
  struct sockshim_option_list *list = find_list(direction, ipv6, 0, port, address, with_program);
  if (!list) return 1;
  REPLAY(skops, list);
  return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
