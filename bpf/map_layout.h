/* SPDX-License-Identifier: Apache-2.0 */
/* The maps the kernel engine shares between user space (bpf_engine/, which
 * writes them) and the BPF programs (bpf/sockshim.bpf.c, which only reads
 * them): their keys and values, in types both compilers see alike. C, so
 * that clang -target bpf and the C++ of bpf_engine/ include the same text. */
#ifndef SOCKSHIM_BPF_MAP_LAYOUT_H
#define SOCKSHIM_BPF_MAP_LAYOUT_H

#include <linux/types.h>

/* Two generations of every table: attaching again writes the one not in
 * use, then flips engine_state.generation, so that a socket sees either the
 * old config or the new one, never a mix. */
#define SOCKSHIM_GENERATIONS 2

/* A table is one (direction, family, protocol). */
enum sockshim_direction { SOCKSHIM_CONNECT = 0, SOCKSHIM_LISTEN = 1, SOCKSHIM_ACCEPT = 2 };
#define SOCKSHIM_TABLES 12 /* direction * 4 + ipv6 * 2 + udp */
#define SOCKSHIM_TABLE(direction, ipv6, udp) ((direction) * 4 + (ipv6) * 2 + (udp))

/* port_classes: per generation and table, the class of each port, four
 * ports to an element (an array map rounds values up to 8 bytes). */
#define SOCKSHIM_PORTS_PER_ELEMENT 4
#define SOCKSHIM_PORT_ELEMENTS (SOCKSHIM_GENERATIONS * SOCKSHIM_TABLES * 65536 / SOCKSHIM_PORTS_PER_ELEMENT)
struct sockshim_port_classes {
  __u16 class_of[SOCKSHIM_PORTS_PER_ELEMENT];
};
static inline __u32 sockshim_port_index(__u32 generation, __u32 table, __u32 port) {
  return (generation * SOCKSHIM_TABLES + table) * 65536 + port;
}

/* programs: a task name (comm, 16 bytes with its NUL) → the index of the
 * config narrowed to it; names no rule gives have index 0. */
struct sockshim_program_key {
  __u32 generation;
  char comm[16];
};

/* regions: an LPM trie. The fixed part (generation, table, program, port
 * class: SOCKSHIM_FIXED_KEY_BITS) is always matched whole, then the
 * address (IPv4 in the first four bytes). */
#define SOCKSHIM_FIXED_KEY_BITS 64
struct sockshim_region_key {
  __u32 prefixlen;
  __u8 generation;
  __u8 table;
  __u8 program;
  __u8 zero;
  __u16 port_class;
  __u16 zero2;
  __u8 address[16];
};
#define SOCKSHIM_MAX_REGIONS 262144

/* option_lists: what to set on a socket of a region, in the catalogue's
 * order. */
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
#define SOCKSHIM_MAX_LISTS (SOCKSHIM_GENERATIONS * SOCKSHIM_LISTS_PER_GENERATION)

/* socket_lists: per generation, program, family and protocol, 1 + the
 * option list socket() gives (its enforced options are enforced from the
 * socket's creation on); 0: none. */
#define SOCKSHIM_MAX_PROGRAMS 256
#define SOCKSHIM_SOCKET_LISTS (SOCKSHIM_GENERATIONS * SOCKSHIM_MAX_PROGRAMS * 4)
static inline __u32 sockshim_socket_list_index(__u32 generation, __u32 program, __u32 ipv6, __u32 udp) {
  return ((generation * SOCKSHIM_MAX_PROGRAMS + program) * 2 + ipv6) * 2 + udp;
}

/* socket_state: per-socket storage (cloned to accepted sockets). What the
 * program set itself (the untouched rule), and the lists applied to it,
 * whose enforced options its own setsockopt does not change. */
#define SOCKSHIM_REMEMBERED_OPTIONS 16
struct sockshim_socket_state {
  __u32 list;           /* 1 + the list applied at connect/listen/accept; 0: none yet */
  __u32 inherited_list; /* accepted: 1 + its listener's list */
  __u16 udp_done;       /* UDP: the list was applied once */
  __u16 yielded;        /* a listener of an inner engine's cgroup: its accepted sockets are that engine's */
  __u32 count;          /* used entries of set_by_program */
  struct {
    __s32 level;
    __s32 name;
  } set_by_program[SOCKSHIM_REMEMBERED_OPTIONS];
};

/* engine_state: one element. |flags| say what the config in use can need,
 * so that the programs skip work it cannot (written with |generation|, in
 * the same update). */
#define SOCKSHIM_CONFIG_HAS_PROGRAMS 1u /* a rule matches a program name: look the task's name up */
#define SOCKSHIM_CONFIG_ENFORCES 2u     /* some list enforces an option: remember each socket's lists */
struct sockshim_engine_state {
  __u32 generation;
  __u32 configured; /* 0 until the first config is written */
  __u64 cgroup_id;  /* the cgroup this engine is attached to */
  __u32 level;      /* its depth below the cgroup v2 root (the root: 0) */
  __u32 flags;      /* SOCKSHIM_CONFIG_*, of the config of |generation| */
};

/* inner_engines: the cgroup ids of the other engines attached on this
 * host. A task in a cgroup below one of them between it and this engine's
 * cgroup is that engine's: the innermost config wins. */
#define SOCKSHIM_MAX_ENGINES 1024
#define SOCKSHIM_MAX_NESTING 32

#endif
