// SPDX-License-Identifier: Apache-2.0
// The `sockshim` command: one entry point, one file per subcommand.
#include <cstdio>
#include <cstring>

#include "cli/agent_command.h"
#include "cli/check_command.h"
#include "cli/compile_command.h"
#include "cli/doctor_command.h"
#include "cli/exit_codes.h"
#include "cli/explain_command.h"
#include "cli/inspect_command.h"
#include "cli/kernel_engine_commands.h"
#include "cli/options_command.h"
#include "cli/run_command.h"

namespace {

constexpr char kUsage[] =
    "usage: sockshim COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  check [FILE]                            validate a config (default: what the\n"
    "                                            library would load) and say what it does\n"
    "  compile FILE                            save FILE's policy in binary to\n"
    "                                            FILE.compiled, read instead of FILE\n"
    "  explain FILE --connect HOST:PORT |      which rules match one socket, and where\n"
    "               --listen [ADDR]:PORT         each final option comes from\n"
    "  run [-c FILE | -e TOML] -- PROGRAM ...  run a program under the shim of its libc\n"
    "  inspect PID [--json]                    socket options in effect on a running process\n"
    "  doctor                                  kernel settings, libc loaders, libraries\n"
    "  agent --socket PATH [-c FILE]           tune every container on a node (seccomp listenerPath)\n"
    "  attach CGROUP -c FILE                   the kernel engine (cgroup BPF) on a cgroup v2 directory\n"
    "  detach CGROUP                           remove the kernel engine from a cgroup\n"
    "  options                                 every option sockshim can set\n"
    "  --version                               the version of this command\n"
    "\n"
    "`sockshim COMMAND --help` describes each command.\n";

struct Command {
  const char* name;
  int (*run)(int argc, char** argv);
};

constexpr Command kCommands[] = {
    {"check", sockshim::cli::check_command},
    {"compile", sockshim::cli::compile_command},
    {"explain", sockshim::cli::explain_command},
    {"run", sockshim::cli::run_command},
    {"inspect", sockshim::cli::inspect_command},
    {"doctor", sockshim::cli::doctor_command},
    {"options", sockshim::cli::options_command},
    {"agent", sockshim::cli::agent_command},
    {"attach", sockshim::cli::attach_command},
    {"detach", sockshim::cli::detach_command},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? sockshim::cli::kExitUsage : sockshim::cli::kExitOk;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::printf("sockshim %s\n", SOCKSHIM_VERSION);
    return sockshim::cli::kExitOk;
  }
  for (const Command& command : kCommands) {
    if (std::strcmp(argv[1], command.name) == 0) return command.run(argc - 2, argv + 2);
  }
  std::fprintf(stderr, "sockshim: unknown command \"%s\"\n%s", argv[1], kUsage);
  return sockshim::cli::kExitUsage;
}
