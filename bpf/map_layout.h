/* SPDX-License-Identifier: Apache-2.0 */
/* The maps the kernel engine shares between user space (bpf_engine/, which
 * writes them) and the BPF programs (bpf/sockshim.bpf.c, which only reads
 * them): their keys and values, in types both compilers see alike. C, so
 * that clang -target bpf and the C++ of bpf_engine/ include the same text. */
#ifndef SOCKSHIM_BPF_MAP_LAYOUT_H
#define SOCKSHIM_BPF_MAP_LAYOUT_H

#include <linux/types.h>

/* Config slots: one engine holds several configs. Slot 0 is the engine's
 * own (`sockshim attach`'s); the others are the configs of cgroups below
 * the engine's, which cgroup_slots maps to them (the node agent's per-pod
 * configs). Every table below is keyed by slot, and each slot has two
 * generations: writing a slot's config fills its generation not in use,
 * then flips that slot's slot_state.generation, so that a socket sees the
 * slot's old config or its new one, never a mix, and the other slots are
 * left alone. */
#define SOCKSHIM_GENERATIONS 2
#define SOCKSHIM_MAX_SLOTS 256

/* A table is one (direction, family, protocol). */
enum sockshim_direction { SOCKSHIM_CONNECT = 0, SOCKSHIM_LISTEN = 1, SOCKSHIM_ACCEPT = 2 };
#define SOCKSHIM_TABLES 12 /* direction * 4 + ipv6 * 2 + udp */
#define SOCKSHIM_TABLE(direction, ipv6, udp) ((direction) * 4 + (ipv6) * 2 + (udp))

/* port_classes: an LPM trie, (slot, generation, table) matched whole, then
 * the port's 16 bits, big-endian. User space writes each class's port
 * ranges as prefixes (a range is at most 30 of them); a port no prefix
 * holds is in class 0. Its size grows with the rules' port ranges, not
 * with the 65536 ports times the slots. */
#define SOCKSHIM_PORT_FIXED_KEY_BITS 32
struct sockshim_port_key {
  __u32 prefixlen;
  __u16 slot;
  __u8 generation;
  __u8 table;
  __u8 port[2]; /* network order: a prefix of the port is a prefix of these bits */
  __u8 zero[2];
};
#define SOCKSHIM_MAX_PORT_PREFIXES 65536

/* programs: (slot, generation, task name: comm, 16 bytes with its NUL) →
 * the index of the config narrowed to it; names no rule gives have index 0. */
struct sockshim_program_key {
  __u16 slot;
  __u16 generation;
  char comm[16];
};
#define SOCKSHIM_MAX_PROGRAM_NAMES 4096

/* regions: an LPM trie. The fixed part (generation, table, program, port
 * class, slot: SOCKSHIM_FIXED_KEY_BITS) is always matched whole, then the
 * address (IPv4 in the first four bytes). */
#define SOCKSHIM_FIXED_KEY_BITS 64
struct sockshim_region_key {
  __u32 prefixlen;
  __u8 generation;
  __u8 table;
  __u8 program;
  __u8 zero;
  __u16 port_class;
  __u16 slot;
  __u8 address[16];
};
#define SOCKSHIM_MAX_REGIONS 262144

/* option_lists: what to set on a socket of a region, in the catalogue's
 * order; a hash by list id (sockshim_list_id), filled as configs need. */
#define SOCKSHIM_MAX_OPTIONS 32
#define SOCKSHIM_OPTION_ENFORCED 1u   /* the program's own setsockopt does not change it */
#define SOCKSHIM_OPTION_AT_SOCKET 2u  /* socket()'s: skipped when the program set it itself */
struct sockshim_planned_option {
  __s32 level;
  __s32 name;
  __u32 length; /* 1..16 bytes of value */
  __u32 flags;  /* SOCKSHIM_OPTION_* */
  __u8 value[16];
};
struct sockshim_option_list {
  __u32 count;
  __u32 zero;
  struct sockshim_planned_option items[SOCKSHIM_MAX_OPTIONS];
};
#define SOCKSHIM_LISTS_PER_GENERATION 1024
#define SOCKSHIM_MAX_LISTS 16384 /* all slots' and generations' together */
static inline __u32 sockshim_list_id(__u32 slot, __u32 generation, __u32 list) {
  return (slot * SOCKSHIM_GENERATIONS + generation) * SOCKSHIM_LISTS_PER_GENERATION + list;
}

/* socket_lists: per slot, generation, program, family and protocol, 1 + the
 * list id socket() gives (its enforced options are enforced from the
 * socket's creation on); absent or 0: none. A hash, filled as configs need. */
#define SOCKSHIM_MAX_PROGRAMS 256
#define SOCKSHIM_SOCKET_LISTS 65536
static inline __u32 sockshim_socket_list_index(__u32 slot, __u32 generation, __u32 program, __u32 ipv6, __u32 udp) {
  return (((slot * SOCKSHIM_GENERATIONS + generation) * SOCKSHIM_MAX_PROGRAMS + program) * 2 + ipv6) * 2 + udp;
}

/* socket_state: per-socket storage (cloned to accepted sockets). What the
 * program set itself (the untouched rule), the lists applied to it, whose
 * enforced options its own setsockopt does not change, and its slot: a
 * listener's is its accepted sockets' (PASSIVE_ESTABLISHED does not run in
 * the program's context, so their own cgroup is not known there). */
#define SOCKSHIM_REMEMBERED_OPTIONS 16
struct sockshim_socket_state {
  __u32 list;           /* 1 + the list id applied at connect/listen/accept; 0: none yet */
  __u32 inherited_list; /* accepted: 1 + its listener's list id */
  __u8 udp_done;        /* UDP: the list was applied once */
  __u8 yielded;         /* a listener of an inner engine's cgroup: its accepted sockets are that engine's */
  __u16 slot;           /* the config slot of the task that made or listened on it */
  __u32 count;          /* used entries of set_by_program */
  struct {
    __s32 level;
    __s32 name;
  } set_by_program[SOCKSHIM_REMEMBERED_OPTIONS];
};

/* slot_state: one element per slot. |flags| say what the slot's config in
 * use can need, and the table shortcuts which lookups its tables can do
 * without, so that the programs skip work it cannot need (all written with
 * |generation|, in the same update). */
#define SOCKSHIM_CONFIG_HAS_PROGRAMS 1u /* a rule matches a program name: look the task's name up */
#define SOCKSHIM_CONFIG_ENFORCES 2u     /* some list enforces an option: remember each socket's lists */
#define SOCKSHIM_CONFIG_UNTOUCHED 4u    /* set nothing: the kernel's defaults (an opted-out pod) */
struct sockshim_slot_state {
  __u32 generation;
  __u32 configured; /* 0: no config (the programs do nothing for this slot) */
  __u32 flags;      /* SOCKSHIM_CONFIG_*, of the config of |generation| */
  /* Bit SOCKSHIM_TABLE(...): the table has a port class other than 0, so
   * the port is looked up in port_classes; clear: every port is class 0. */
  __u32 port_classed_tables;
  /* Per table, 1 + the list id that every region of the table has (any
   * program, port class or address): the socket gets it with no lookup of
   * its name, port or address; 0: the regions differ, look them up. */
  __u32 whole_table_list[SOCKSHIM_TABLES];
};

/* cgroup_slots: cgroup id → slot, for cgroups below the engine's. A task
 * takes the slot of the innermost of its cgroups mapped here; none: slot 0. */
#define SOCKSHIM_MAX_MAPPED_CGROUPS 16384

/* engine_state: one element. */
#define SOCKSHIM_ENGINE_CGROUP_SLOTS 1u /* cgroup_slots has entries: look a task's cgroups up */
#define SOCKSHIM_ENGINE_ENFORCES 2u     /* some slot's config enforces an option */
struct sockshim_engine_state {
  __u64 cgroup_id; /* the cgroup this engine is attached to */
  __u32 level;     /* its depth below the cgroup v2 root (the root: 0) */
  __u32 flags;     /* SOCKSHIM_ENGINE_* */
};

/* inner_engines: the cgroup ids of the other engines attached on this
 * host. A task in a cgroup below one of them between it and this engine's
 * cgroup is that engine's: the innermost config wins. */
#define SOCKSHIM_MAX_ENGINES 1024
#define SOCKSHIM_MAX_NESTING 32

#endif
