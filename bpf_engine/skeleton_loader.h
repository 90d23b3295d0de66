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

/* Descriptors of the loaded programs and maps; the caller closes them. */
struct sockshim_bpf_objects {
  int sock_ops_program;
  int setsockopt_program;
  int engine_state;
  int port_classes;
  int programs;
  int regions;
  int option_lists;
  int socket_lists;
};

/* 0, or -errno with |*error| saying which step failed. */
int sockshim_bpf_load(struct sockshim_bpf_objects *objects, const char **error);

#ifdef __cplusplus
}
#endif

#endif
