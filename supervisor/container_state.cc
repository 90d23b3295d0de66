// SPDX-License-Identifier: Apache-2.0
#include "supervisor/container_state.h"

#include "supervisor/json_reader.h"

namespace sockshim::supervisor {
namespace {

std::string text_of(const JsonValue* value) {
  return value && value->kind == JsonValue::Kind::string ? value->text : std::string();
}

pid_t pid_of(const JsonValue* value) {
  return value && value->kind == JsonValue::Kind::number && value->number > 0 ? static_cast<pid_t>(value->number)
                                                                              : 0;
}

}  // namespace

bool parse_container_state(const std::string& json, ContainerState* state, std::string* error) {
  JsonValue root;
  if (!parse_json(json, &root, error)) {
    *error = "the runtime's container state is not JSON: " + *error;
    return false;
  }
  *state = ContainerState();
  state->oci_version = text_of(root.find("ociVersion"));
  state->metadata = text_of(root.find("metadata"));
  state->pid = pid_of(root.find("pid"));
  if (const JsonValue* inner = root.find("state")) {
    state->id = text_of(inner->find("id"));
    state->bundle = text_of(inner->find("bundle"));
    if (!state->pid) state->pid = pid_of(inner->find("pid"));
    if (const JsonValue* annotations = inner->find("annotations")) {
      for (const auto& [name, value] : annotations->members) {
        if (value.kind == JsonValue::Kind::string) state->annotations[name] = value.text;
      }
    }
  }
  if (state->pid <= 0) {
    *error = "the runtime's container state has no pid";
    return false;
  }
  return true;
}

}  // namespace sockshim::supervisor
