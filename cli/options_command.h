// SPDX-License-Identifier: Apache-2.0
// `sockshim options`: every option sockshim can set, from the catalogue.
#pragma once

namespace sockshim::cli {

int options_command(int argc, char** argv);

}  // namespace sockshim::cli
