// SPDX-License-Identifier: Apache-2.0
#include "cli/library_facts.h"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string_view>
#include <vector>

namespace sockshim::cli {
namespace {

// The parts of an ELF file read here: its section headers and the bytes of
// any section, bounds-checked against the file.
class ElfSections {
 public:
  explicit ElfSections(const std::string& bytes) : bytes_(bytes) {
    Elf64_Ehdr header;
    if (bytes_.size() < sizeof header) return;
    std::memcpy(&header, bytes_.data(), sizeof header);
    if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 || header.e_ident[EI_CLASS] != ELFCLASS64 ||
        header.e_shentsize != sizeof(Elf64_Shdr) ||
        header.e_shoff + uint64_t{header.e_shnum} * sizeof(Elf64_Shdr) > bytes_.size()) {
      return;
    }
    sections_.resize(header.e_shnum);
    std::memcpy(sections_.data(), bytes_.data() + header.e_shoff, header.e_shnum * sizeof(Elf64_Shdr));
  }

  const std::vector<Elf64_Shdr>& sections() const { return sections_; }

  // The section's bytes, or empty when they lie outside the file.
  std::string_view contents(const Elf64_Shdr& section) const {
    if (section.sh_type == SHT_NOBITS || section.sh_offset > bytes_.size() ||
        section.sh_size > bytes_.size() - section.sh_offset) {
      return {};
    }
    return std::string_view(bytes_).substr(section.sh_offset, section.sh_size);
  }

  // The NUL-terminated string at |offset| of string table section |index|.
  std::string string_at(uint32_t index, uint64_t offset) const {
    if (index >= sections_.size()) return "";
    const std::string_view table = contents(sections_[index]);
    if (offset >= table.size()) return "";
    const std::string_view rest = table.substr(offset);
    return std::string(rest.substr(0, rest.find('\0')));
  }

 private:
  const std::string& bytes_;
  std::vector<Elf64_Shdr> sections_;
};

// Reads a T at |offset| of |data|; false when it does not fit.
template <typename T>
bool read_at(std::string_view data, uint64_t offset, T* out) {
  if (offset > data.size() || sizeof *out > data.size() - offset) return false;
  std::memcpy(out, data.data() + offset, sizeof *out);
  return true;
}

// "2.17" > "2.5": compares the numbers after "GLIBC_" part by part.
bool newer_version(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    const unsigned long x = i < a.size() ? std::stoul(a.substr(i)) : 0;
    const unsigned long y = j < b.size() ? std::stoul(b.substr(j)) : 0;
    if (x != y) return x > y;
    i = a.find('.', i);
    j = b.find('.', j);
    i = i == std::string::npos ? a.size() : i + 1;
    j = j == std::string::npos ? b.size() : j + 1;
  }
  return false;
}

std::string version_marked_in(const std::string& bytes) {
  constexpr char kMarker[] = "sockshim-version ";
  const size_t at = bytes.find(kMarker);
  if (at == std::string::npos) return "";
  const size_t start = at + sizeof kMarker - 1;
  const size_t end = bytes.find('\0', start);
  if (end == std::string::npos || end - start > 32) return "";
  return bytes.substr(start, end - start);
}

std::optional<Libc> libc_needed_by(const ElfSections& elf) {
  for (const Elf64_Shdr& section : elf.sections()) {
    if (section.sh_type != SHT_DYNAMIC) continue;
    const std::string_view dynamic = elf.contents(section);
    Elf64_Dyn entry;
    for (uint64_t at = 0; read_at(dynamic, at, &entry) && entry.d_tag != DT_NULL; at += sizeof entry) {
      if (entry.d_tag != DT_NEEDED) continue;
      const std::string needed = elf.string_at(section.sh_link, entry.d_un.d_val);
      if (needed == "libc.so.6") return Libc::glibc;
      if (needed == "libc.so" || needed.rfind("libc.musl-", 0) == 0) return Libc::musl;
    }
  }
  return std::nullopt;
}

std::string newest_glibc_needed_by(const ElfSections& elf) {
  std::string newest;
  for (const Elf64_Shdr& section : elf.sections()) {
    if (section.sh_type != SHT_GNU_verneed) continue;
    const std::string_view needs = elf.contents(section);
    Elf64_Verneed need;
    for (uint64_t at = 0; read_at(needs, at, &need); at += need.vn_next) {
      Elf64_Vernaux aux;
      for (uint64_t aux_at = at + need.vn_aux; read_at(needs, aux_at, &aux); aux_at += aux.vna_next) {
        const std::string name = elf.string_at(section.sh_link, aux.vna_name);
        constexpr char kPrefix[] = "GLIBC_";
        const std::string version = name.substr(std::min(name.size(), sizeof kPrefix - 1));
        if (name.rfind(kPrefix, 0) == 0 && !version.empty() && version[0] >= '0' && version[0] <= '9' &&
            (newest.empty() || newer_version(version, newest))) {
          newest = version;
        }
        if (aux.vna_next == 0) break;
      }
      if (need.vn_next == 0) break;
    }
  }
  return newest;
}

}  // namespace

LibraryFacts read_library_facts(const std::string& library) {
  std::ifstream file(library, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const ElfSections elf(bytes);
  return {version_marked_in(bytes), libc_needed_by(elf), newest_glibc_needed_by(elf)};
}

}  // namespace sockshim::cli
