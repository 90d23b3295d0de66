// SPDX-License-Identifier: Apache-2.0
// Attaching the kernel engine to a cgroup v2 directory and detaching it.
// Everything lives under /sys/fs/bpf/sockshim/<cgroup id>/ (bpffs is
// mounted there when it is not): the maps and the BPF link, pinned, so that
// the engine stays after the command exits, a second attach only writes the
// maps (map_writer.h), and detach removes the pins, which ends the link and
// frees the programs and maps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bpf_engine/map_compiler.h"
#include "bpf_engine/map_writer.h"

namespace sockshim::bpf_engine {

// The pin directory of the engine on |cgroup|.
std::string pin_directory(const std::string& cgroup);

// |maps| as the engine's own config (slot 0). False with one line in
// |error|; nothing is left attached or pinned then (a second attach that
// fails keeps the config already there).
bool attach_to_cgroup(const std::string& cgroup, const CompiledMaps& maps, std::string* error);

// The maps of the engine attached at |cgroup|, opened from their pins, for
// its other config slots and cgroup entries (map_writer.h). Closed with it.
struct AttachedEngine {
  AttachedEngine() = default;
  AttachedEngine(const AttachedEngine&) = delete;
  AttachedEngine& operator=(const AttachedEngine&) = delete;
  ~AttachedEngine();
  MapDescriptors maps;
};
// False with one line in |error| (not a cgroup, nothing attached there).
bool open_attached_engine(const std::string& cgroup, AttachedEngine* engine, std::string* error);

// False with one line in |error| (nothing attached there, or a pin that
// could not be removed).
bool detach_from_cgroup(const std::string& cgroup, std::string* error);

// The same by cgroup id, for a cgroup that may be gone already (a container
// that ended: its pins stay until removed). True when nothing is left.
bool detach_cgroup_id(uint64_t id, std::string* error);

// Removes every engine whose cgroup is gone (its links detached by the
// kernel: it tunes nothing, but its pins keep its maps): the engines of
// containers removed while no agent ran. The ids removed.
std::vector<uint64_t> remove_engines_of_removed_cgroups();

}  // namespace sockshim::bpf_engine
