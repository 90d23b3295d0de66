// SPDX-License-Identifier: Apache-2.0
#include "cli/library_version.h"

#include <fstream>
#include <iterator>

namespace sockshim::cli {

std::string library_version(const std::string& library) {
  std::ifstream file(library, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  constexpr char kMarker[] = "sockshim-version ";
  const size_t at = bytes.find(kMarker);
  if (at == std::string::npos) return "";
  const size_t start = at + sizeof kMarker - 1;
  const size_t end = bytes.find('\0', start);
  if (end == std::string::npos || end - start > 32) return "";
  return bytes.substr(start, end - start);
}

}  // namespace sockshim::cli
