// SPDX-License-Identifier: Apache-2.0
// The root that scripts/musl-container runs the musl tests in holds no glibc:
// no file there needs glibc's libc.so.6 or its loader, so a musl library or
// test that reaches for glibc fails there as it would on Alpine.
//
// Run inside that root by scripts/container-tests (not by ctest: on a glibc
// host it would fail). SOCKSHIM_SCANNED_ROOT scans another directory instead
// of "/"; scripts/musl-container uses it to see the test fail on a glibc file.
#include <elf.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace sockshim::testing {
namespace {

namespace fs = std::filesystem;

const std::set<std::string> kGlibcFiles = {"libc.so.6", "ld-linux-x86-64.so.2"};

template <typename T>
bool read_at(std::ifstream& file, uint64_t offset, T* out) {
  file.seekg(static_cast<std::streamoff>(offset));
  return static_cast<bool>(file.read(reinterpret_cast<char*>(out), sizeof *out));
}

std::string read_string(std::ifstream& file, uint64_t offset) {
  file.seekg(static_cast<std::streamoff>(offset));
  std::string text;
  std::getline(file, text, '\0');
  return text;
}

struct ElfNeeds {
  bool is_elf = false;
  std::string interpreter;          // PT_INTERP, empty when static
  std::vector<std::string> needed;  // DT_NEEDED
};

// PT_INTERP and DT_NEEDED of a 64-bit ELF file.
ElfNeeds elf_needs(const std::string& path) {
  ElfNeeds needs;
  std::ifstream file(path, std::ios::binary);
  Elf64_Ehdr header;
  if (!file || !read_at(file, 0, &header) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
      header.e_ident[EI_CLASS] != ELFCLASS64) {
    return needs;
  }
  needs.is_elf = true;
  std::vector<Elf64_Phdr> segments;
  for (uint16_t i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment;
    if (!read_at(file, header.e_phoff + uint64_t{i} * header.e_phentsize, &segment)) break;
    segments.push_back(segment);
  }
  // DT_STRTAB is an address: the loadable segment that holds it gives its offset.
  auto file_offset = [&](uint64_t address) -> uint64_t {
    for (const Elf64_Phdr& segment : segments) {
      if (segment.p_type == PT_LOAD && address >= segment.p_vaddr && address < segment.p_vaddr + segment.p_filesz) {
        return address - segment.p_vaddr + segment.p_offset;
      }
    }
    return 0;
  };
  for (const Elf64_Phdr& segment : segments) {
    if (segment.p_type == PT_INTERP) needs.interpreter = read_string(file, segment.p_offset);
    if (segment.p_type != PT_DYNAMIC) continue;
    std::vector<uint64_t> name_offsets;
    uint64_t strings = 0;
    for (uint64_t at = segment.p_offset; at + sizeof(Elf64_Dyn) <= segment.p_offset + segment.p_filesz;
         at += sizeof(Elf64_Dyn)) {
      Elf64_Dyn entry;
      if (!read_at(file, at, &entry) || entry.d_tag == DT_NULL) break;
      if (entry.d_tag == DT_NEEDED) name_offsets.push_back(entry.d_un.d_val);
      if (entry.d_tag == DT_STRTAB) strings = file_offset(entry.d_un.d_ptr);
    }
    for (uint64_t name : name_offsets) needs.needed.push_back(read_string(file, strings + name));
  }
  return needs;
}

std::string scanned_root() {
  const char* root = std::getenv("SOCKSHIM_SCANNED_ROOT");
  return root && *root ? root : "/";
}

TEST(GlibcFreeRootTest, NoFileIsOrNeedsGlibcOrALibraryOutsideTheRoot) {
  const fs::path root = scanned_root();
  const std::set<fs::path> kernel_views = {root / "proc", root / "sys", root / "dev"};
  std::vector<std::string> offenders;
  int musl_programs = 0;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, error);
       it != fs::recursive_directory_iterator(); it.increment(error)) {
    const fs::path& path = it->path();
    if (kernel_views.count(path)) {
      it.disable_recursion_pending();
      continue;
    }
    if (kGlibcFiles.count(path.filename().string()) || path.string().find("x86_64-linux-gnu") != std::string::npos) {
      offenders.push_back(path.string() + ": a glibc file or directory");
      continue;
    }
    struct stat status;
    if (lstat(path.c_str(), &status) != 0 || !S_ISREG(status.st_mode)) continue;
    const ElfNeeds needs = elf_needs(path);
    if (!needs.is_elf) continue;
    if (needs.interpreter.find("ld-musl") != std::string::npos) ++musl_programs;
    if (needs.interpreter.find("ld-linux") != std::string::npos) {
      offenders.push_back(path.string() + ": runs under glibc's loader " + needs.interpreter);
    }
    for (const std::string& library : needs.needed) {
      if (kGlibcFiles.count(library)) offenders.push_back(path.string() + ": needs " + library);
      // A library needed by its path (e.g. Debian's /usr/lib/x86_64-linux-musl/libc.so) must be there.
      if (library.find('/') != std::string::npos && !fs::exists(root / fs::path(library).relative_path())) {
        offenders.push_back(path.string() + ": needs " + library + ", which this root does not have");
      }
    }
  }
  ASSERT_FALSE(error) << "cannot walk " << root << ": " << error.message();
  // An empty or unreadable root would pass for the wrong reason.
  EXPECT_GT(musl_programs, 0) << "no program under " << root << " runs under musl's loader";
  std::string listed;
  for (const std::string& offender : offenders) listed += "\n  " + offender;
  EXPECT_TRUE(offenders.empty()) << offenders.size() << " files of " << root << " need glibc or the host:" << listed;
}

}  // namespace
}  // namespace sockshim::testing
