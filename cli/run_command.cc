// SPDX-License-Identifier: Apache-2.0
#include "cli/run_command.h"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "cli/config_loading.h"
#include "cli/exit_codes.h"
#include "cli/kernel_engine_commands.h"
#include "config/config_source.h"
#include "cli/preload_list.h"
#include "cli/program_facts.h"
#include "cli/shim_libraries.h"
#include "engine/log.h"
#include "supervisor/program_exec.h"
#include "supervisor/supervisor.h"

namespace sockshim::cli {
namespace {

constexpr char kUsage[] =
    "usage: sockshim run [-c FILE | -e TOML] [--supervise | --engine bpf [--skip-unsupported]]\n"
    "                    -- PROGRAM [ARGS...]\n"
    "\n"
    "Runs PROGRAM under sockshim, with one of two engines:\n"
    "- the preload, for dynamically linked programs: picks the glibc or the\n"
    "  musl build of libsockshim.so from the program's ELF interpreter\n"
    "  (following #! scripts), adds it to any LD_PRELOAD already set, and runs\n"
    "  the program in its place;\n"
    "- the supervisor, for statically linked programs, Go programs, and any\n"
    "  program with --supervise: stays the program's parent, traps its\n"
    "  connect and listen (bind for UDP rules) with seccomp user notification,\n"
    "  sets the same options as the preload would, forwards\n"
    "  SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH, reaps\n"
    "  orphans (it may run as a container's PID 1), and ends when the program's\n"
    "  last process does. Needs Linux 5.9+; accept rules are refused.\n"
    "With --engine bpf, the kernel engine instead: PROGRAM runs in a transient\n"
    "child cgroup (of this command's cgroup v2 directory) with the engine\n"
    "attached, removed when PROGRAM ends; signals and exit status as under the\n"
    "supervisor (see `sockshim attach --help` for what it needs).\n"
    "Config:\n"
    "  -c FILE   SOCKSHIM_CONFIG=FILE (checked first)\n"
    "  -e TOML   SOCKSHIM_CONFIG_TOML=TOML (checked first)\n"
    "  neither   the environment's SOCKSHIM_CONFIG(_TOML), or /etc/sockshim.toml\n"
    "The libraries are looked for in $SOCKSHIM_GLIBC_LIBRARY or\n"
    "$SOCKSHIM_MUSL_LIBRARY, then where it was installed, then beside this\n"
    "command, then in the build trees.\n"
    "PROGRAM is found and started as execvp(3) does: a name without a slash is\n"
    "looked for in PATH (entries that cannot be executed are skipped), and a file\n"
    "with neither an ELF header nor #! runs through /bin/sh.\n"
    "\n"
    "Exit status: PROGRAM's own (128 + signal when a signal ended it under the\n"
    "supervisor); 127 PROGRAM not found, or a file it needs missing (its #!\n"
    "interpreter, its ELF loader); 126 PROGRAM found but not executable (no\n"
    "execute permission, a directory, ...), with a shell's words on stderr;\n"
    "1 invalid config, no library for its libc, or the supervisor cannot work\n"
    "here (one line says why); 2 usage error.\n";

// Why the preload cannot run a program that execvp would start.
int refuse(const ProgramFacts& facts) {
  switch (facts.kind) {
    case ProgramKind::not_elf:
      std::fprintf(stderr, "sockshim run: %s is not a 64-bit ELF program, so no preload is known to reach it; "
                   "--supervise runs it\n", facts.path.c_str());
      break;
    case ProgramKind::unreadable:
      std::fprintf(stderr, "sockshim run: %s may be executed but not read, so its libc is unknown; "
                   "--supervise runs it\n", facts.path.c_str());
      break;
    case ProgramKind::other_interpreter:
      std::fprintf(stderr, "sockshim run: %s uses the loader %s, which is neither glibc's nor musl's\n",
                   facts.path.c_str(), facts.interpreter.c_str());
      break;
    case ProgramKind::not_found:  // gone since it was found
      std::fprintf(stderr, "sockshim run: %s: %s\n", facts.path.c_str(), std::strerror(ENOENT));
      break;
    default:
      break;
  }
  return kExitFailure;
}

// One line and a shell's exit status for a program that cannot be started.
int report_exec_failure(const std::string& program, const ExecAttempt& attempt) {
  const ExecFailure failure = describe_exec_failure(program, attempt);
  std::fprintf(stderr, "sockshim run: %s\n", failure.message.c_str());
  return failure.exit_status;
}

// The config for the supervisor, which reads it itself: -c, -e, or the
// environment's as the preload would find it.
std::optional<Policy> supervisor_policy(const std::string& config_file, const std::string& config_toml) {
  if (!config_file.empty()) return load_config_or_report(config_file);
  if (!config_toml.empty()) return load_inline_config_or_report(config_toml);
  if (disabled_by_environment(getenv)) return Policy();
  std::string source;
  std::optional<Policy> policy = load_environment_config_or_report(&source);
  if (source.empty()) return Policy();  // no config: nothing to set
  return policy;
}

int run_supervised(const std::string& config_file, const std::string& config_toml, int argc, char** argv) {
  const std::optional<Policy> policy = supervisor_policy(config_file, config_toml);
  if (!policy) return kExitFailure;
  configure_log(getenv("SOCKSHIM_LOG"), getenv("SOCKSHIM_LOG_FILE"));
  return supervisor::supervise(std::vector<std::string>(argv, argv + argc), *policy);
}

}  // namespace

int run_command(int argc, char** argv) {
  std::string config_file, config_toml;
  bool supervise = false;
  bool kernel_engine = false;
  bool skip_unsupported = false;
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
    } else if (arg == "--supervise") {
      supervise = true;
    } else if (arg == "--engine" && i + 1 < argc && std::strcmp(argv[i + 1], "bpf") == 0) {
      kernel_engine = true;
      ++i;
    } else if (arg == "--skip-unsupported") {
      skip_unsupported = true;
    } else if (arg == "--") {
      ++i;
      break;
    } else {
      break;
    }
  }
  if (i >= argc || (!config_file.empty() && !config_toml.empty()) || (kernel_engine && supervise) ||
      (skip_unsupported && !kernel_engine)) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  if (kernel_engine) {
    return run_in_kernel_engine(supervisor_policy(config_file, config_toml), skip_unsupported, argc - i, argv + i);
  }
  const std::string program = argv[i];
  // The file execvp would start; a file with neither an ELF header nor #!
  // runs in /bin/sh, whose kind decides.
  const ExecAttempt found = find_program(program.c_str());
  if (found.error != 0) return report_exec_failure(program, found);
  const ProgramFacts facts = inspect_program_file(found.through_shell ? kShellPath : found.path);
  if (supervise || beyond_preload(facts.kind)) {
    return run_supervised(config_file, config_toml, argc - i, argv + i);
  }
  if (facts.kind != ProgramKind::glibc && facts.kind != ProgramKind::musl) return refuse(facts);
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
  std::vector<char*> shell_argv(static_cast<size_t>(argc - i) + 2, nullptr);
  ExecAttempt attempt;
  exec_program(argv + i, shell_argv.data(), &attempt);
  return report_exec_failure(program, attempt);
}

}  // namespace sockshim::cli
