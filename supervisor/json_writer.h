// SPDX-License-Identifier: Apache-2.0
// Writing JSON text, for the command's --json outputs and the agent's status.
#pragma once

#include <string>

namespace sockshim::supervisor {

// |text| as a JSON string, quoted: quotes and backslashes escaped, control
// characters as \u00XX.
std::string json_string(const std::string& text);

}  // namespace sockshim::supervisor
