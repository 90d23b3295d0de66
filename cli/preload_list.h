// SPDX-License-Identifier: Apache-2.0
// LD_PRELOAD as both loaders read it: names separated by spaces or colons.
#pragma once

#include <string>

namespace sockshim::cli {

// |existing| with |library| added last (so that libraries already listed
// stay in front of it), or unchanged when it already lists |library|.
std::string preload_with(const char* existing, const std::string& library);

// |existing| without any entry naming |library| (separated by spaces).
std::string preload_without(const char* existing, const std::string& library);

}  // namespace sockshim::cli
