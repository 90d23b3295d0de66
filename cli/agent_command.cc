// SPDX-License-Identifier: Apache-2.0
#include "cli/agent_command.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>

#include "cli/bpf_agent_command.h"
#include "cli/config_loading.h"
#include "cli/exit_codes.h"
#include "engine/log.h"
#include "supervisor/agent.h"
#include "supervisor/container_configs.h"
#include "supervisor/listener_holder.h"
#include "supervisor/supervisor.h"

namespace sockshim::cli {
namespace {

constexpr char kUsage[] =
    "usage: sockshim agent --socket PATH [-c FILE] [--config-dir DIR]\n"
    "                      [--holder PATH | --no-holder] [--status-socket PATH]\n"
    "       sockshim agent --socket PATH --status [--json]\n"
    "       sockshim agent --hold PATH [--exit-when-idle]\n"
    "       sockshim agent --engine bpf [--cgroup DIR] [-c FILE] [--config-dir DIR]\n"
    "                      [--runtime-state DIR]...   (the kernel engine)\n"
    "\n"
    "Serves the containers of a node whose seccomp profile names PATH as its\n"
    "listenerPath (examples/seccomp/sockshim.json): the OCI runtime (runc 1.1+,\n"
    "crun) connects at PATH when a container starts and hands over the\n"
    "container's seccomp listener; its trapped connect, listen and bind are then\n"
    "served as `sockshim run` serves a program's, with the container's config,\n"
    "each container on a thread of its own. A connection at PATH that has not\n"
    "sent its whole message within 2 s is closed without delaying any other; a\n"
    "descriptor that is not a seccomp listener is refused in one line.\n"
    "\n"
    "The config of a container, the first that applies:\n"
    "  annotation io.sockshim.config-toml   the whole TOML\n"
    "  annotation io.sockshim.config=NAME   DIR/NAME.toml (needs --config-dir)\n"
    "  the profile's listenerMetadata=NAME  DIR/NAME.toml (with --config-dir)\n"
    "  -c FILE                              the default; without it, untuned\n"
    "A config that cannot be used is reported in one line and the container runs\n"
    "untuned: its calls continue as if no profile trapped them.\n"
    "\n"
    "Restarts: each listener is also kept by a listener holder, so that\n"
    "containers' calls wait for the next agent instead of failing with ENOSYS.\n"
    "By default the agent starts one at PATH.holder when none answers there\n"
    "(`sockshim agent --hold PATH.holder`, in a session of its own); with\n"
    "--holder PATH it waits for one started separately (a service, a\n"
    "container). A holder ends when it holds nothing and no agent is\n"
    "connected (--exit-when-idle, as the agent starts it), else when killed.\n"
    "--no-holder: listeners end with the agent.\n"
    "\n"
    "--status asks the running agent (at --status-socket, default PATH.status)\n"
    "for the containers served, notifications handled, options applied and\n"
    "errors, as text or --json.\n"
    "\n"
    "Exit status: 0 stopped by SIGTERM or SIGINT; 1 invalid default config, or\n"
    "the agent cannot work here (one line says why); 2 usage error.\n";

int usage_error() {
  std::fputs(kUsage, stderr);
  return kExitUsage;
}

// This executable, to start the holder with: it must be the same program
// whatever the agent's PATH.
std::string own_program() {
  char path[4096];
  const ssize_t length = readlink("/proc/self/exe", path, sizeof path - 1);
  if (length <= 0) return "/proc/self/exe";
  path[length] = '\0';
  return path;
}

}  // namespace

int agent_command(int argc, char** argv) {
  for (int i = 0; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--engine") {
      if (std::string(argv[i + 1]) == "bpf") return bpf_agent_command(argc, argv);
      if (std::string(argv[i + 1]) != "seccomp") return usage_error();
    }
  }
  supervisor::AgentOptions options;
  std::string config_file, config_dir, hold_path;
  bool status = false, json = false, no_holder = false, exit_when_idle = false;
  bool holder_given = false;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    } else if (arg == "--engine" && has_value) {
      ++i;  // seccomp: this agent
    } else if (arg == "--socket" && has_value) {
      options.socket_path = argv[++i];
    } else if (arg == "-c" && has_value) {
      config_file = argv[++i];
    } else if (arg == "--config-dir" && has_value) {
      config_dir = argv[++i];
    } else if (arg == "--holder" && has_value) {
      options.holder_path = argv[++i];
      holder_given = true;
    } else if (arg == "--no-holder") {
      no_holder = true;
    } else if (arg == "--status-socket" && has_value) {
      options.status_path = argv[++i];
    } else if (arg == "--status") {
      status = true;
    } else if (arg == "--json") {
      json = true;
    } else if (arg == "--hold" && has_value) {
      hold_path = argv[++i];
    } else if (arg == "--exit-when-idle") {
      exit_when_idle = true;
    } else {
      return usage_error();
    }
  }
  if (!hold_path.empty()) return supervisor::run_listener_holder(hold_path, exit_when_idle);
  if (options.socket_path.empty() && options.status_path.empty()) return usage_error();
  if (options.status_path.empty()) options.status_path = options.socket_path + ".status";
  if (status) return supervisor::print_agent_status(options.status_path, json);
  if (options.socket_path.empty() || (no_holder && holder_given)) return usage_error();
  // A holder named with --holder is someone else's to start (a container
  // of its own, a service); the default one is started here when missing.
  if (!no_holder && !holder_given) {
    options.holder_path = options.socket_path + ".holder";
    options.program = own_program();
  }

  std::optional<Policy> default_policy;
  if (!config_file.empty()) {
    default_policy = load_config_or_report(config_file);
    if (!default_policy) return kExitFailure;
    if (const std::string unsupported = supervisor::unsupported_by_supervisor(*default_policy);
        !unsupported.empty()) {
      std::fprintf(stderr, "sockshim agent: %s: %s\n", config_file.c_str(), unsupported.c_str());
      return kExitFailure;
    }
  }
  configure_log(getenv("SOCKSHIM_LOG"), getenv("SOCKSHIM_LOG_FILE"));
  const supervisor::ContainerConfigs configs(default_policy, config_file, config_dir);
  return supervisor::run_agent(options, configs);
}

}  // namespace sockshim::cli
