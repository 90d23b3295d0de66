// SPDX-License-Identifier: Apache-2.0
// `sockshim inspect PID`: the options in effect on a process's sockets.
#pragma once

namespace sockshim::cli {

int inspect_command(int argc, char** argv);

}  // namespace sockshim::cli
