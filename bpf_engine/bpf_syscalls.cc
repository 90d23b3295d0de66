// SPDX-License-Identifier: Apache-2.0
#include "bpf_engine/bpf_syscalls.h"

#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace sockshim::bpf_engine {
namespace {

int bpf(int command, bpf_attr* attr) { return static_cast<int>(syscall(__NR_bpf, command, attr, sizeof *attr)); }

uint64_t pointer(const void* p) { return reinterpret_cast<uintptr_t>(p); }

}  // namespace

int map_lookup(int map, const void* key, void* value) {
  bpf_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.map_fd = static_cast<uint32_t>(map);
  attr.key = pointer(key);
  attr.value = pointer(value);
  return bpf(BPF_MAP_LOOKUP_ELEM, &attr);
}

int map_update(int map, const void* key, const void* value) {
  bpf_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.map_fd = static_cast<uint32_t>(map);
  attr.key = pointer(key);
  attr.value = pointer(value);
  attr.flags = BPF_ANY;
  return bpf(BPF_MAP_UPDATE_ELEM, &attr);
}

int map_update_batch(int map, const void* keys, const void* values, uint32_t count) {
  bpf_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.batch.map_fd = static_cast<uint32_t>(map);
  attr.batch.keys = pointer(keys);
  attr.batch.values = pointer(values);
  attr.batch.count = count;
  return bpf(BPF_MAP_UPDATE_BATCH, &attr);
}

int map_delete(int map, const void* key) {
  bpf_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.map_fd = static_cast<uint32_t>(map);
  attr.key = pointer(key);
  return bpf(BPF_MAP_DELETE_ELEM, &attr);
}

int map_next_key(int map, const void* key, void* next) {
  bpf_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.map_fd = static_cast<uint32_t>(map);
  attr.key = pointer(key);
  attr.next_key = pointer(next);
  return bpf(BPF_MAP_GET_NEXT_KEY, &attr);
}

int object_pin(int fd, const char* path) {
  bpf_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.pathname = pointer(path);
  attr.bpf_fd = static_cast<uint32_t>(fd);
  return bpf(BPF_OBJ_PIN, &attr);
}

int object_get(const char* path) {
  bpf_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.pathname = pointer(path);
  return bpf(BPF_OBJ_GET, &attr);
}

int link_create(int program, int cgroup, int attach_type) {
  bpf_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.link_create.prog_fd = static_cast<uint32_t>(program);
  attr.link_create.target_fd = static_cast<uint32_t>(cgroup);
  attr.link_create.attach_type = static_cast<uint32_t>(attach_type);
  return bpf(BPF_LINK_CREATE, &attr);
}

int64_t link_cgroup_id(int link) {
  bpf_link_info info;
  std::memset(&info, 0, sizeof info);
  bpf_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.info.bpf_fd = static_cast<uint32_t>(link);
  attr.info.info_len = sizeof info;
  attr.info.info = pointer(&info);
  if (bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) != 0) return -1;
  return static_cast<int64_t>(info.cgroup.cgroup_id);
}

}  // namespace sockshim::bpf_engine
