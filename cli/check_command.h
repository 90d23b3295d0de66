// SPDX-License-Identifier: Apache-2.0
// `sockshim check FILE`: validate a config and say what it will do.
#pragma once

namespace sockshim::cli {

int check_command(int argc, char** argv);

}  // namespace sockshim::cli
