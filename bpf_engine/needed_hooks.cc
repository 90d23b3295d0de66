// SPDX-License-Identifier: Apache-2.0
#include "bpf_engine/needed_hooks.h"

namespace sockshim::bpf_engine {

bool config_needs_udp_hooks(const CompiledMaps& maps) {
  auto has_options = [&](uint32_t list) { return list < maps.lists.size() && !maps.lists[list].empty(); };
  for (const Region& region : maps.regions) {
    if (region.table % 2 == 1 && has_options(region.list)) return true;  // SOCKSHIM_TABLE(.., .., udp = 1)
  }
  for (const auto& by_family : maps.socket_lists) {
    for (const auto& by_protocol : by_family) {
      if (by_protocol[1] != 0 && has_options(by_protocol[1] - 1)) return true;  // 1 + the list
    }
  }
  return false;
}

bool config_needs_setsockopt_hook(const CompiledMaps& maps) {
  for (const PlannedList& list : maps.lists) {
    for (const PlannedOption& option : list) {
      if (option.enforced || option.at_socket) return true;
    }
  }
  return false;
}

}  // namespace sockshim::bpf_engine
