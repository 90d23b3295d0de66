// SPDX-License-Identifier: Apache-2.0
// `sockshim doctor`: what this machine's kernel and libcs offer sockshim.
#pragma once

namespace sockshim::cli {

int doctor_command(int argc, char** argv);

}  // namespace sockshim::cli
