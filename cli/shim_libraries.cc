// SPDX-License-Identifier: Apache-2.0
#include "cli/shim_libraries.h"

#include <unistd.h>

#include <cstdlib>

namespace sockshim::cli {
namespace {

#if defined(__GLIBC__)
constexpr Libc kOwnLibc = Libc::glibc;
#else
constexpr Libc kOwnLibc = Libc::musl;
#endif

std::string own_directory() {
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return ".";
  std::string text(path, static_cast<size_t>(n));
  return text.substr(0, text.rfind('/'));
}

}  // namespace

const char* libc_name(Libc libc) { return libc == Libc::glibc ? "glibc" : "musl"; }

std::vector<std::string> shim_library_candidates(Libc libc) {
  std::vector<std::string> candidates;
  const char* variable = libc == Libc::glibc ? "SOCKSHIM_GLIBC_LIBRARY" : "SOCKSHIM_MUSL_LIBRARY";
  if (const char* set = std::getenv(variable); set && *set) candidates.push_back(set);
  if (libc == kOwnLibc) candidates.push_back(SOCKSHIM_INSTALLED_LIBRARY);  // cli/CMakeLists.txt
  const std::string here = own_directory();
  if (libc == kOwnLibc) candidates.push_back(here + "/../lib/libsockshim.so");
  candidates.push_back(here + "/../lib/sockshim/" + libc_name(libc) + "/libsockshim.so");
#ifdef SOCKSHIM_BUILD_LIBRARY  // not in packages (SOCKSHIM_SEARCH_BUILD_TREES)
  const std::string source = SOCKSHIM_SOURCE_DIR;
  // The portable glibc build (scripts/common.sh: build-portable/) first: it
  // loads under any glibc from 2.17 on, also in a program older than this
  // machine's glibc.
  if (libc == Libc::glibc) candidates.push_back(source + "/build-portable/shim/libsockshim.so");
  // This command's own build tree, then the other libc's build tree
  // (scripts/common.sh: build/ for glibc, build-musl/ for musl).
  if (libc == kOwnLibc) candidates.push_back(SOCKSHIM_BUILD_LIBRARY);
  candidates.push_back(source + (libc == Libc::glibc ? "/build" : "/build-musl") + "/shim/libsockshim.so");
#endif
  return candidates;
}

std::string find_shim_library(Libc libc) {
  for (const std::string& candidate : shim_library_candidates(libc)) {
    if (access(candidate.c_str(), R_OK) == 0) return candidate;
  }
  return "";
}

}  // namespace sockshim::cli
