// SPDX-License-Identifier: Apache-2.0
// `sockshim agent --socket PATH [-c FILE] [--config-dir DIR]`: tune every
// container of a node through its seccomp profile's listenerPath.
#pragma once

namespace sockshim::cli {

int agent_command(int argc, char** argv);

}  // namespace sockshim::cli
