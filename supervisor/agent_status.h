// SPDX-License-Identifier: Apache-2.0
// What `sockshim agent --status` shows: the containers served, and per
// container the notifications handled, the options applied and the errors.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "supervisor/event_handler.h"

namespace sockshim::supervisor {

struct ServedContainer {
  std::string id;
  pid_t pid = 0;
  std::string config;  // where its config came from
  bool tuned = false;  // false: no config, or its config was refused
  std::string error;   // why its config was refused
  HandlerCounts counts;
};

struct AgentStatus {
  pid_t agent_pid = 0;
  pid_t holder_pid = 0;  // 0: no holder; listeners die with this agent
  std::string socket_path;
  std::vector<ServedContainer> containers;  // running now
  size_t ended_containers = 0;
  HandlerCounts totals;  // every container since this agent started, ended ones included
};

std::string status_text(const AgentStatus& status);
std::string status_json(const AgentStatus& status);

}  // namespace sockshim::supervisor
