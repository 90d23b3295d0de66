// SPDX-License-Identifier: Apache-2.0
// What kind of program a file is, as far as a preload is concerned: which
// libc's loader runs it, or why no preload can reach it.
#pragma once

#include <string>

namespace sockshim::cli {

enum class ProgramKind {
  glibc,          // PT_INTERP is glibc's ld-linux
  musl,           // PT_INTERP is ld-musl
  static_binary,  // no PT_INTERP: no dynamic loader, no LD_PRELOAD
  go,             // Go: its net package makes raw system calls
  other_interpreter,
  not_found,
  not_elf,     // after any #! lines, a file that is not a 64-bit ELF program
  unreadable,  // may be executed but not read (mode 711): its kind is unknown
};

struct ProgramFacts {
  ProgramKind kind = ProgramKind::not_found;
  std::string path;         // the file inspected (a script's interpreter)
  std::string interpreter;  // PT_INTERP, when there is one
};

// Statically linked and Go programs: no loader reads LD_PRELOAD there, so
// only the supervisor reaches their sockets.
inline bool beyond_preload(ProgramKind kind) { return kind == ProgramKind::static_binary || kind == ProgramKind::go; }

// The shell that runs a file with neither an ELF header nor #!, as execvp does.
constexpr char kShellPath[] = "/bin/sh";

// |program| as given to `run` (a path, or a name looked up in PATH), found as
// execvp finds it (find_program); not_found when execvp would start nothing.
// A file with neither an ELF header nor #! is /bin/sh's kind, which runs it.
ProgramFacts inspect_program(const std::string& program);

// The kind of the executable |file|; a #! script is followed to its
// interpreter (also through /usr/bin/env).
ProgramFacts inspect_program_file(const std::string& file);

// The file execvp would start for |program| (find_program), or "".
std::string find_in_path(const std::string& program);

}  // namespace sockshim::cli
