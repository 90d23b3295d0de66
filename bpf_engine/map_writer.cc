// SPDX-License-Identifier: Apache-2.0
#include "bpf_engine/map_writer.h"

#include <cerrno>
#include <cstring>
#include <functional>
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

// (slot, generation) as one number, as the keys below hold them.
uint32_t owner(uint32_t slot, uint32_t generation) { return slot * SOCKSHIM_GENERATIONS + generation; }

// Removes the keys of |map| whose |owner_of| is |wanted| (collected first:
// a hash map's walk restarts where a key was deleted).
template <typename Key>
bool remove_owned(int map, uint32_t wanted, const std::function<uint32_t(const Key&)>& owner_of, std::string* error) {
  std::vector<Key> stale;
  Key key{}, next{};
  const void* previous = nullptr;
  while (map_next_key(map, previous, &next) == 0) {
    if (owner_of(next) == wanted) stale.push_back(next);
    key = next;
    previous = &key;
  }
  for (const Key& old : stale) {
    if (map_delete(map, &old) != 0 && errno != ENOENT) return failed("removing a previous config", error);
  }
  return true;
}

// Removes every table entry of (slot, generation).
bool remove_generation(const MapDescriptors& d, uint32_t slot, uint32_t generation, std::string* error) {
  const uint32_t wanted = owner(slot, generation);
  return remove_owned<sockshim_region_key>(
             d.regions, wanted, [](const sockshim_region_key& key) { return owner(key.slot, key.generation); },
             error) &&
         remove_owned<sockshim_port_key>(
             d.port_classes, wanted, [](const sockshim_port_key& key) { return owner(key.slot, key.generation); },
             error) &&
         remove_owned<sockshim_program_key>(
             d.programs, wanted, [](const sockshim_program_key& key) { return owner(key.slot, key.generation); },
             error) &&
         remove_owned<uint32_t>(
             d.option_lists, wanted, [](const uint32_t& id) { return id / SOCKSHIM_LISTS_PER_GENERATION; }, error) &&
         remove_owned<uint32_t>(
             d.socket_lists, wanted, [](const uint32_t& index) { return index / (SOCKSHIM_MAX_PROGRAMS * 4); }, error);
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

// The port prefixes of [first, last]: the fewest aligned blocks (at most 30).
void port_prefixes(uint32_t first, uint32_t last, std::vector<std::pair<uint32_t, int>>* prefixes) {
  while (first <= last) {
    int bits = 16;  // the shortest prefix starting at |first| that ends within |last|
    while (bits > 0) {
      const uint32_t size = 1u << (16 - (bits - 1));
      if (first % size != 0 || first + size - 1 > last) break;
      --bits;
    }
    prefixes->emplace_back(first, bits);
    first += 1u << (16 - bits);
  }
}

bool read_engine(const MapDescriptors& d, sockshim_engine_state* state, std::string* error) {
  const uint32_t zero = 0;
  return map_lookup(d.engine_state, &zero, state) == 0 || failed("reading the engine's state", error);
}

// engine_state's flags, from the slots and the cgroup entries. |also|:
// flags set before the slots show them (a config about to be switched to).
bool update_engine_flags(const MapDescriptors& d, uint32_t also, std::string* error) {
  sockshim_engine_state state{};
  if (!read_engine(d, &state, error)) return false;
  uint32_t flags = also;
  for (uint32_t slot = 0; slot < SOCKSHIM_MAX_SLOTS; ++slot) {
    sockshim_slot_state config{};
    if (map_lookup(d.slot_state, &slot, &config) == 0 && config.configured &&
        (config.flags & SOCKSHIM_CONFIG_ENFORCES)) {
      flags |= SOCKSHIM_ENGINE_ENFORCES;
    }
  }
  uint64_t first = 0;
  if (map_next_key(d.cgroup_slots, nullptr, &first) == 0) flags |= SOCKSHIM_ENGINE_CGROUP_SLOTS;
  if (flags == state.flags) return true;
  state.flags = flags;
  const uint32_t zero = 0;
  return map_update(d.engine_state, &zero, &state) == 0 || failed("writing the engine's state", error);
}

bool valid_slot(uint32_t slot, std::string* error) {
  if (slot < SOCKSHIM_MAX_SLOTS) return true;
  *error = "config slot " + std::to_string(slot) + " is beyond the engine's " + std::to_string(SOCKSHIM_MAX_SLOTS);
  return false;
}

}  // namespace

bool write_maps(const MapDescriptors& d, uint32_t slot, const CompiledMaps& maps, std::string* error) {
  if (!valid_slot(slot, error)) return false;
  sockshim_slot_state state{};
  if (map_lookup(d.slot_state, &slot, &state) != 0) return failed("reading the slot's state", error);
  const bool had_config = state.configured != 0;
  const uint32_t old_generation = state.generation & 1;
  const uint32_t generation = had_config ? old_generation ^ 1 : 0;
  // Left by a write that failed half-way, or by an untouched slot's past.
  if (!remove_generation(d, slot, generation, error)) return false;

  // Port classes: each class's ranges as prefixes; class 0 is a miss.
  for (uint8_t table = 0; table < SOCKSHIM_TABLES; ++table) {
    const std::vector<uint16_t>& classes = maps.port_classes[table];
    for (uint32_t first = 0; first < classes.size();) {
      uint32_t last = first;
      while (last + 1 < classes.size() && classes[last + 1] == classes[first]) ++last;
      if (classes[first] != 0) {
        std::vector<std::pair<uint32_t, int>> prefixes;
        port_prefixes(first, last, &prefixes);
        for (const auto& [port, bits] : prefixes) {
          sockshim_port_key key;
          std::memset(&key, 0, sizeof key);
          key.prefixlen = SOCKSHIM_PORT_FIXED_KEY_BITS + static_cast<uint32_t>(bits);
          key.slot = static_cast<uint16_t>(slot);
          key.generation = static_cast<uint8_t>(generation);
          key.table = table;
          key.port[0] = static_cast<uint8_t>(port >> 8);
          key.port[1] = static_cast<uint8_t>(port);
          const uint32_t port_class = classes[first];
          if (map_update(d.port_classes, &key, &port_class) != 0) return failed("writing the port classes", error);
        }
      }
      first = last + 1;
    }
  }
  for (size_t i = 0; i < maps.programs.size(); ++i) {
    sockshim_program_key key;
    std::memset(&key, 0, sizeof key);
    key.slot = static_cast<uint16_t>(slot);
    key.generation = static_cast<uint16_t>(generation);
    std::memcpy(key.comm, maps.programs[i].data(), maps.programs[i].size() < 15 ? maps.programs[i].size() : 15);
    const uint32_t index = static_cast<uint32_t>(i + 1);
    if (map_update(d.programs, &key, &index) != 0) return failed("writing the program names", error);
  }
  for (size_t i = 0; i < maps.lists.size(); ++i) {
    const uint32_t id = sockshim_list_id(slot, generation, static_cast<uint32_t>(i));
    const sockshim_option_list value = list_value(maps.lists[i]);
    if (map_update(d.option_lists, &id, &value) != 0) return failed("writing the option lists", error);
  }
  for (const Region& region : maps.regions) {
    sockshim_region_key key;
    std::memset(&key, 0, sizeof key);
    const bool ipv6 = (region.table / 2) % 2 != 0;
    key.prefixlen = SOCKSHIM_FIXED_KEY_BITS + static_cast<uint32_t>(region.prefix_bits);
    key.generation = static_cast<uint8_t>(generation);
    key.table = region.table;
    key.program = region.program;
    key.port_class = region.port_class;
    key.slot = static_cast<uint16_t>(slot);
    std::memcpy(key.address, region.address, ipv6 ? 16 : 4);
    const uint32_t id = sockshim_list_id(slot, generation, region.list);
    if (map_update(d.regions, &key, &id) != 0) return failed("writing the address regions", error);
  }
  for (size_t program = 0; program < maps.socket_lists.size(); ++program) {
    for (uint32_t ipv6 = 0; ipv6 < 2; ++ipv6) {
      for (uint32_t udp = 0; udp < 2; ++udp) {
        const uint32_t list = maps.socket_lists[program][ipv6][udp];
        if (list == 0) continue;  // absent: none
        const uint32_t key = sockshim_socket_list_index(slot, generation, static_cast<uint32_t>(program), ipv6, udp);
        const uint32_t value = 1 + sockshim_list_id(slot, generation, list - 1);
        if (map_update(d.socket_lists, &key, &value) != 0) return failed("writing socket()'s lists", error);
      }
    }
  }

  const uint32_t flags = config_flags(maps);
  // The setsockopt hook's shortcut must not skip this config's enforce.
  if (!update_engine_flags(d, flags & SOCKSHIM_CONFIG_ENFORCES ? SOCKSHIM_ENGINE_ENFORCES : 0, error)) return false;
  state.generation = generation;
  state.configured = 1;
  state.flags = flags;
  state.port_classed_tables = maps.port_classed_tables;
  for (int table = 0; table < SOCKSHIM_TABLES; ++table) {
    const std::optional<uint32_t>& whole = maps.whole_table_list[table];
    state.whole_table_list[table] = whole ? 1 + sockshim_list_id(slot, generation, *whole) : 0;
  }
  if (map_update(d.slot_state, &slot, &state) != 0) return failed("switching to the new config", error);
  if (had_config && !remove_generation(d, slot, old_generation, error)) return false;
  return update_engine_flags(d, 0, error);
}

bool write_untouched(const MapDescriptors& d, uint32_t slot, std::string* error) {
  if (!valid_slot(slot, error)) return false;
  sockshim_slot_state state{};
  state.configured = 1;
  state.flags = SOCKSHIM_CONFIG_UNTOUCHED;
  if (map_update(d.slot_state, &slot, &state) != 0) return failed("writing the slot's state", error);
  return remove_generation(d, slot, 0, error) && remove_generation(d, slot, 1, error) &&
         update_engine_flags(d, 0, error);
}

bool clear_slot(const MapDescriptors& d, uint32_t slot, std::string* error) {
  if (!valid_slot(slot, error)) return false;
  const sockshim_slot_state state{};
  if (map_update(d.slot_state, &slot, &state) != 0) return failed("writing the slot's state", error);
  return remove_generation(d, slot, 0, error) && remove_generation(d, slot, 1, error) &&
         update_engine_flags(d, 0, error);
}

std::vector<uint32_t> configured_slots(const MapDescriptors& d) {
  std::vector<uint32_t> slots;
  for (uint32_t slot = 0; slot < SOCKSHIM_MAX_SLOTS; ++slot) {
    sockshim_slot_state state{};
    if (map_lookup(d.slot_state, &slot, &state) == 0 && state.configured) slots.push_back(slot);
  }
  return slots;
}

bool map_cgroup(const MapDescriptors& d, uint64_t cgroup_id, uint32_t slot, std::string* error) {
  if (!valid_slot(slot, error)) return false;
  // The flag first: an entry the programs would not look for yet is harmless.
  if (!update_engine_flags(d, SOCKSHIM_ENGINE_CGROUP_SLOTS, error)) return false;
  if (map_update(d.cgroup_slots, &cgroup_id, &slot) != 0) return failed("writing the cgroup's slot", error);
  return true;
}

bool unmap_cgroup(const MapDescriptors& d, uint64_t cgroup_id, std::string* error) {
  if (map_delete(d.cgroup_slots, &cgroup_id) != 0 && errno != ENOENT) {
    return failed("removing the cgroup's slot", error);
  }
  return update_engine_flags(d, 0, error);
}

std::map<uint64_t, uint32_t> mapped_cgroups(const MapDescriptors& d) {
  std::map<uint64_t, uint32_t> entries;
  uint64_t key = 0, next = 0;
  const void* previous = nullptr;
  while (map_next_key(d.cgroup_slots, previous, &next) == 0) {
    uint32_t slot = 0;
    if (map_lookup(d.cgroup_slots, &next, &slot) == 0) entries[next] = slot;
    key = next;
    previous = &key;
  }
  return entries;
}

}  // namespace sockshim::bpf_engine
