// SPDX-License-Identifier: Apache-2.0
// The version a libsockshim.so file was built as: the library carries
// "sockshim-version X.Y.Z" (shim/runtime.cc), found here without loading it,
// which a library of the other libc could not be.
#pragma once

#include <string>

namespace sockshim::cli {

// "0.1.0", or "" when |library| carries no version.
std::string library_version(const std::string& library);

}  // namespace sockshim::cli
