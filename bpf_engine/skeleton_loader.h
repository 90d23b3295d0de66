/* SPDX-License-Identifier: Apache-2.0 */
/* Loading bpf/sockshim.bpf.c through its light skeleton (bpftool gen
 * skeleton -L): system calls only, no libbpf or libelf at run time, so the
 * static musl command carries it too. Its loader is a BPF_PROG_TYPE_SYSCALL
 * program (Linux 5.15+). C, as the generated header is. */
#ifndef SOCKSHIM_BPF_ENGINE_SKELETON_LOADER_H
#define SOCKSHIM_BPF_ENGINE_SKELETON_LOADER_H

#ifdef __cplusplus
extern "C" {
#endif

/* When a hook is attached: always, or only for a config that needs it
 * (bpf_engine/needed_hooks.h). */
enum sockshim_bpf_hook_need {
  SOCKSHIM_HOOK_ALWAYS = 0,
  SOCKSHIM_HOOK_FOR_UDP = 1,           /* a UDP event has options */
  SOCKSHIM_HOOK_FOR_OWN_SETSOCKOPT = 2 /* the program's own setsockopt matters */
};

/* A program's cgroup hook and its pin names: its link's when attached,
 * the program's own when its hook is left out (a later attach may need
 * it). */
struct sockshim_bpf_hook {
  int attach_type; /* enum bpf_attach_type */
  const char *link_pin;
  const char *program_pin;
  int need; /* enum sockshim_bpf_hook_need */
};

/* In the order they are attached: the program's own setsockopt first, so
 * that none of its calls goes unseen once sockets are tuned; sock_ops,
 * always attached, last (its link's pin says the engine is attached). */
#define SOCKSHIM_BPF_PROGRAM_COUNT 8
extern const struct sockshim_bpf_hook sockshim_bpf_hooks[SOCKSHIM_BPF_PROGRAM_COUNT];

/* Descriptors of the loaded programs and maps; the caller closes them. */
struct sockshim_bpf_objects {
  int programs[SOCKSHIM_BPF_PROGRAM_COUNT]; /* of sockshim_bpf_hooks[i] */
  int engine_state;
  int slot_state;
  int cgroup_slots;
  int port_classes;
  int programs_by_name;
  int regions;
  int option_lists;
  int socket_lists;
  int inner_engines;
};

/* 0, or -errno with |*error| saying which step failed. */
int sockshim_bpf_load(struct sockshim_bpf_objects *objects, const char **error);

/* Closes every descriptor of |objects|. */
void sockshim_bpf_close(struct sockshim_bpf_objects *objects);

#ifdef __cplusplus
}
#endif

#endif
