// SPDX-License-Identifier: Apache-2.0
#include "cli/preload_list.h"

#include <algorithm>
#include <cstring>

namespace sockshim::cli {

std::string preload_with(const char* existing, const std::string& library) {
  if (!existing || !*existing) return library;
  const std::string list = existing;
  size_t start = 0;
  while (start < list.size()) {
    const size_t end = std::min(list.find_first_of(" :", start), list.size());
    if (list.compare(start, end - start, library) == 0) return list;
    start = end + 1;
  }
  return list + " " + library;
}

std::string preload_without(const char* existing, const std::string& library) {
  if (!existing) return "";
  const std::string list = existing;
  std::string kept;
  size_t start = 0;
  while (start < list.size()) {
    const size_t end = std::min(list.find_first_of(" :", start), list.size());
    const std::string entry = list.substr(start, end - start);
    if (!entry.empty() && entry != library) kept += (kept.empty() ? "" : " ") + entry;
    start = end + 1;
  }
  return kept;
}

}  // namespace sockshim::cli
