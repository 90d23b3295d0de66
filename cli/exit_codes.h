// SPDX-License-Identifier: Apache-2.0
// Exit statuses shared by every sockshim subcommand (documented in the README).
#pragma once

namespace sockshim::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;  // the config is invalid, or the target could not be read
constexpr int kExitUsage = 2;    // wrong arguments

}  // namespace sockshim::cli
