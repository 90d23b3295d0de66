// SPDX-License-Identifier: Apache-2.0
// `sockshim agent`: serves the seccomp listeners that OCI runtimes hand over
// for the containers of a node (a profile's listenerPath), each with the
// supervisor's engine and the config chosen for that container.
#pragma once

#include <string>

#include "supervisor/container_configs.h"

namespace sockshim::supervisor {

struct AgentOptions {
  std::string socket_path;  // where runtimes connect (the profile's listenerPath)
  std::string status_path;  // where `--status` asks
  std::string holder_path;  // the listener holder's socket; empty: no holder
  std::string program;      // this executable, to start the holder; empty: wait for one
};

// Runs until SIGTERM or SIGINT; containers keep their listeners in the
// holder meanwhile. Returns an exit code after one line on stderr when it
// could not start.
int run_agent(const AgentOptions& options, const ContainerConfigs& configs);

// Asks the agent at |status_path| for its status (|json| or text) and
// prints it. Returns an exit code.
int print_agent_status(const std::string& status_path, bool json);

}  // namespace sockshim::supervisor
