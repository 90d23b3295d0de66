/* SPDX-License-Identifier: Apache-2.0 */
#include "kernel_floor_programs.h"

#include <errno.h>

#include "kernel_floor.lskel.h"

int kernel_floor_load(struct kernel_floor_programs *programs) {
  struct kernel_floor *skeleton = kernel_floor__open_and_load();
  if (!skeleton) return -1;
  programs->sock_ops = skeleton->progs.floor_sock_ops.prog_fd;
  programs->setsockopt = skeleton->progs.floor_setsockopt.prog_fd;
  skel_free(skeleton); /* the descriptors stay open: the caller's now */
  return 0;
}
