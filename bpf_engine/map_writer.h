// SPDX-License-Identifier: Apache-2.0
// Writing compiled maps (map_compiler.h) into the loaded maps: into the
// generation not in use, then one update of engine_state switches every
// socket event to it, and the old generation's entries are removed. A
// socket sees the old config or the new one, never a mix.
#pragma once

#include <string>

#include "bpf_engine/map_compiler.h"

namespace sockshim::bpf_engine {

struct MapDescriptors {
  int engine_state = -1;
  int port_classes = -1;
  int programs = -1;
  int regions = -1;
  int option_lists = -1;
  int socket_lists = -1;
};

// False with |error| (the bpf() call that failed and why).
bool write_maps(const MapDescriptors& descriptors, const CompiledMaps& maps, std::string* error);

}  // namespace sockshim::bpf_engine
