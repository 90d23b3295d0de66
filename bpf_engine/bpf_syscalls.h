// SPDX-License-Identifier: Apache-2.0
// The bpf() commands the kernel engine uses, as plain functions: 0 (or a
// descriptor) on success, -1 with errno otherwise.
#pragma once

#include <cstdint>

namespace sockshim::bpf_engine {

int map_lookup(int map, const void* key, void* value);
int map_update(int map, const void* key, const void* value);
int map_update_batch(int map, const void* keys, const void* values, uint32_t count);
int map_delete(int map, const void* key);
// The key after |key| (the first with a null |key|); -1 with ENOENT at the end.
int map_next_key(int map, const void* key, void* next);
int object_pin(int fd, const char* path);
int object_get(const char* path);
// A BPF link of |program| on the cgroup |cgroup|, at |attach_type|.
int link_create(int program, int cgroup, int attach_type);
// The cgroup id a cgroup BPF link is attached to: 0 once that cgroup is
// gone (the kernel detaches its links then); -1 with errno on failure.
int64_t link_cgroup_id(int link);

}  // namespace sockshim::bpf_engine
