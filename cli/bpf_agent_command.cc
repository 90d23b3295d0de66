// SPDX-License-Identifier: Apache-2.0
// The kernel engine for every container of a node. One engine is attached
// at the pods' cgroup parent with the default config (its slot 0), so that
// a container that names no config is tuned from its first socket without
// anything written for it. A container that names a config by annotation
// has that config in one of the same engine's config slots (containers
// naming the same config share it) and its cgroup id mapped to that slot;
// an opted-out one is mapped to a slot that sets nothing. Containers are
// learnt from the OCI bundles the runtime writes (config.json: annotations,
// linux.cgroupsPath), watched with inotify: no runtime API and no gRPC in
// the static command.
#include "cli/bpf_agent_command.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli/config_loading.h"
#include "cli/exit_codes.h"
#include "config/policy_loader.h"
#include "supervisor/container_configs.h"
#include "supervisor/runtime_bundles.h"

#ifdef SOCKSHIM_BPF_ENGINE
#include "bpf_engine/cgroup_attachment.h"
#include "bpf_engine/cgroup_facts.h"
#include "bpf_engine/map_compiler.h"
#include "bpf_engine/map_writer.h"
#include "bpf_engine/unsupported_options.h"
#endif

namespace sockshim::cli {
namespace {

constexpr char kUsage[] =
    "usage: sockshim agent --engine bpf [--cgroup DIR] [-c FILE] [--config-dir DIR]\n"
    "                      [--runtime-state DIR]...\n"
    "\n"
    "Tunes every container of a node with the kernel engine (cgroup BPF): no\n"
    "seccomp profile, no preload, no restart of the pods. Attaches one engine\n"
    "at DIR, the pods' cgroup parent (default: kubepods.slice or kubepods under\n"
    "the cgroup v2 mount), with FILE's config: every container below it that\n"
    "names no config gets FILE's options (without -c, none). Then reads the OCI\n"
    "bundles the runtime writes under each --runtime-state DIR (default:\n"
    "/run/containerd/io.containerd.runtime.v2.task and\n"
    "/run/containers/storage/overlay-containers), watched with inotify. A\n"
    "container whose annotations choose a config gets that config in a slot of\n"
    "the same engine, and its cgroup id is mapped to that slot (containers that\n"
    "name the same config share a slot):\n"
    "  annotation io.sockshim.config-toml   the whole TOML\n"
    "  annotation io.sockshim.config=NAME   DIR/NAME.toml (needs --config-dir)\n"
    "  annotation sockshim.io/tune=\"false\"  untouched: the kernel's defaults\n"
    "A config that cannot be used (invalid, or options the kernel engine cannot\n"
    "set) is reported in one line and the container is left untouched. Sockets\n"
    "a container makes before its entry is written get the default config. A\n"
    "container's entry, and its slot when no other container uses it, is\n"
    "removed when its bundle is. The engine stays attached when the agent\n"
    "exits; a restarted agent takes it over and rebuilds its entries from the\n"
    "bundles present, and removes at start every engine of an older agent whose\n"
    "cgroup is gone.\n"
    "\n"
    "Exit status: 0 stopped by SIGTERM or SIGINT; 1 invalid default config, or\n"
    "the engine cannot run here (one line says why); 2 usage error.\n";

// How long a bundle's cgroup is waited for.
constexpr int kCgroupWaitSeconds = 10;

// The opt-out annotation: "false" leaves the container at the kernel's defaults.
constexpr char kTuneAnnotation[] = "sockshim.io/tune";

volatile sig_atomic_t stop_requested = 0;
void request_stop(int) { stop_requested = 1; }

bool is_directory(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

#ifdef SOCKSHIM_BPF_ENGINE
std::string bpf_unsupported(const Policy& policy) {
  std::string line;
  for (const std::string& section : bpf_engine::unsupported_by_bpf(policy)) {
    line += (line.empty() ? "the kernel engine cannot do: " : "; ") + section;
  }
  return line;
}

bool attach(const std::string& cgroup, const Policy& policy, std::string* error) {
  bpf_engine::CompiledMaps maps;
  return bpf_engine::compile_maps(policy, &maps, error) && bpf_engine::attach_to_cgroup(cgroup, maps, error);
}

// The engine's config slots other than 0, by what chose them: a key per
// distinct config (its annotation's value), or kUntouchedKey.
class ConfigSlots {
 public:
  static constexpr const char* kUntouchedKey = "untouched";

  // |maps|: those of the engine attached at |engine_cgroup|. |reserved|:
  // slots an earlier agent wrote, not given out until released.
  ConfigSlots(std::string engine_cgroup, const bpf_engine::MapDescriptors& maps, std::vector<uint32_t> reserved)
      : engine_cgroup_(std::move(engine_cgroup)), maps_(maps), reserved_(reserved.begin(), reserved.end()) {}

  // The slot of |key|, written with |policy| (nullptr: untouched) when it
  // is new; one more user. Nullopt with |error|.
  std::optional<uint32_t> acquire(const std::string& key, const Policy* policy, std::string* error) {
    if (auto found = by_key_.find(key); found != by_key_.end()) {
      ++found->second.users;
      return found->second.slot;
    }
    uint32_t slot = 1;
    while (slot < SOCKSHIM_MAX_SLOTS && (in_use(slot) || reserved_.count(slot))) ++slot;
    if (slot == SOCKSHIM_MAX_SLOTS) {
      *error = "all " + std::to_string(SOCKSHIM_MAX_SLOTS - 1) + " config slots of the engine are in use";
      return std::nullopt;
    }
    if (policy) {
      bpf_engine::CompiledMaps compiled;
      if (!bpf_engine::compile_maps(*policy, &compiled, error) ||
          // The hooks the config needs first: the default config's may
          // have left out the UDP ones or cgroup/setsockopt.
          !bpf_engine::write_config(engine_cgroup_, maps_, slot, compiled, error)) {
        std::string ignored;  // |error| says why; what was written of it goes
        bpf_engine::clear_slot(maps_, slot, &ignored);
        return std::nullopt;
      }
    } else if (!bpf_engine::write_untouched(maps_, slot, error)) {
      return std::nullopt;
    }
    by_key_[key] = Use{slot, 1};
    return slot;
  }

  // One user fewer of |key|'s slot: cleared when it has none.
  void release(const std::string& key) {
    auto found = by_key_.find(key);
    if (found == by_key_.end() || --found->second.users > 0) return;
    std::string error;
    if (!bpf_engine::clear_slot(maps_, found->second.slot, &error)) {
      std::fprintf(stderr, "sockshim agent: clearing config slot %u: %s\n", found->second.slot, error.c_str());
    }
    by_key_.erase(found);
  }

  // Clears the reserved slots: the earlier agent's, now mapped by no cgroup.
  void release_reserved() {
    for (const uint32_t slot : reserved_) {
      std::string error;
      if (!bpf_engine::clear_slot(maps_, slot, &error)) {
        std::fprintf(stderr, "sockshim agent: clearing config slot %u: %s\n", slot, error.c_str());
      }
    }
    reserved_.clear();
  }

 private:
  struct Use {
    uint32_t slot = 0;
    int users = 0;
  };
  bool in_use(uint32_t slot) const {
    for (const auto& [key, use] : by_key_) {
      if (use.slot == slot) return true;
    }
    return false;
  }

  const std::string engine_cgroup_;
  const bpf_engine::MapDescriptors& maps_;
  std::set<uint32_t> reserved_;
  std::map<std::string, Use> by_key_;
};

// A container mapped to a config slot.
struct Served {
  uint64_t cgroup_id = 0;
  std::string slot_key;
};

class NodeAgent {
 public:
  // |maps|: those of the engine attached at |engine_cgroup|.
  NodeAgent(std::string mount, std::vector<std::string> roots, const supervisor::ContainerConfigs& configs,
            const std::string& engine_cgroup, const bpf_engine::MapDescriptors& maps)
      : mount_(std::move(mount)),
        roots_(std::move(roots)),
        configs_(configs),
        maps_(maps),
        earlier_entries_(bpf_engine::mapped_cgroups(maps)),
        slots_(engine_cgroup, maps, earlier_slots(maps)) {}

  // Reads every bundle: new containers mapped to their slots, gone ones'
  // entries removed. True when a container's cgroup does not exist yet
  // (look again soon).
  bool rescan() {
    bool waiting = false;
    std::map<std::string, bool> present;
    for (const supervisor::RuntimeBundle& bundle : supervisor::find_runtime_bundles(roots_)) {
      const std::string id = container_id(bundle);
      present[id] = true;
      if (served_.count(id) || ignored_.count(id)) continue;
      if (!serve(id, bundle)) waiting = true;
    }
    for (auto it = served_.begin(); it != served_.end();) {
      if (present.count(it->first)) {
        ++it;
        continue;
      }
      std::string error;
      if (!bpf_engine::unmap_cgroup(maps_, it->second.cgroup_id, &error)) {
        std::fprintf(stderr, "sockshim agent: container %s: %s\n", it->first.c_str(), error.c_str());
      }
      slots_.release(it->second.slot_key);
      std::printf("container %s: gone\n", it->first.c_str());
      it = served_.erase(it);
    }
    forget_absent(&ignored_, present);
    forget_absent(&waiting_since_, present);
    if (!took_over_) take_over();
    std::fflush(stdout);
    return waiting;
  }

 private:
  static std::vector<uint32_t> earlier_slots(const bpf_engine::MapDescriptors& maps) {
    std::vector<uint32_t> slots = bpf_engine::configured_slots(maps);
    slots.erase(std::remove(slots.begin(), slots.end(), 0u), slots.end());
    return slots;
  }

  // After the first scan: the entries and slots an earlier agent wrote that
  // no container present has now are removed (the others were rewritten).
  void take_over() {
    took_over_ = true;
    size_t removed = 0;
    for (const auto& [cgroup, slot] : earlier_entries_) {
      bool current = false;
      for (const auto& [id, served] : served_) current = current || served.cgroup_id == cgroup;
      if (current) continue;
      std::string error;
      if (bpf_engine::unmap_cgroup(maps_, cgroup, &error)) {
        ++removed;
      } else {
        std::fprintf(stderr, "sockshim agent: cgroup %llu: %s\n", static_cast<unsigned long long>(cgroup),
                     error.c_str());
      }
    }
    slots_.release_reserved();
    if (!earlier_entries_.empty()) {
      std::printf("took over %zu cgroup entries: %zu of containers gone removed\n", earlier_entries_.size(), removed);
    }
    earlier_entries_.clear();
  }

  template <typename Value>
  static void forget_absent(std::map<std::string, Value>* entries, const std::map<std::string, bool>& present) {
    for (auto it = entries->begin(); it != entries->end();) {
      it = present.count(it->first) ? std::next(it) : entries->erase(it);
    }
  }

  static std::string container_id(const supervisor::RuntimeBundle& bundle) {
    // CRI-O: overlay-containers/<id>/userdata/config.json
    if (bundle.id == "userdata") {
      const std::string parent = bundle.directory.substr(0, bundle.directory.find_last_of('/'));
      return parent.substr(parent.find_last_of('/') + 1);
    }
    return bundle.id;
  }

  static bool is_sandbox(const supervisor::RuntimeBundle& bundle) {
    for (const char* key : {"io.kubernetes.cri.container-type", "io.kubernetes.cri-o.ContainerType"}) {
      if (const auto type = bundle.annotations.find(key); type != bundle.annotations.end() && type->second == "sandbox")
        return true;
    }
    return false;
  }

  // What a slot's config is known by: the annotation that chose it.
  static std::string config_key(const std::map<std::string, std::string>& annotations) {
    if (const auto toml = annotations.find(supervisor::kConfigTomlAnnotation); toml != annotations.end()) {
      return "toml:" + toml->second;
    }
    return "name:" + annotations.at(supervisor::kConfigNameAnnotation);
  }

  // False when its cgroup is not there yet.
  bool serve(const std::string& id, const supervisor::RuntimeBundle& bundle) {
    const auto& annotations = bundle.annotations;
    const bool opted_out = annotations.count(kTuneAnnotation) && annotations.at(kTuneAnnotation) == "false";
    const bool names_config = annotations.count(supervisor::kConfigTomlAnnotation) ||
                              annotations.count(supervisor::kConfigNameAnnotation);
    // The pod's sandbox (pause) makes no sockets; the others that name
    // nothing have the engine's own config already.
    if (is_sandbox(bundle) || (!opted_out && !names_config)) {
      ignored_[id];
      if (!is_sandbox(bundle)) std::printf("container %s: the default config\n", id.c_str());
      return true;
    }
    const std::string cgroup = supervisor::cgroup_directory_of(mount_, bundle.cgroup_path);
    if (cgroup.empty()) {
      std::fprintf(stderr, "sockshim agent: container %s: its bundle has no linux.cgroupsPath; it gets the default\n",
                   id.c_str());
      ignored_[id];
      return true;
    }
    if (!is_directory(cgroup)) {
      // The runtime writes the bundle before it makes the cgroup: looked
      // for again soon, for a while (a container that ended keeps its
      // bundle until removed, without its cgroup).
      const time_t now = time(nullptr);
      const time_t first = waiting_since_.emplace(id, now).first->second;
      if (now - first < kCgroupWaitSeconds) return false;
      std::fprintf(stderr, "sockshim agent: container %s: no cgroup %s after %d s; left alone\n", id.c_str(),
                   cgroup.c_str(), kCgroupWaitSeconds);
      waiting_since_.erase(id);
      ignored_[id];
      return true;
    }
    waiting_since_.erase(id);
    std::string source;
    std::string key = ConfigSlots::kUntouchedKey;
    const Policy* policy = nullptr;
    supervisor::ChosenConfig chosen;
    if (opted_out) {
      source = std::string("untouched (") + kTuneAnnotation + ": \"false\")";
    } else {
      supervisor::ContainerState state;
      state.id = id;
      state.annotations = annotations;
      chosen = configs_.choose(state);
      if (chosen.policy) {
        policy = &*chosen.policy;
        key = config_key(annotations);
        source = "config " + chosen.source;
      } else {
        std::fprintf(stderr, "sockshim agent: container %s: %s; the container is left untouched\n", id.c_str(),
                     chosen.error.c_str());
        source = "untouched (its config was refused)";
      }
    }
    std::string error;
    const std::optional<uint32_t> slot = slots_.acquire(key, policy, &error);
    const uint64_t cgroup_id = bpf_engine::cgroup_id(cgroup);
    if (!slot || !bpf_engine::map_cgroup(maps_, cgroup_id, *slot, &error)) {
      std::fprintf(stderr, "sockshim agent: container %s: %s; it gets the default\n", id.c_str(), error.c_str());
      if (slot) slots_.release(key);
      ignored_[id];
      return true;
    }
    served_[id] = Served{cgroup_id, key};
    std::printf("container %s: %s (config slot %u)\n", id.c_str(), source.c_str(), *slot);
    return true;
  }

  std::string mount_;
  std::vector<std::string> roots_;
  const supervisor::ContainerConfigs& configs_;
  const bpf_engine::MapDescriptors& maps_;
  std::map<uint64_t, uint32_t> earlier_entries_;  // what an earlier agent mapped, until the first scan ends
  bool took_over_ = false;
  ConfigSlots slots_;
  std::map<std::string, Served> served_;
  std::map<std::string, bool> ignored_;  // served by the default config, or not at all
  std::map<std::string, time_t> waiting_since_;  // bundles whose cgroup is not there yet
};

// Watches the bundles' parent directories (re-added after each scan: a new
// namespace or bundle directory is one more).
void watch_parents(int inotify, const std::vector<std::string>& roots) {
  for (const std::string& directory : supervisor::bundle_parent_directories(roots)) {
    inotify_add_watch(inotify, directory.c_str(), IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR);
  }
}
#endif

}  // namespace

int bpf_agent_command(int argc, char** argv) {
  std::string cgroup, config_file, config_dir;
  std::vector<std::string> roots;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    } else if (arg == "--engine" && has_value && std::strcmp(argv[i + 1], "bpf") == 0) {
      ++i;
    } else if (arg == "--cgroup" && has_value) {
      cgroup = argv[++i];
    } else if (arg == "-c" && has_value) {
      config_file = argv[++i];
    } else if (arg == "--config-dir" && has_value) {
      config_dir = argv[++i];
    } else if (arg == "--runtime-state" && has_value) {
      roots.push_back(argv[++i]);
    } else {
      std::fputs(kUsage, stderr);
      return kExitUsage;
    }
  }
#ifndef SOCKSHIM_BPF_ENGINE
  std::fputs("sockshim agent: this sockshim was built without the kernel engine\n", stderr);
  return kExitFailure;
#else
  const std::string mount = bpf_engine::cgroup2_mount();
  if (mount.empty()) {
    std::fputs("sockshim agent: cgroup v2 is not mounted here, which the kernel engine needs\n", stderr);
    return kExitFailure;
  }
  if (cgroup.empty()) {
    for (const char* name : {"/kubepods.slice", "/kubepods"}) {
      if (is_directory(mount + name)) {
        cgroup = mount + name;
        break;
      }
    }
    if (cgroup.empty()) {
      std::fprintf(stderr,
                   "sockshim agent: no kubepods.slice or kubepods under %s: "
                   "name the pods' cgroup parent with --cgroup\n",
                   mount.c_str());
      return kExitFailure;
    }
  }
  if (roots.empty()) {
    roots = {"/run/containerd/io.containerd.runtime.v2.task", "/run/containers/storage/overlay-containers"};
  }

  std::optional<Policy> default_policy;
  if (!config_file.empty()) {
    default_policy = load_config_or_report(config_file);
    if (!default_policy) return kExitFailure;
    if (const std::string unsupported = bpf_unsupported(*default_policy); !unsupported.empty()) {
      std::fprintf(stderr, "sockshim agent: %s: %s\n", config_file.c_str(), unsupported.c_str());
      return kExitFailure;
    }
  }
  // Without a default config, the engine's own config sets nothing.
  LoadResult empty = load_policy("# untouched: the kernel's defaults\n", "(untouched)");
  if (!empty.policy) {
    for (const std::string& line : error_lines(empty)) std::fprintf(stderr, "sockshim agent: %s\n", line.c_str());
    return kExitFailure;
  }
  std::string error;
  bpf_engine::AttachedEngine engine;
  if (!attach(cgroup, default_policy ? *default_policy : *empty.policy, &error) ||
      !bpf_engine::open_attached_engine(cgroup, &engine, &error)) {
    std::fprintf(stderr, "sockshim agent: %s\n", error.c_str());
    return kExitFailure;
  }
  std::printf("attached at %s with %s\n", cgroup.c_str(), default_policy ? config_file.c_str() : "no default config");
  // Containers removed while no agent ran left their engines pinned.
  for (const uint64_t id : bpf_engine::remove_engines_of_removed_cgroups()) {
    std::printf("removed the engine of cgroup %llu, which is gone\n", static_cast<unsigned long long>(id));
  }
  std::fflush(stdout);

  struct sigaction action{};
  action.sa_handler = request_stop;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);

  const supervisor::ContainerConfigs configs(default_policy, config_file, config_dir, bpf_unsupported);
  NodeAgent agent(mount, roots, configs, cgroup, engine.maps);
  const int inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  while (!stop_requested) {
    if (inotify >= 0) watch_parents(inotify, roots);
    const bool waiting = agent.rescan();
    // A container whose cgroup is not made yet is looked for again within
    // 20 ms; otherwise the watches wake us, and a scan every 2 s catches a
    // root made after we started.
    pollfd watched{inotify, POLLIN, 0};
    const int ready = poll(&watched, inotify >= 0 ? 1 : 0, waiting ? 20 : 2000);
    if (ready > 0) {
      char events[4096];
      while (read(inotify, events, sizeof events) > 0) {
      }
    }
  }
  std::printf("stopped; the engine stays attached\n");
  return kExitOk;
#endif
}

}  // namespace sockshim::cli
