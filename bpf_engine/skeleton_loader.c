/* SPDX-License-Identifier: Apache-2.0 */
#include "bpf_engine/skeleton_loader.h"

#include <errno.h>

#include "sockshim.lskel.h"

int sockshim_bpf_load(struct sockshim_bpf_objects *objects, const char **error) {
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
  objects->sock_ops_program = skeleton->progs.sockshim_sock_ops.prog_fd;
  objects->setsockopt_program = skeleton->progs.sockshim_setsockopt.prog_fd;
  objects->engine_state = skeleton->maps.engine_state.map_fd;
  objects->port_classes = skeleton->maps.port_classes.map_fd;
  objects->programs = skeleton->maps.programs.map_fd;
  objects->regions = skeleton->maps.regions.map_fd;
  objects->option_lists = skeleton->maps.option_lists.map_fd;
  objects->socket_lists = skeleton->maps.socket_lists.map_fd;
  close(skeleton->maps.socket_state.map_fd); /* the programs hold it */
  skel_free(skeleton); /* the descriptors are the caller's now */
  return 0;
}
