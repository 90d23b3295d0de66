// SPDX-License-Identifier: Apache-2.0
// Where the glibc and the musl builds of libsockshim.so are.
#pragma once

#include <string>
#include <vector>

namespace sockshim::cli {

enum class Libc { glibc, musl };

const char* libc_name(Libc libc);

// The places searched, in order: $SOCKSHIM_GLIBC_LIBRARY or
// $SOCKSHIM_MUSL_LIBRARY; beside this command once installed
// (../lib/libsockshim.so for its own libc, ../lib/sockshim/<libc>/); this
// command's build tree; the build trees of this source checkout, the
// portable glibc build (build-portable/) before the others.
std::vector<std::string> shim_library_candidates(Libc libc);

// The first candidate that exists, or empty.
std::string find_shim_library(Libc libc);

}  // namespace sockshim::cli
