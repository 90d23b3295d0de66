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

/* One program and where it goes: the cgroup hook and its link's pin name. */
struct sockshim_bpf_program {
  int fd;
  int attach_type; /* enum bpf_attach_type */
  const char *pin;
};

/* In the order they are attached: the program's own setsockopt first, so
 * that none of its calls goes unseen once sockets are tuned. */
#define SOCKSHIM_BPF_PROGRAM_COUNT 8

/* Descriptors of the loaded programs and maps; the caller closes them. */
struct sockshim_bpf_objects {
  struct sockshim_bpf_program programs[SOCKSHIM_BPF_PROGRAM_COUNT];
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
