// SPDX-License-Identifier: Apache-2.0
// Writing compiled maps (map_compiler.h) into the loaded maps, one config
// slot at a time (bpf/map_layout.h): into the slot's generation not in use,
// then one update of its slot_state switches every socket event of that
// slot to it, and the old generation's entries are removed. A socket sees
// the slot's old config or its new one, never a mix; other slots are left
// alone. Also the cgroup → slot entries that choose a task's slot.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bpf_engine/map_compiler.h"

namespace sockshim::bpf_engine {

struct MapDescriptors {
  int engine_state = -1;
  int slot_state = -1;
  int cgroup_slots = -1;
  int port_classes = -1;
  int programs = -1;
  int regions = -1;
  int option_lists = -1;
  int socket_lists = -1;
};

// Each function: false with |error| (the bpf() call that failed and why).

// |maps| as the config of |slot| (0: the engine's own). The maps alone:
// the engine's writers go through write_config (cgroup_attachment.h),
// which first attaches the hooks |maps| needs.
bool write_maps(const MapDescriptors& descriptors, uint32_t slot, const CompiledMaps& maps, std::string* error);

// |slot| sets nothing: the sockets of its cgroups keep the kernel's defaults.
bool write_untouched(const MapDescriptors& descriptors, uint32_t slot, std::string* error);

// |slot| holds no config any more (the programs do nothing for it), and its
// entries are removed. Map no cgroup to it first.
bool clear_slot(const MapDescriptors& descriptors, uint32_t slot, std::string* error);

// The slots that hold a config (untouched ones too).
std::vector<uint32_t> configured_slots(const MapDescriptors& descriptors);

// Sockets made from now on by tasks in |cgroup_id| or below (down to a
// cgroup mapped itself) take |slot|'s config.
bool map_cgroup(const MapDescriptors& descriptors, uint64_t cgroup_id, uint32_t slot, std::string* error);
// Removes |cgroup_id|'s entry (absent: nothing to do).
bool unmap_cgroup(const MapDescriptors& descriptors, uint64_t cgroup_id, std::string* error);
// The cgroup → slot entries.
std::map<uint64_t, uint32_t> mapped_cgroups(const MapDescriptors& descriptors);

}  // namespace sockshim::bpf_engine
