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
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct sockshim_engine_state);
} engine_state SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, SOCKSHIM_MAX_SLOTS);
  __type(key, __u32);
  __type(value, struct sockshim_slot_state);
} slot_state SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, SOCKSHIM_MAX_MAPPED_CGROUPS);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, __u64);
  __type(value, __u32);
} cgroup_slots SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, SOCKSHIM_MAX_PORT_PREFIXES);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct sockshim_port_key);
  __type(value, __u32);
} port_classes SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, SOCKSHIM_MAX_PROGRAM_NAMES);
  __uint(map_flags, BPF_F_NO_PREALLOC);
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
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, SOCKSHIM_MAX_LISTS);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, __u32);
  __type(value, struct sockshim_option_list);
} option_lists SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, SOCKSHIM_SOCKET_LISTS);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, __u32);
  __type(value, __u32);
} socket_lists SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_SK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
  __type(key, int);
  __type(value, struct sockshim_socket_state);
} socket_state SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, SOCKSHIM_MAX_ENGINES);
  __type(key, __u64);
  __type(value, __u32);
} inner_engines SEC(".maps");

#define INNER_ENGINE_OWNS_TASK -1

/* The config slot of the current task: that of the innermost of its
 * cgroups below this engine's that cgroup_slots maps (none: slot 0), or
 * INNER_ENGINE_OWNS_TASK when its cgroup is below another engine attached
 * between it and this engine: that engine alone tunes its sockets. Only
 * in process context (not at PASSIVE_ESTABLISHED). The cgroup_slots
 * lookups are made only when the map has entries. */
static __always_inline int task_slot(const struct sockshim_engine_state *engine) {
  const int mapped = (engine->flags & SOCKSHIM_ENGINE_CGROUP_SLOTS) != 0;
  int slot = 0;
  for (__u32 i = 1; i <= SOCKSHIM_MAX_NESTING; ++i) {
    __u64 id = bpf_get_current_ancestor_cgroup_id(engine->level + i);
    if (id == 0) break;
    if (bpf_map_lookup_elem(&inner_engines, &id)) return INNER_ENGINE_OWNS_TASK;
    if (mapped) {
      __u32 *found = bpf_map_lookup_elem(&cgroup_slots, &id);
      if (found) slot = *found & (SOCKSHIM_MAX_SLOTS - 1);
    }
  }
  return slot;
}

static __always_inline struct sockshim_engine_state *engine(void) {
  __u32 zero = 0;
  return bpf_map_lookup_elem(&engine_state, &zero);
}

/* The state of |slot| when it holds a config that sets something (not an
 * untouched one). */
static __always_inline struct sockshim_slot_state *tuning_slot(__u32 slot) {
  struct sockshim_slot_state *config = bpf_map_lookup_elem(&slot_state, &slot);
  return config && config->configured && !(config->flags & SOCKSHIM_CONFIG_UNTOUCHED) ? config : 0;
}

/* The current task's config (tuning_slot) and, in |slot|, its slot; none
 * when the task is an inner engine's. Only in process context. */
static __always_inline struct sockshim_slot_state *task_config(const struct sockshim_engine_state *state,
                                                               __u32 *slot) {
  const int found = task_slot(state);
  if (found == INNER_ENGINE_OWNS_TASK) return 0;
  *slot = (__u32)found & (SOCKSHIM_MAX_SLOTS - 1);
  return tuning_slot(*slot);
}

/* The config index of the current task's name (0: a name no rule gives,
 * or a config whose rules name no program: then its name is not read). */
static __always_inline __u32 current_program(const struct sockshim_slot_state *config, __u32 slot) {
  if (!(config->flags & SOCKSHIM_CONFIG_HAS_PROGRAMS)) return 0;
  struct sockshim_program_key name = {.slot = slot, .generation = config->generation & 1};
  if (bpf_get_current_comm(name.comm, sizeof name.comm) != 0) return 0;
  __u32 *index = bpf_map_lookup_elem(&programs, &name);
  return index ? *index : 0;
}

/* The list that every socket of |table| gets in |config|, whatever its
 * program, port or address (whole_table_list), with its id in |found_id|;
 * none when the table's regions differ: they are looked up. A config of
 * top-level options alone takes this in every table. */
static __always_inline struct sockshim_option_list *whole_table_list(const struct sockshim_slot_state *config,
                                                                     __u32 table, __u32 *found_id) {
  if (table >= SOCKSHIM_TABLES) return 0;
  const __u32 whole = config->whole_table_list[table];
  if (whole == 0) return 0;
  *found_id = whole - 1;
  return bpf_map_lookup_elem(&option_lists, found_id);
}

/* The option list of the region of (port, address) in |table| of the
 * config of |slot|, with its id in |found_id|. |with_program|: the current
 * task is the program (connect, listen), so its name selects the config
 * narrowed to it. */
static __always_inline struct sockshim_option_list *region_list(const struct sockshim_slot_state *config, __u32 slot,
                                                                __u32 table, int ipv6, __u32 port,
                                                                const __u32 *address_words, int with_program,
                                                                __u32 *found_id) {
  if (table >= SOCKSHIM_TABLES) return 0;
  __u32 generation = config->generation & 1;

  __u16 port_class = 0;
  if (config->port_classed_tables & (1u << table)) {
    struct sockshim_port_key port_key = {};
    port_key.prefixlen = SOCKSHIM_PORT_FIXED_KEY_BITS + 16;
    port_key.slot = slot;
    port_key.generation = generation;
    port_key.table = table;
    port_key.port[0] = (port >> 8) & 0xff;
    port_key.port[1] = port & 0xff;
    __u32 *class_found = bpf_map_lookup_elem(&port_classes, &port_key);
    if (class_found) port_class = *class_found;
  }

  __u32 program = with_program ? current_program(config, slot) : 0;

  struct sockshim_region_key key = {};
  key.generation = generation;
  key.table = table;
  key.program = program;
  key.port_class = port_class;
  key.slot = slot;
  if (ipv6) {
    __builtin_memcpy(key.address, address_words, 16);
    key.prefixlen = SOCKSHIM_FIXED_KEY_BITS + 128;
  } else {
    __builtin_memcpy(key.address, address_words, 4);
    key.prefixlen = SOCKSHIM_FIXED_KEY_BITS + 32;
  }
  __u32 *list_id = bpf_map_lookup_elem(&regions, &key);
  if (!list_id) return 0;
  *found_id = *list_id;
  return bpf_map_lookup_elem(&option_lists, list_id);
}

/* socket()'s list for the current task in |slot|: 1 + its id, 0: none. */
static __always_inline __u32 socket_list(const struct sockshim_slot_state *config, __u32 slot, int ipv6, int udp) {
  __u32 index = sockshim_socket_list_index(slot, config->generation & 1,
                                           current_program(config, slot) & (SOCKSHIM_MAX_PROGRAMS - 1), ipv6, udp);
  __u32 *list = bpf_map_lookup_elem(&socket_lists, &index);
  return list ? *list : 0;
}

/* Whether the program set (level, name) itself. */
static __always_inline int set_by_program(const struct sockshim_socket_state *socket, __s32 level, __s32 name) {
  if (!socket) return 0;
  for (__u32 i = 0; i < SOCKSHIM_REMEMBERED_OPTIONS; ++i) {
    if (i >= socket->count) break;
    if (socket->set_by_program[i].level == level && socket->set_by_program[i].name == name) return 1;
  }
  return 0;
}

/* Whether list |index_plus_one| enforces (level, name). */
static __always_inline int list_enforces(__u32 index_plus_one, __s32 level, __s32 name) {
  if (index_plus_one == 0) return 0;
  __u32 id = index_plus_one - 1;
  struct sockshim_option_list *list = bpf_map_lookup_elem(&option_lists, &id);
  if (!list) return 0;
  for (__u32 i = 0; i < SOCKSHIM_MAX_OPTIONS; ++i) {
    if (i >= list->count) break;
    if (list->items[i].level == level && list->items[i].name == name)
      return (list->items[i].flags & SOCKSHIM_OPTION_ENFORCED) != 0;
  }
  return 0;
}

/* Sets each option of |list| on the socket of |ctx| (bpf_setsockopt takes
 * sock_ops and sock_addr contexts alike), but socket()'s options that the
 * program set itself (|socket|), unless enforced: the untouched rule. */
#define REPLAY(ctx, list, socket)                                                           \
  do {                                                                                      \
    for (__u32 i = 0; i < SOCKSHIM_MAX_OPTIONS; ++i) {                                      \
      if (i >= (list)->count) break;                                                        \
      struct sockshim_planned_option *option = &(list)->items[i];                           \
      __u32 length = option->length;                                                        \
      if (length == 0 || length > sizeof option->value) continue;                           \
      if ((option->flags & (SOCKSHIM_OPTION_AT_SOCKET | SOCKSHIM_OPTION_ENFORCED)) ==       \
              SOCKSHIM_OPTION_AT_SOCKET &&                                                  \
          set_by_program((socket), option->level, option->name))                            \
        continue;                                                                           \
      /* 1..16 in a form the verifier can bound */                                          \
      bpf_setsockopt((ctx), option->level, option->name, option->value, ((length - 1) & 15) + 1); \
    }                                                                                       \
  } while (0)

/* The address of the socket of |skops| that its |direction|'s rules look
 * at: a listener's own, a connecting or accepted socket's peer. */
static __always_inline void sock_ops_address(const struct bpf_sock_ops *skops, __u32 direction, int ipv6,
                                             __u32 *address) {
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
}

SEC("sockops")
int sockshim_sock_ops(struct bpf_sock_ops *skops) {
  __u32 direction;
  __u32 port;
  int with_program = 1;
  /* Most of the calls (RTO, window and ECN queries, established...) are
   * of events without a list: they return before anything else is read. */
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
  int ipv6 = skops->family == AF_INET6;
  if (skops->family != AF_INET && !ipv6) return 1;
  struct sockshim_engine_state *state = engine();
  if (!state) return 1;
  struct bpf_sock *sk = skops->sk;
  if (!sk) return 1;
  /* The socket's storage holds what its program set itself (made by
   * cgroup/setsockopt when it did) and is made here for what only this
   * event knows: an inner engine's listener, a listener's slot other than
   * 0 (its accepted sockets' slot), and, where the config enforces, the
   * lists the socket got. Storage is made, and freed, per socket: a slot 0
   * config without enforce makes none here. */
  struct sockshim_socket_state *socket = bpf_sk_storage_get(&socket_state, sk, 0, 0);
  __u32 slot;
  if (direction == SOCKSHIM_ACCEPT) {
    if (socket && socket->yielded) return 1; /* its listener's engine is an inner one */
    slot = socket ? socket->slot & (SOCKSHIM_MAX_SLOTS - 1) : 0; /* cloned from its listener */
  } else {
    const int found = task_slot(state);
    if (found == INNER_ENGINE_OWNS_TASK) {
      if (!socket) socket = bpf_sk_storage_get(&socket_state, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
      if (socket) socket->yielded = 1;
      return 1;
    }
    slot = (__u32)found & (SOCKSHIM_MAX_SLOTS - 1);
    if (!socket && slot != 0 && direction == SOCKSHIM_LISTEN)
      socket = bpf_sk_storage_get(&socket_state, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
    if (socket) socket->slot = slot;
  }
  struct sockshim_slot_state *config = tuning_slot(slot);
  if (!config) return 1;
  if (!socket && (config->flags & SOCKSHIM_CONFIG_ENFORCES))
    socket = bpf_sk_storage_get(&socket_state, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
  const __u32 table = SOCKSHIM_TABLE(direction, ipv6, 0);
  __u32 list_id = 0;
  struct sockshim_option_list *list = whole_table_list(config, table, &list_id);
  if (!list) {
    __u32 address[4];
    sock_ops_address(skops, direction, ipv6, address);
    list = region_list(config, slot, table, ipv6, port, address, with_program, &list_id);
  }
  if (!list) return 1;
  REPLAY(skops, list, socket);
  if (socket) {
    if (direction == SOCKSHIM_ACCEPT) {
      socket->inherited_list = socket->list; /* cloned from its listener */
      socket->count = 0;                     /* the listener's own calls were not this socket's */
    }
    socket->list = list_id + 1;
  }
  return 1;
}

/* The program's own setsockopt, before the kernel's: remembered (the
 * untouched rule), or, for an option the config enforces on this socket,
 * answered with success and not passed on. */
SEC("cgroup/setsockopt")
int sockshim_setsockopt(struct bpf_sockopt *ctx) {
  struct bpf_sock *sk = ctx->sk;
  /* Over a page the program sees only the first: pass the call on as it is. */
  if (ctx->optlen > 4096) ctx->optlen = 0;
  if (!sk) return 1;
  if (sk->family != AF_INET && sk->family != AF_INET6) return 1;
  if (sk->protocol != IPPROTO_TCP && sk->protocol != IPPROTO_UDP) return 1;
  struct sockshim_engine_state *state = engine();
  if (!state) return 1;
  /* A TCP socket past connect() or listen() has no event ahead whose list
   * its own calls could keep from being replayed (an accepted socket's
   * events are its own): with nothing enforced, there is nothing to do. */
  if (!(state->flags & SOCKSHIM_ENGINE_ENFORCES) && sk->protocol == IPPROTO_TCP && sk->state != BPF_TCP_CLOSE)
    return 1;
  __u32 slot = 0;
  struct sockshim_slot_state *config = task_config(state, &slot);
  if (!config) return 1;
  struct sockshim_socket_state *socket = bpf_sk_storage_get(&socket_state, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
  if (!socket) return 1;
  if (!socket->list) socket->slot = slot;
  __s32 level = ctx->level;
  __s32 name = ctx->optname;
  int enforced;
  /* Nothing to look up where nothing enforces: only remember the call.
   * The socket's lists may be of another slot than the task's (an accepted
   * socket's listener's), so they are looked up when any slot enforces;
   * socket()'s list is the task's slot's, looked up when that slot does. */
  if (!(state->flags & SOCKSHIM_ENGINE_ENFORCES)) {
    enforced = 0;
  } else if (socket->list || socket->inherited_list) {
    enforced = list_enforces(socket->list, level, name) || list_enforces(socket->inherited_list, level, name);
  } else if (config->flags & SOCKSHIM_CONFIG_ENFORCES) {
    enforced = list_enforces(socket_list(config, slot, sk->family == AF_INET6, sk->protocol == IPPROTO_UDP), level,
                             name);
  } else {
    enforced = 0;
  }
  if (enforced) {
    ctx->optlen = -1; /* the kernel's handler is skipped; the call succeeds */
    return 1;
  }
  __u32 count = socket->count;
  if (count < SOCKSHIM_REMEMBERED_OPTIONS && !set_by_program(socket, level, name)) {
    socket->set_by_program[count & (SOCKSHIM_REMEMBERED_OPTIONS - 1)].level = level;
    socket->set_by_program[count & (SOCKSHIM_REMEMBERED_OPTIONS - 1)].name = name;
    socket->count = count + 1;
  }
  return 1;
}

/* UDP: sock_ops sees TCP only. The events of a UDP socket are its bind()
 * (the "listen" direction, on the address asked for), its connect() and,
 * for a socket never bound or connected, its first sendmsg() (socket()'s
 * options, as the preload sets them at socket()). Each event's list is
 * applied once per socket. */
#define UDP_BOUND 1u
#define UDP_CONNECTED 2u
#define UDP_SENT 4u

static __always_inline int udp_event(struct bpf_sock_addr *ctx, __u32 direction, int ipv6, const __u32 *address,
                                     __u32 port) {
  struct bpf_sock *sk = ctx->sk;
  if (!sk) return 1;
  struct sockshim_engine_state *state = engine();
  if (!state) return 1;
  __u32 slot = 0;
  struct sockshim_slot_state *config = task_config(state, &slot);
  if (!config) return 1;
  struct sockshim_socket_state *socket = bpf_sk_storage_get(&socket_state, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
  if (!socket) return 1;
  __u8 done = direction == SOCKSHIM_LISTEN ? UDP_BOUND : UDP_CONNECTED;
  if (socket->udp_done & done) return 1;
  socket->udp_done |= done | UDP_SENT;
  socket->slot = slot;
  const __u32 table = SOCKSHIM_TABLE(direction, ipv6, 1);
  __u32 list_id = 0;
  struct sockshim_option_list *list = whole_table_list(config, table, &list_id);
  if (!list) list = region_list(config, slot, table, ipv6, port, address, 1, &list_id);
  if (!list) return 1;
  REPLAY(ctx, list, socket);
  socket->list = list_id + 1;
  return 1;
}

static __always_inline int udp_first_send(struct bpf_sock_addr *ctx, int ipv6) {
  struct bpf_sock *sk = ctx->sk;
  if (!sk) return 1;
  struct sockshim_socket_state *socket = bpf_sk_storage_get(&socket_state, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
  if (!socket || (socket->udp_done & UDP_SENT)) return 1;
  struct sockshim_engine_state *state = engine();
  if (!state) return 1;
  __u32 slot = 0;
  struct sockshim_slot_state *config = task_config(state, &slot);
  if (!config) return 1;
  socket->udp_done |= UDP_SENT;
  socket->slot = slot;
  __u32 list_plus_one = socket_list(config, slot, ipv6, 1);
  if (list_plus_one == 0) return 1;
  __u32 list_id = list_plus_one - 1;
  struct sockshim_option_list *list = bpf_map_lookup_elem(&option_lists, &list_id);
  if (!list) return 1;
  REPLAY(ctx, list, socket);
  return 1;
}

SEC("cgroup/connect4")
int sockshim_connect4(struct bpf_sock_addr *ctx) {
  if (ctx->protocol != IPPROTO_UDP) return 1;
  __u32 address[4] = {ctx->user_ip4, 0, 0, 0};
  return udp_event(ctx, SOCKSHIM_CONNECT, 0, address, bpf_ntohs((__u16)ctx->user_port));
}

SEC("cgroup/connect6")
int sockshim_connect6(struct bpf_sock_addr *ctx) {
  if (ctx->protocol != IPPROTO_UDP) return 1;
  __u32 address[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3]};
  return udp_event(ctx, SOCKSHIM_CONNECT, 1, address, bpf_ntohs((__u16)ctx->user_port));
}

SEC("cgroup/bind4")
int sockshim_bind4(struct bpf_sock_addr *ctx) {
  if (ctx->protocol != IPPROTO_UDP) return 1;
  __u32 address[4] = {ctx->user_ip4, 0, 0, 0};
  return udp_event(ctx, SOCKSHIM_LISTEN, 0, address, bpf_ntohs((__u16)ctx->user_port));
}

SEC("cgroup/bind6")
int sockshim_bind6(struct bpf_sock_addr *ctx) {
  if (ctx->protocol != IPPROTO_UDP) return 1;
  __u32 address[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3]};
  return udp_event(ctx, SOCKSHIM_LISTEN, 1, address, bpf_ntohs((__u16)ctx->user_port));
}

SEC("cgroup/sendmsg4")
int sockshim_sendmsg4(struct bpf_sock_addr *ctx) { return udp_first_send(ctx, 0); }

SEC("cgroup/sendmsg6")
int sockshim_sendmsg6(struct bpf_sock_addr *ctx) { return udp_first_send(ctx, 1); }

char LICENSE[] SEC("license") = "Dual BSD/GPL";
