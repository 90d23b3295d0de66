// SPDX-License-Identifier: Apache-2.0
// The kernel engine for every container of a node. One engine with the
// default config is attached at the pods' cgroup parent, so that a container
// that names no config is tuned from its first socket without anything
// written for it. A container that names a config by annotation gets an
// engine of its own on its own cgroup (the innermost engine wins: the
// engine's nesting rule), and an opted-out one an engine with an empty
// config, which sets nothing. Containers are learnt from the OCI bundles
// the runtime writes (config.json: annotations, linux.cgroupsPath), watched
// with inotify: no runtime API and no gRPC in the static command.
#include "cli/bpf_agent_command.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <optional>
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
#include "bpf_engine/unsupported_options.h"
#endif

namespace sockshim::cli {
namespace {

constexpr char kUsage[] =
    "usage: sockshim agent --engine bpf [--cgroup DIR] [-c FILE] [--config-dir DIR]\n"
    "                      [--runtime-state DIR]...\n"
    "\n"
    "Tunes every container of a node with the kernel engine (cgroup BPF): no\n"
    "seccomp profile, no preload, no restart of the pods. Attaches the engine\n"
    "once at DIR, the pods' cgroup parent (default: kubepods.slice or kubepods\n"
    "under the cgroup v2 mount), with FILE's config: every container below it\n"
    "that names no config gets FILE's options (without -c, none). Then reads the\n"
    "OCI bundles the runtime writes under each --runtime-state DIR (default:\n"
    "/run/containerd/io.containerd.runtime.v2.task and\n"
    "/run/containers/storage/overlay-containers), watched with inotify; a\n"
    "container whose annotations choose a config gets an engine of its own on\n"
    "its cgroup with that config:\n"
    "  annotation io.sockshim.config-toml   the whole TOML\n"
    "  annotation io.sockshim.config=NAME   DIR/NAME.toml (needs --config-dir)\n"
    "  annotation sockshim.io/tune=\"false\"  untouched: the kernel's defaults\n"
    "A config that cannot be used (invalid, or options the kernel engine cannot\n"
    "set) is reported in one line and the container is left untouched. Sockets\n"
    "a container makes before its own engine is attached get the default config.\n"
    "Each container's engine is removed when its bundle is; the engines stay\n"
    "attached when the agent exits; a restarted agent takes them over, and removes\n"
    "at start every engine whose cgroup is gone.\n"
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

// A container this agent gave an engine of its own.
struct Served {
  uint64_t cgroup_id = 0;
};

class NodeAgent {
 public:
  NodeAgent(std::string mount, std::vector<std::string> roots, const supervisor::ContainerConfigs& configs,
            Policy untouched)
      : mount_(std::move(mount)), roots_(std::move(roots)), configs_(configs), untouched_(std::move(untouched)) {}

  // Reads every bundle: new containers served, gone ones' engines removed.
  // True when a container's cgroup does not exist yet (look again soon).
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
      if (it->second.cgroup_id && !bpf_engine::detach_cgroup_id(it->second.cgroup_id, &error)) {
        std::fprintf(stderr, "sockshim agent: container %s: %s\n", it->first.c_str(), error.c_str());
      }
      std::printf("container %s: gone\n", it->first.c_str());
      it = served_.erase(it);
    }
    forget_absent(&ignored_, present);
    forget_absent(&waiting_since_, present);
    std::fflush(stdout);
    return waiting;
  }

 private:
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

  // False when its cgroup is not there yet.
  bool serve(const std::string& id, const supervisor::RuntimeBundle& bundle) {
    const auto& annotations = bundle.annotations;
    const bool opted_out = annotations.count(kTuneAnnotation) && annotations.at(kTuneAnnotation) == "false";
    const bool names_config = annotations.count(supervisor::kConfigTomlAnnotation) ||
                              annotations.count(supervisor::kConfigNameAnnotation);
    // The pod's sandbox (pause) makes no sockets; the others that name
    // nothing have the default engine above them already.
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
    const Policy* policy = &untouched_;
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
        source = "config " + chosen.source;
      } else {
        std::fprintf(stderr, "sockshim agent: container %s: %s; the container is left untouched\n", id.c_str(),
                     chosen.error.c_str());
        source = "untouched (its config was refused)";
      }
    }
    std::string error;
    if (!attach(cgroup, *policy, &error)) {
      std::fprintf(stderr, "sockshim agent: container %s: %s\n", id.c_str(), error.c_str());
      ignored_[id];
      return true;
    }
    served_[id].cgroup_id = bpf_engine::cgroup_id(cgroup);
    std::printf("container %s: %s\n", id.c_str(), source.c_str());
    return true;
  }

  std::string mount_;
  std::vector<std::string> roots_;
  const supervisor::ContainerConfigs& configs_;
  Policy untouched_;
  std::map<std::string, Served> served_;
  std::map<std::string, bool> ignored_;  // served by the default engine, or not at all
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
  // An engine that sets nothing: what an opted-out container gets.
  LoadResult empty = load_policy("# untouched: the kernel's defaults\n", "(untouched)");
  if (!empty.policy) {
    for (const std::string& line : error_lines(empty)) std::fprintf(stderr, "sockshim agent: %s\n", line.c_str());
    return kExitFailure;
  }
  std::string error;
  if (!attach(cgroup, default_policy ? *default_policy : *empty.policy, &error)) {
    std::fprintf(stderr, "sockshim agent: %s\n", error.c_str());
    return kExitFailure;
  }
  std::printf("attached at %s with %s\n", cgroup.c_str(),
              default_policy ? config_file.c_str() : "no default config");
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
  NodeAgent agent(mount, roots, configs, std::move(*empty.policy));
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
  std::printf("stopped; the engines stay attached\n");
  return kExitOk;
#endif
}

}  // namespace sockshim::cli
