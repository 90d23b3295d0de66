// SPDX-License-Identifier: Apache-2.0
// Attaching the kernel engine to a cgroup v2 directory and detaching it.
// Everything lives under /sys/fs/bpf/sockshim/<cgroup id>/ (bpffs is
// mounted there when it is not): the maps and the BPF links, pinned (and
// the programs of the hooks the config does not need, unattached), so that
// the engine stays after the command exits, a second attach writes the maps
// (map_writer.h) and attaches only hooks its config needs that were left
// out, and detach removes the pins, which ends the links and frees the
// programs and maps.
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
// fails keeps the config already there). Only the hooks |maps| can need are
// attached (needed_hooks.h); a second attach attaches those the first left
// out and detaches none.
bool attach_to_cgroup(const std::string& cgroup, const CompiledMaps& maps, std::string* error);

// Attaches to the engine on |cgroup| the hooks |maps| needs that it left
// out; false with one line in |error|. attach_to_cgroup and write_config
// call it before they write a config; so must any other writer of an
// engine's maps.
bool attach_hooks_needed_by(const std::string& cgroup, const CompiledMaps& maps, std::string* error);

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

// |maps| as the config of |slot| of the engine attached at |cgroup|, whose
// maps |engine| are (AttachedEngine::maps): the hooks |maps| needs are
// attached first (attach_hooks_needed_by), then the slot is written
// (write_maps). A slot's config can need a hook slot 0's did not: a UDP
// option, an enforced one.
bool write_config(const std::string& cgroup, const MapDescriptors& engine, uint32_t slot, const CompiledMaps& maps,
                  std::string* error);

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
