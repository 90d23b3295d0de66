// SPDX-License-Identifier: Apache-2.0
#include "bpf_engine/cgroup_attachment.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "bpf_engine/bpf_syscalls.h"
#include "bpf_engine/cgroup_facts.h"
#include "bpf_engine/map_writer.h"
#include "bpf_engine/needed_hooks.h"
#include "bpf_engine/skeleton_loader.h"

namespace sockshim::bpf_engine {
namespace {

constexpr char kBpfFs[] = "/sys/fs/bpf";

// The pinned objects, by file name.
constexpr const char* kMapPins[] = {"engine_state", "slot_state",   "cgroup_slots", "port_classes",
                                    "programs",     "regions",      "option_lists", "socket_lists"};
// The last link attached (sock_ops, always attached): present when the
// engine is attached whole.
constexpr char kLinkPin[] = "link_sock_ops";

constexpr char kEnginesDirectory[] = "/sys/fs/bpf/sockshim";
constexpr char kInnerEnginesPin[] = "inner_engines";

// Every engine knows the cgroups of all the others (inner_engines): its
// programs yield to one attached between a task's cgroup and its own.
// |id|'s engine is added to (or removed from) the others, and theirs to
// |own_map| when given.
void introduce_engine(uint64_t id, int own_map, bool add) {
  DIR* engines = opendir(kEnginesDirectory);
  if (!engines) return;
  const uint32_t present = 1;
  while (const dirent* entry = readdir(engines)) {
    if (entry->d_name[0] == '.') continue;
    const uint64_t other = std::strtoull(entry->d_name, nullptr, 10);
    if (other == 0 || other == id) continue;
    const int map = object_get((std::string(kEnginesDirectory) + "/" + entry->d_name + "/" + kInnerEnginesPin).c_str());
    if (map < 0) continue;
    if (add) {
      map_update(map, &id, &present);
      if (own_map >= 0) map_update(own_map, &other, &present);
    } else {
      map_delete(map, &id);
    }
    close(map);
  }
  closedir(engines);
}

std::string with_errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// bpffs at /sys/fs/bpf, mounted when it is not.
bool ensure_bpffs(std::string* error) {
  struct statfs filesystem;
  if (statfs(kBpfFs, &filesystem) == 0 && filesystem.f_type == BPF_FS_MAGIC) return true;
  if (mount("bpf", kBpfFs, "bpf", 0, nullptr) != 0) {
    *error = with_errno(std::string("cannot mount bpffs at ") + kBpfFs);
    return false;
  }
  return true;
}

void remove_pins(const std::string& directory) {
  // The links (any file left is a map or a link: each is removed).
  if (DIR* pins = opendir(directory.c_str())) {
    while (const dirent* entry = readdir(pins)) {
      if (entry->d_name[0] != '.') unlinkat(dirfd(pins), entry->d_name, 0);
    }
    closedir(pins);
  }
  for (const char* name : kMapPins) unlink((directory + "/" + name).c_str());
  rmdir(directory.c_str());
}

struct Descriptors {
  std::vector<int> fds;
  ~Descriptors() {
    for (int fd : fds) {
      if (fd >= 0) close(fd);
    }
  }
};

// The hooks a config needs (needed_hooks.h).
struct NeededHooks {
  bool udp = false;
  bool own_setsockopt = false;
};

NeededHooks needed_hooks(const CompiledMaps& maps) {
  return {config_needs_udp_hooks(maps), config_needs_setsockopt_hook(maps)};
}

bool hook_needed(const sockshim_bpf_hook& hook, const NeededHooks& needed) {
  switch (hook.need) {
    case SOCKSHIM_HOOK_FOR_UDP:
      return needed.udp;
    case SOCKSHIM_HOOK_FOR_OWN_SETSOCKOPT:
      return needed.own_setsockopt;
    default:
      return true;
  }
}

// A second attach whose config needs a hook the first one left out: its
// program, pinned then, is attached now, before the new config is written.
// (Hooks the new config does not need stay attached: they find nothing to
// do in it; detach and attach again to leave them out.)
bool attach_missing_hooks(const std::string& cgroup, const std::string& directory, const NeededHooks& needed,
                          std::string* error) {
  Descriptors open;
  int cgroup_fd = -1;
  for (const sockshim_bpf_hook& hook : sockshim_bpf_hooks) {
    const std::string link_pin = directory + "/" + hook.link_pin;
    if (!hook_needed(hook, needed) || access(link_pin.c_str(), F_OK) == 0) continue;
    const std::string program_pin = directory + "/" + hook.program_pin;
    const int program = object_get(program_pin.c_str());
    open.fds.push_back(program);
    if (program < 0) {
      *error = with_errno("opening the pinned program " + program_pin);
      return false;
    }
    if (cgroup_fd < 0) {
      cgroup_fd = ::open(cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      open.fds.push_back(cgroup_fd);
      if (cgroup_fd < 0) {
        *error = with_errno(cgroup);
        return false;
      }
    }
    const int link = link_create(program, cgroup_fd, hook.attach_type);
    open.fds.push_back(link);
    if (link < 0 || object_pin(link, link_pin.c_str()) != 0) {
      *error = with_errno("cannot attach " + program_pin + " to " + cgroup);
      return false;
    }
    unlink(program_pin.c_str());  // its link holds it now
  }
  return true;
}

}  // namespace

std::string pin_directory(const std::string& cgroup) {
  return std::string(kBpfFs) + "/sockshim/" + std::to_string(cgroup_id(cgroup));
}

bool attach_to_cgroup(const std::string& cgroup, const CompiledMaps& maps, std::string* error) {
  if (std::string why = not_a_cgroup2_directory(cgroup); !why.empty()) {
    *error = why;
    return false;
  }
  if (std::string why = missing_privileges(); !why.empty()) {
    *error = why;
    return false;
  }
  if (!ensure_bpffs(error)) return false;
  const std::string directory = pin_directory(cgroup);
  const NeededHooks needed = needed_hooks(maps);
  Descriptors open;
  MapDescriptors descriptors;
  int* map_fds[] = {&descriptors.engine_state, &descriptors.slot_state, &descriptors.cgroup_slots,
                    &descriptors.port_classes, &descriptors.programs,   &descriptors.regions,
                    &descriptors.option_lists, &descriptors.socket_lists};

  // Attached already: a new config is a map update.
  if (access((directory + "/" + kLinkPin).c_str(), F_OK) == 0) {
    AttachedEngine engine;
    return open_attached_engine(cgroup, &engine, error) && write_config(cgroup, engine.maps, 0, maps, error);
  }

  sockshim_bpf_objects objects;
  const char* step = "";
  if (const int result = sockshim_bpf_load(&objects, &step); result != 0) {
    errno = -result;
    *error = with_errno(std::string("the kernel refused the engine's programs (") + step +
                        "; the engine needs Linux 5.15+ with cgroup sock_ops)");
    return false;
  }
  descriptors = MapDescriptors{objects.engine_state, objects.slot_state,   objects.cgroup_slots,
                               objects.port_classes, objects.programs_by_name, objects.regions,
                               objects.option_lists, objects.socket_lists};
  for (int* fd : map_fds) open.fds.push_back(*fd);
  for (int program : objects.programs) open.fds.push_back(program);
  open.fds.push_back(objects.inner_engines);
  const uint32_t zero = 0;
  sockshim_engine_state state{};
  state.cgroup_id = cgroup_id(cgroup);
  state.level = static_cast<uint32_t>(cgroup_level(cgroup));
  if (map_update(objects.engine_state, &zero, &state) != 0) {
    *error = with_errno("writing the engine's state");
    return false;
  }
  if (!write_maps(descriptors, 0, maps, error)) return false;

  const int cgroup_fd = ::open(cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cgroup_fd < 0) {
    *error = with_errno(cgroup);
    return false;
  }
  open.fds.push_back(cgroup_fd);
  mkdir((std::string(kBpfFs) + "/sockshim").c_str(), 0700);
  if (mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
    *error = with_errno("cannot make " + directory);
    return false;
  }
  for (size_t i = 0; i < std::size(kMapPins); ++i) {
    if (object_pin(*map_fds[i], (directory + "/" + kMapPins[i]).c_str()) != 0) {
      *error = with_errno("cannot pin " + directory + "/" + kMapPins[i]);
      remove_pins(directory);
      return false;
    }
  }
  if (object_pin(objects.inner_engines, (directory + "/" + kInnerEnginesPin).c_str()) != 0) {
    *error = with_errno("cannot pin " + directory + "/" + kInnerEnginesPin);
    remove_pins(directory);
    return false;
  }
  introduce_engine(state.cgroup_id, objects.inner_engines, true);
  for (int i = 0; i < SOCKSHIM_BPF_PROGRAM_COUNT; ++i) {
    const sockshim_bpf_hook& hook = sockshim_bpf_hooks[i];
    if (!hook_needed(hook, needed)) {
      // Kept loaded, unattached, for an attach whose config needs it.
      if (object_pin(objects.programs[i], (directory + "/" + hook.program_pin).c_str()) != 0) {
        *error = with_errno("cannot pin " + directory + "/" + hook.program_pin);
        introduce_engine(state.cgroup_id, -1, false);
        remove_pins(directory);
        return false;
      }
      continue;
    }
    const int link = link_create(objects.programs[i], cgroup_fd, hook.attach_type);
    if (link < 0) {
      *error = with_errno("cannot attach to " + cgroup);
      introduce_engine(state.cgroup_id, -1, false);
      remove_pins(directory);
      return false;
    }
    open.fds.push_back(link);
    if (object_pin(link, (directory + "/" + hook.link_pin).c_str()) != 0) {
      *error = with_errno("cannot pin " + directory + "/" + hook.link_pin);
      introduce_engine(state.cgroup_id, -1, false);
      remove_pins(directory);
      return false;
    }
  }
  return true;
}

bool attach_hooks_needed_by(const std::string& cgroup, const CompiledMaps& maps, std::string* error) {
  return attach_missing_hooks(cgroup, pin_directory(cgroup), needed_hooks(maps), error);
}

bool write_config(const std::string& cgroup, const MapDescriptors& engine, uint32_t slot, const CompiledMaps& maps,
                  std::string* error) {
  return attach_hooks_needed_by(cgroup, maps, error) && write_maps(engine, slot, maps, error);
}

bool detach_from_cgroup(const std::string& cgroup, std::string* error) {
  if (std::string why = not_a_cgroup2_directory(cgroup); !why.empty()) {
    *error = why;
    return false;
  }
  if (std::string why = missing_privileges(); !why.empty()) {
    *error = why;
    return false;
  }
  const std::string directory = pin_directory(cgroup);
  if (access(directory.c_str(), F_OK) != 0) {
    *error = "sockshim is not attached to " + cgroup + " (no " + directory + ")";
    return false;
  }
  introduce_engine(cgroup_id(cgroup), -1, false);
  remove_pins(directory);
  if (access(directory.c_str(), F_OK) == 0) {
    *error = with_errno("cannot remove " + directory);
    return false;
  }
  return true;
}

AttachedEngine::~AttachedEngine() {
  for (int fd : {maps.engine_state, maps.slot_state, maps.cgroup_slots, maps.port_classes, maps.programs, maps.regions,
                 maps.option_lists, maps.socket_lists}) {
    if (fd >= 0) close(fd);
  }
}

bool open_attached_engine(const std::string& cgroup, AttachedEngine* engine, std::string* error) {
  if (std::string why = not_a_cgroup2_directory(cgroup); !why.empty()) {
    *error = why;
    return false;
  }
  const std::string directory = pin_directory(cgroup);
  if (access((directory + "/" + kLinkPin).c_str(), F_OK) != 0) {
    *error = "sockshim is not attached to " + cgroup + " (no " + directory + ")";
    return false;
  }
  int* map_fds[] = {&engine->maps.engine_state, &engine->maps.slot_state, &engine->maps.cgroup_slots,
                    &engine->maps.port_classes, &engine->maps.programs,   &engine->maps.regions,
                    &engine->maps.option_lists, &engine->maps.socket_lists};
  for (size_t i = 0; i < std::size(kMapPins); ++i) {
    if (*map_fds[i] >= 0) close(*map_fds[i]);
    *map_fds[i] = object_get((directory + "/" + kMapPins[i]).c_str());
    if (*map_fds[i] < 0) {
      *error = with_errno("opening the pinned map " + directory + "/" + kMapPins[i]) +
               " (an engine attached by an older sockshim: detach it first)";
      return false;
    }
  }
  return true;
}

std::vector<uint64_t> remove_engines_of_removed_cgroups() {
  std::vector<uint64_t> stale;
  if (DIR* engines = opendir(kEnginesDirectory)) {
    while (const dirent* entry = readdir(engines)) {
      const uint64_t id = std::strtoull(entry->d_name, nullptr, 10);
      if (id == 0) continue;
      const int link = object_get((std::string(kEnginesDirectory) + "/" + entry->d_name + "/" + kLinkPin).c_str());
      if (link < 0) continue;  // being attached, or not an engine of ours
      if (link_cgroup_id(link) == 0) stale.push_back(id);
      close(link);
    }
    closedir(engines);
  }
  std::vector<uint64_t> removed;
  for (uint64_t id : stale) {
    std::string error;
    if (detach_cgroup_id(id, &error)) removed.push_back(id);
  }
  return removed;
}

bool detach_cgroup_id(uint64_t id, std::string* error) {
  const std::string directory = std::string(kEnginesDirectory) + "/" + std::to_string(id);
  if (access(directory.c_str(), F_OK) != 0) return true;
  introduce_engine(id, -1, false);
  remove_pins(directory);
  if (access(directory.c_str(), F_OK) == 0) {
    *error = with_errno("cannot remove " + directory);
    return false;
  }
  return true;
}

}  // namespace sockshim::bpf_engine
