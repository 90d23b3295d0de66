// SPDX-License-Identifier: Apache-2.0
// What a libsockshim.so file says about itself, read from the file without
// loading it (a library of the other libc could not be loaded here): its
// version, the libc it was built for, and the newest glibc it needs.
#pragma once

#include <optional>
#include <string>

#include "cli/shim_libraries.h"

namespace sockshim::cli {

struct LibraryFacts {
  // "0.1.0", or "" when the library carries no version: it carries
  // "sockshim-version X.Y.Z" (shim/runtime.cc).
  std::string version;
  // The libc it links against (its DT_NEEDED: libc.so.6 is glibc, libc.so or
  // libc.musl-* is musl); nothing when it is not a 64-bit ELF shared object
  // or names neither.
  std::optional<Libc> libc;
  // The highest GLIBC_x.y among the symbol versions it needs ("2.17"), or ""
  // when it needs none.
  std::string newest_glibc;
};

// Reads |library| once; a file that cannot be read gives empty facts.
LibraryFacts read_library_facts(const std::string& library);

}  // namespace sockshim::cli
