// SPDX-License-Identifier: Apache-2.0
// Which config the agent applies to a container, from what the runtime says
// about it: the whole TOML in an annotation, a config named by an
// annotation, a config named by the profile's listenerMetadata, or the
// agent's default.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "config/policy.h"
#include "supervisor/container_state.h"

namespace sockshim::supervisor {

// The container's whole config, as TOML text.
constexpr char kConfigTomlAnnotation[] = "io.sockshim.config-toml";
// The name of a config in the agent's config directory (NAME.toml).
constexpr char kConfigNameAnnotation[] = "io.sockshim.config";

struct ChosenConfig {
  std::optional<Policy> policy;  // nullopt: the container runs untuned
  std::string source;            // "annotation io.sockshim.config-toml", a path, "none"
  std::string error;             // one line when the chosen config was refused
};

class ContainerConfigs {
 public:
  // |default_policy| for containers that name no config (nullopt: they run
  // untuned); |directory| holds NAME.toml files (empty: none).
  // |unsupported| says in one line what an engine cannot do of a policy
  // (empty: it can do all of it); the supervisor's by default.
  using UnsupportedCheck = std::function<std::string(const Policy&)>;
  ContainerConfigs(std::optional<Policy> default_policy, std::string default_source, std::string directory,
                   UnsupportedCheck unsupported = nullptr);

  // In order: kConfigTomlAnnotation, kConfigNameAnnotation, the metadata
  // (when a directory is given), the default. A config that cannot be read,
  // is invalid, or asks for what the engine cannot do gives an error and no
  // policy: the container is served, untuned.
  ChosenConfig choose(const ContainerState& state) const;

 private:
  ChosenConfig from_directory(const std::string& name, const std::string& named_by) const;
  ChosenConfig load(const std::string& text, const std::string& source) const;

  std::optional<Policy> default_policy_;
  std::string default_source_;
  std::string directory_;
  UnsupportedCheck unsupported_;
};

}  // namespace sockshim::supervisor
