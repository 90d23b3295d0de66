#include "cli/run_command.h"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/config_loading.h"
#include "cli/exit_codes.h"
#include "cli/preload_list.h"
#include "cli/program_facts.h"
#include "cli/shim_libraries.h"

namespace sockshim::cli {
namespace {

constexpr char kUsage[] =
    "usage: sockshim run [-c FILE | -e TOML] -- PROGRAM [ARGS...]\n"
    "\n"
    "Runs PROGRAM under sockshim: picks the glibc or the musl build of\n"
    "libsockshim.so from the program's ELF interpreter (following #! scripts),\n"
    "adds it to any LD_PRELOAD already set, and sets the config:\n"
    "  -c FILE   SOCKSHIM_CONFIG=FILE (checked first)\n"
    "  -e TOML   SOCKSHIM_CONFIG_TOML=TOML (checked first)\n"
    "  neither   the environment's SOCKSHIM_CONFIG(_TOML), or /etc/sockshim.toml\n"
    "Statically linked programs and Go programs are refused: no preload reaches\n"
    "them. The libraries are looked for in $SOCKSHIM_GLIBC_LIBRARY or\n"
    "$SOCKSHIM_MUSL_LIBRARY, then beside this command, then in the build trees.\n"
    "\n"
    "Exit status: PROGRAM's own; 1 invalid config, program not found or not\n"
    "reachable by a preload, or no library for its libc; 2 usage error.\n";

int refuse(const ProgramFacts& facts, const std::string& program) {
  switch (facts.kind) {
    case ProgramKind::static_binary:
      std::fprintf(stderr,
                   "sockshim run: %s is statically linked: it has no dynamic loader, so LD_PRELOAD "
                   "cannot put sockshim into it\n",
                   facts.path.c_str());
      break;
    case ProgramKind::go:
      std::fprintf(stderr,
                   "sockshim run: %s is a Go program: Go's net package makes its socket system calls "
                   "directly, not through the C library, so a preload cannot reach them (set the "
                   "options in the program, e.g. net.Dialer.KeepAlive / KeepAliveConfig)\n",
                   facts.path.c_str());
      break;
    case ProgramKind::not_found:
      std::fprintf(stderr, "sockshim run: %s: no such program\n", program.c_str());
      break;
    case ProgramKind::not_elf:
      std::fprintf(stderr, "sockshim run: %s is not an ELF program or a #! script\n", facts.path.c_str());
      break;
    case ProgramKind::other_interpreter:
      std::fprintf(stderr, "sockshim run: %s uses the loader %s, which is neither glibc's nor musl's\n",
                   facts.path.c_str(), facts.interpreter.c_str());
      break;
    case ProgramKind::glibc:
    case ProgramKind::musl:
      break;
  }
  return kExitFailure;
}

}  // namespace

int run_command(int argc, char** argv) {
  std::string config_file, config_toml;
  int i = 0;
  for (; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    } else if (arg == "-c" && i + 1 < argc) {
      config_file = argv[++i];
    } else if (arg == "-e" && i + 1 < argc) {
      config_toml = argv[++i];
    } else if (arg == "--") {
      ++i;
      break;
    } else {
      break;
    }
  }
  if (i >= argc || (!config_file.empty() && !config_toml.empty())) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const std::string program = argv[i];
  const ProgramFacts facts = inspect_program(program);
  if (facts.kind != ProgramKind::glibc && facts.kind != ProgramKind::musl) return refuse(facts, program);
  const Libc libc = facts.kind == ProgramKind::glibc ? Libc::glibc : Libc::musl;
  const std::string library = find_shim_library(libc);
  if (library.empty()) {
    std::fprintf(stderr, "sockshim run: %s is a %s program, and no %s build of libsockshim.so was found in:\n",
                 facts.path.c_str(), libc_name(libc), libc_name(libc));
    for (const std::string& candidate : shim_library_candidates(libc)) {
      std::fprintf(stderr, "  %s\n", candidate.c_str());
    }
    return kExitFailure;
  }

  if (!config_file.empty()) {
    if (!load_config_or_report(config_file)) return kExitFailure;
    char absolute[4096];
    setenv("SOCKSHIM_CONFIG", realpath(config_file.c_str(), absolute) ? absolute : config_file.c_str(), 1);
    unsetenv("SOCKSHIM_CONFIG_TOML");  // it would win over the file
  } else if (!config_toml.empty()) {
    if (!load_inline_config_or_report(config_toml)) return kExitFailure;
    setenv("SOCKSHIM_CONFIG_TOML", config_toml.c_str(), 1);
  }
  setenv("LD_PRELOAD", preload_with(getenv("LD_PRELOAD"), library).c_str(), 1);
  execvp(program.c_str(), argv + i);
  std::fprintf(stderr, "sockshim run: cannot run %s: %s\n", program.c_str(), std::strerror(errno));
  return kExitFailure;
}

}  // namespace sockshim::cli
