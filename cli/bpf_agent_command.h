// SPDX-License-Identifier: Apache-2.0
// `sockshim agent --engine bpf`: the node agent of the kernel engine.
#pragma once

namespace sockshim::cli {

// |argv|: the agent's arguments, --engine bpf among them.
int bpf_agent_command(int argc, char** argv);

}  // namespace sockshim::cli
