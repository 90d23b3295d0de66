// SPDX-License-Identifier: Apache-2.0
// `sockshim compile FILE`: save the config's policy in binary beside it.
#pragma once

namespace sockshim::cli {

int compile_command(int argc, char** argv);

}  // namespace sockshim::cli
