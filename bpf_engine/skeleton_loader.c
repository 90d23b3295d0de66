/* SPDX-License-Identifier: Apache-2.0 */
#include "bpf_engine/skeleton_loader.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "sockshim_bpf.lskel.h"

const struct sockshim_bpf_hook sockshim_bpf_hooks[SOCKSHIM_BPF_PROGRAM_COUNT] = {
    {BPF_CGROUP_SETSOCKOPT, "link_setsockopt", "program_setsockopt", SOCKSHIM_HOOK_FOR_OWN_SETSOCKOPT},
    {BPF_CGROUP_INET4_CONNECT, "link_connect4", "program_connect4", SOCKSHIM_HOOK_FOR_UDP},
    {BPF_CGROUP_INET6_CONNECT, "link_connect6", "program_connect6", SOCKSHIM_HOOK_FOR_UDP},
    {BPF_CGROUP_INET4_BIND, "link_bind4", "program_bind4", SOCKSHIM_HOOK_FOR_UDP},
    {BPF_CGROUP_INET6_BIND, "link_bind6", "program_bind6", SOCKSHIM_HOOK_FOR_UDP},
    {BPF_CGROUP_UDP4_SENDMSG, "link_sendmsg4", "program_sendmsg4", SOCKSHIM_HOOK_FOR_UDP},
    {BPF_CGROUP_UDP6_SENDMSG, "link_sendmsg6", "program_sendmsg6", SOCKSHIM_HOOK_FOR_UDP},
    {BPF_CGROUP_SOCK_OPS, "link_sock_ops", "program_sock_ops", SOCKSHIM_HOOK_ALWAYS},
};

int sockshim_bpf_load(struct sockshim_bpf_objects *objects, const char **error) {
  /* The tests' stand-in for a kernel without what the programs need. */
  const char *refuse = getenv("SOCKSHIM_TEST_REFUSE_BPF_PROGRAMS");
  if (refuse && refuse[0] == '1') {
    *error = "loading the programs";
    return -EINVAL;
  }
  struct sockshim_bpf *skeleton = sockshim_bpf__open();
  if (!skeleton) {
    *error = "out of memory";
    return -ENOMEM;
  }
  int result = sockshim_bpf__load(skeleton);
  if (result != 0) {
    result = -errno;
    *error = "loading the programs";
    sockshim_bpf__destroy(skeleton);
    return result ? result : -EINVAL;
  }
  const int programs[SOCKSHIM_BPF_PROGRAM_COUNT] = {
      skeleton->progs.sockshim_setsockopt.prog_fd, skeleton->progs.sockshim_connect4.prog_fd,
      skeleton->progs.sockshim_connect6.prog_fd,   skeleton->progs.sockshim_bind4.prog_fd,
      skeleton->progs.sockshim_bind6.prog_fd,      skeleton->progs.sockshim_sendmsg4.prog_fd,
      skeleton->progs.sockshim_sendmsg6.prog_fd,   skeleton->progs.sockshim_sock_ops.prog_fd,
  };
  for (int i = 0; i < SOCKSHIM_BPF_PROGRAM_COUNT; ++i) objects->programs[i] = programs[i];
  objects->engine_state = skeleton->maps.engine_state.map_fd;
  objects->slot_state = skeleton->maps.slot_state.map_fd;
  objects->cgroup_slots = skeleton->maps.cgroup_slots.map_fd;
  objects->port_classes = skeleton->maps.port_classes.map_fd;
  objects->programs_by_name = skeleton->maps.programs.map_fd;
  objects->regions = skeleton->maps.regions.map_fd;
  objects->option_lists = skeleton->maps.option_lists.map_fd;
  objects->socket_lists = skeleton->maps.socket_lists.map_fd;
  objects->inner_engines = skeleton->maps.inner_engines.map_fd;
  close(skeleton->maps.socket_state.map_fd); /* the programs hold it */
  skel_free(skeleton);                       /* the descriptors are the caller's now */
  return 0;
}

void sockshim_bpf_close(struct sockshim_bpf_objects *objects) {
  for (int i = 0; i < SOCKSHIM_BPF_PROGRAM_COUNT; ++i) close(objects->programs[i]);
  close(objects->engine_state);
  close(objects->slot_state);
  close(objects->cgroup_slots);
  close(objects->port_classes);
  close(objects->programs_by_name);
  close(objects->regions);
  close(objects->option_lists);
  close(objects->socket_lists);
  close(objects->inner_engines);
}
