/* SPDX-License-Identifier: Apache-2.0 */
/* kernel_floor.bpf.c's programs, loaded through its light skeleton (a C
 * header). */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

struct kernel_floor_programs {
  int sock_ops;
  int setsockopt;
};

/* 0, or -1 with errno. The descriptors are the caller's to close. */
int kernel_floor_load(struct kernel_floor_programs *programs);

#ifdef __cplusplus
}
#endif
