// SPDX-License-Identifier: Apache-2.0
// What an OCI runtime says about a container when it hands over the
// container's seccomp listener (the runtime spec's "containerProcessState":
// ociVersion, fds, pid, metadata, and state with id, bundle, annotations).
#pragma once

#include <sys/types.h>

#include <map>
#include <string>

namespace sockshim::supervisor {

struct ContainerState {
  std::string oci_version;
  pid_t pid = 0;              // the container's first process, in our PID namespace
  std::string metadata;       // the profile's listenerMetadata
  std::string id;             // the container's id
  std::string bundle;
  std::map<std::string, std::string> annotations;
};

// Parses the runtime's JSON. False with one sentence in |error| when it is
// not JSON or has no pid.
bool parse_container_state(const std::string& json, ContainerState* state, std::string* error);

}  // namespace sockshim::supervisor
