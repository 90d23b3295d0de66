// SPDX-License-Identifier: Apache-2.0
#include "cli/program_facts.h"

#include <elf.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "supervisor/program_exec.h"

namespace sockshim::cli {
namespace {

template <typename T>
bool read_at(std::ifstream& file, uint64_t offset, T* out) {
  file.seekg(static_cast<std::streamoff>(offset));
  return static_cast<bool>(file.read(reinterpret_cast<char*>(out), sizeof *out));
}

// Sections that only Go's toolchain writes.
bool has_go_sections(std::ifstream& file, const Elf64_Ehdr& header) {
  if (header.e_shoff == 0 || header.e_shstrndx >= header.e_shnum) return false;
  Elf64_Shdr names;
  if (!read_at(file, header.e_shoff + uint64_t{header.e_shstrndx} * header.e_shentsize, &names)) return false;
  std::vector<char> table(names.sh_size + 1, '\0');
  file.seekg(static_cast<std::streamoff>(names.sh_offset));
  if (!file.read(table.data(), static_cast<std::streamsize>(names.sh_size))) return false;
  for (uint16_t i = 0; i < header.e_shnum; ++i) {
    Elf64_Shdr section;
    if (!read_at(file, header.e_shoff + uint64_t{i} * header.e_shentsize, &section)) return false;
    if (section.sh_name >= names.sh_size) continue;
    const char* name = table.data() + section.sh_name;
    if (std::strcmp(name, ".go.buildinfo") == 0 || std::strcmp(name, ".note.go.buildid") == 0 ||
        std::strcmp(name, ".gopclntab") == 0) {
      return true;
    }
  }
  return false;
}

ProgramFacts inspect_elf(const std::string& path) {
  ProgramFacts facts;
  facts.path = path;
  std::ifstream file(path, std::ios::binary);
  Elf64_Ehdr header;
  if (!file) {
    // Found and executable, but execute-only for us (mode 711), or gone.
    facts.kind = access(path.c_str(), F_OK) == 0 ? ProgramKind::unreadable : ProgramKind::not_found;
    return facts;
  }
  if (!read_at(file, 0, &header) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
      header.e_ident[EI_CLASS] != ELFCLASS64) {
    facts.kind = ProgramKind::not_elf;
    return facts;
  }
  if (has_go_sections(file, header)) {
    facts.kind = ProgramKind::go;
    return facts;
  }
  for (uint16_t i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment;
    if (!read_at(file, header.e_phoff + uint64_t{i} * header.e_phentsize, &segment)) break;
    if (segment.p_type != PT_INTERP) continue;
    std::string interpreter(segment.p_filesz, '\0');
    file.seekg(static_cast<std::streamoff>(segment.p_offset));
    file.read(interpreter.data(), static_cast<std::streamsize>(segment.p_filesz));
    interpreter.resize(std::strlen(interpreter.c_str()));
    facts.interpreter = interpreter;
    if (interpreter.find("ld-musl") != std::string::npos) {
      facts.kind = ProgramKind::musl;
    } else if (interpreter.find("ld-linux") != std::string::npos) {
      facts.kind = ProgramKind::glibc;
    } else {
      facts.kind = ProgramKind::other_interpreter;
    }
    return facts;
  }
  facts.kind = ProgramKind::static_binary;
  return facts;
}

// The interpreter of a "#!" script, or empty.
std::string script_interpreter(const std::string& path) {
  std::ifstream file(path);
  std::string line;
  if (!std::getline(file, line) || line.rfind("#!", 0) != 0) return "";
  std::istringstream words(line.substr(2));
  std::string interpreter, argument;
  words >> interpreter;
  if (interpreter.size() >= 4 && interpreter.compare(interpreter.size() - 4, 4, "/env") == 0) {
    while (words >> argument) {
      if (argument[0] != '-') return find_in_path(argument);
    }
  }
  return interpreter;
}

}  // namespace

std::string find_in_path(const std::string& program) {
  const ExecAttempt found = find_program(program.c_str());
  return found.error == 0 ? found.path : "";
}

ProgramFacts inspect_program(const std::string& program) {
  const ExecAttempt found = find_program(program.c_str());
  if (found.error != 0) {
    ProgramFacts facts;
    facts.path = program;
    return facts;
  }
  return inspect_program_file(found.through_shell ? kShellPath : found.path);
}

ProgramFacts inspect_program_file(const std::string& file) {
  std::string path = file;
  // A script runs in its interpreter; follow a few levels of #!.
  for (int depth = 0; depth < 4; ++depth) {
    const std::string interpreter = script_interpreter(path);
    if (interpreter.empty()) break;
    path = interpreter;
  }
  return inspect_elf(path);
}

}  // namespace sockshim::cli
