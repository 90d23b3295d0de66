// SPDX-License-Identifier: Apache-2.0
// `sockshim explain FILE --connect HOST:PORT | --listen [ADDR]:PORT`: which
// rules match one socket, and where each final option comes from.
#pragma once

namespace sockshim::cli {

int explain_command(int argc, char** argv);

}  // namespace sockshim::cli
