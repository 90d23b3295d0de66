// SPDX-License-Identifier: Apache-2.0
#include "bpf_engine/map_writer.h"

#include <cerrno>
#include <cstring>
#include <vector>

#include "bpf_engine/bpf_syscalls.h"

namespace sockshim::bpf_engine {
namespace {

bool failed(const char* what, std::string* error) {
  *error = std::string(what) + ": " + std::strerror(errno);
  return false;
}

sockshim_option_list list_value(const PlannedList& list) {
  sockshim_option_list value;
  std::memset(&value, 0, sizeof value);
  value.count = static_cast<uint32_t>(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    sockshim_planned_option& item = value.items[i];
    item.level = list[i].option.level;
    item.name = list[i].option.name;
    item.length = list[i].option.length;
    item.flags = (list[i].enforced ? SOCKSHIM_OPTION_ENFORCED : 0) | (list[i].at_socket ? SOCKSHIM_OPTION_AT_SOCKET : 0);
    std::memcpy(item.value, list[i].option.data, sizeof item.value);
  }
  return value;
}

// Removes the entries of |generation| from the hash and trie maps.
template <typename Key>
bool remove_generation(int map, uint8_t generation, const Key&, std::string* error) {
  std::vector<Key> stale;
  Key key{}, next{};
  const void* previous = nullptr;
  while (map_next_key(map, previous, &next) == 0) {
    if (static_cast<uint8_t>(next.generation) == generation) stale.push_back(next);
    key = next;
    previous = &key;
  }
  for (const Key& old : stale) {
    if (map_delete(map, &old) != 0 && errno != ENOENT) return failed("removing the previous config", error);
  }
  return true;
}

// What the programs may skip for this config (bpf/map_layout.h).
uint32_t config_flags(const CompiledMaps& maps) {
  uint32_t flags = maps.programs.empty() ? 0 : SOCKSHIM_CONFIG_HAS_PROGRAMS;
  for (const PlannedList& list : maps.lists) {
    for (const PlannedOption& option : list) {
      if (option.enforced) flags |= SOCKSHIM_CONFIG_ENFORCES;
    }
  }
  return flags;
}

}  // namespace

bool write_maps(const MapDescriptors& descriptors, const CompiledMaps& maps, std::string* error) {
  const uint32_t zero = 0;
  sockshim_engine_state state{};
  if (map_lookup(descriptors.engine_state, &zero, &state) != 0) return failed("reading the engine's state", error);
  const uint8_t old_generation = static_cast<uint8_t>(state.generation & 1);
  const uint8_t generation = state.configured ? old_generation ^ 1 : 0;

  // Port classes, in one batch per table.
  constexpr uint32_t kElements = 65536 / SOCKSHIM_PORTS_PER_ELEMENT;
  std::vector<uint32_t> keys(kElements);
  std::vector<sockshim_port_classes> values(kElements);
  for (int table = 0; table < SOCKSHIM_TABLES; ++table) {
    for (uint32_t element = 0; element < kElements; ++element) {
      keys[element] = sockshim_port_index(generation, static_cast<uint32_t>(table), element * SOCKSHIM_PORTS_PER_ELEMENT) /
                      SOCKSHIM_PORTS_PER_ELEMENT;
      for (int i = 0; i < SOCKSHIM_PORTS_PER_ELEMENT; ++i) {
        const std::vector<uint16_t>& classes = maps.port_classes[table];
        values[element].class_of[i] = classes.empty() ? 0 : classes[element * SOCKSHIM_PORTS_PER_ELEMENT + i];
      }
    }
    if (map_update_batch(descriptors.port_classes, keys.data(), values.data(), kElements) != 0) {
      return failed("writing the port classes", error);
    }
  }
  for (size_t i = 0; i < maps.programs.size(); ++i) {
    sockshim_program_key key;
    std::memset(&key, 0, sizeof key);
    key.generation = generation;
    std::memcpy(key.comm, maps.programs[i].data(), maps.programs[i].size() < 15 ? maps.programs[i].size() : 15);
    const uint32_t index = static_cast<uint32_t>(i + 1);
    if (map_update(descriptors.programs, &key, &index) != 0) return failed("writing the program names", error);
  }
  for (size_t i = 0; i < maps.lists.size(); ++i) {
    const uint32_t index = generation * SOCKSHIM_LISTS_PER_GENERATION + static_cast<uint32_t>(i);
    const sockshim_option_list value = list_value(maps.lists[i]);
    if (map_update(descriptors.option_lists, &index, &value) != 0) return failed("writing the option lists", error);
  }
  for (const Region& region : maps.regions) {
    sockshim_region_key key;
    std::memset(&key, 0, sizeof key);
    const bool ipv6 = (region.table / 2) % 2 != 0;
    key.prefixlen = SOCKSHIM_FIXED_KEY_BITS + static_cast<uint32_t>(region.prefix_bits);
    key.generation = generation;
    key.table = region.table;
    key.program = region.program;
    key.port_class = region.port_class;
    std::memcpy(key.address, region.address, ipv6 ? 16 : 4);
    const uint32_t index = generation * SOCKSHIM_LISTS_PER_GENERATION + region.list;
    if (map_update(descriptors.regions, &key, &index) != 0) return failed("writing the address regions", error);
  }

  for (size_t program = 0; program < maps.socket_lists.size(); ++program) {
    for (uint32_t ipv6 = 0; ipv6 < 2; ++ipv6) {
      for (uint32_t udp = 0; udp < 2; ++udp) {
        const uint32_t key = sockshim_socket_list_index(generation, static_cast<uint32_t>(program), ipv6, udp);
        const uint32_t list = maps.socket_lists[program][ipv6][udp];
        const uint32_t value = list == 0 ? 0 : generation * SOCKSHIM_LISTS_PER_GENERATION + list;
        if (map_update(descriptors.socket_lists, &key, &value) != 0) return failed("writing socket()'s lists", error);
      }
    }
  }

  const bool had_config = state.configured != 0;
  state.generation = generation;
  state.configured = 1;
  state.flags = config_flags(maps);
  if (map_update(descriptors.engine_state, &zero, &state) != 0) return failed("switching to the new config", error);
  if (!had_config) return true;
  return remove_generation(descriptors.regions, old_generation, sockshim_region_key{}, error) &&
         remove_generation(descriptors.programs, old_generation, sockshim_program_key{}, error);
}

}  // namespace sockshim::bpf_engine
