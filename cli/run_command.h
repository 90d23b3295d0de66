// SPDX-License-Identifier: Apache-2.0
// `sockshim run [-c FILE | -e TOML] -- PROGRAM [ARGS]`: run a program under
// the shim built for its libc.
#pragma once

namespace sockshim::cli {

int run_command(int argc, char** argv);

}  // namespace sockshim::cli
