// SPDX-License-Identifier: Apache-2.0
#include "supervisor/agent_status.h"

#include <cstdio>

#include "supervisor/json_writer.h"

namespace sockshim::supervisor {
namespace {

std::string counts_json(const HandlerCounts& counts) {
  return "\"notifications\": " + std::to_string(counts.notifications) +
         ", \"options_applied\": " + std::to_string(counts.options_applied) +
         ", \"errors\": " + std::to_string(counts.errors);
}

}  // namespace

std::string status_text(const AgentStatus& status) {
  std::string text = "agent pid " + std::to_string(status.agent_pid) + ", socket " + status.socket_path + "\n";
  text += status.holder_pid ? "listener holder pid " + std::to_string(status.holder_pid) + "\n"
                            : std::string("listener holder: none (containers lose their listener with this agent)\n");
  text += "containers served: " + std::to_string(status.containers.size()) + " running, " +
          std::to_string(status.ended_containers) + " ended\n";
  text += "notifications: " + std::to_string(status.totals.notifications) +
          ", options applied: " + std::to_string(status.totals.options_applied) +
          ", errors: " + std::to_string(status.totals.errors) + "\n";
  if (status.containers.empty()) return text;
  char row[512];
  std::snprintf(row, sizeof row, "\n%-24s %-8s %13s %8s %7s  %s\n", "CONTAINER", "PID", "NOTIFICATIONS", "OPTIONS",
                "ERRORS", "CONFIG");
  text += row;
  for (const ServedContainer& container : status.containers) {
    std::snprintf(row, sizeof row, "%-24s %-8d %13llu %8llu %7llu  %s%s\n", container.id.c_str(), container.pid,
                  static_cast<unsigned long long>(container.counts.notifications),
                  static_cast<unsigned long long>(container.counts.options_applied),
                  static_cast<unsigned long long>(container.counts.errors), container.config.c_str(),
                  container.tuned ? "" : container.error.empty() ? " (untuned)" : " (refused: untuned)");
    text += row;
  }
  return text;
}

std::string status_json(const AgentStatus& status) {
  std::string json = "{\"agent_pid\": " + std::to_string(status.agent_pid) +
                     ", \"holder_pid\": " + std::to_string(status.holder_pid) +
                     ", \"socket\": " + json_string(status.socket_path) + ", \"containers\": [";
  for (size_t i = 0; i < status.containers.size(); ++i) {
    const ServedContainer& container = status.containers[i];
    json += std::string(i ? ", " : "") + "{\"id\": " + json_string(container.id) +
            ", \"pid\": " + std::to_string(container.pid) + ", \"config\": " + json_string(container.config) +
            ", \"tuned\": " + (container.tuned ? "true" : "false") +
            ", \"error\": " + json_string(container.error) + ", " + counts_json(container.counts) + "}";
  }
  json += "], \"ended_containers\": " + std::to_string(status.ended_containers) + ", \"totals\": {" +
          counts_json(status.totals) + "}}\n";
  return json;
}

}  // namespace sockshim::supervisor
