// The `sockshim` command: one entry point, one file per subcommand.
#include <cstdio>
#include <cstring>

#include "cli/exit_codes.h"
#include "cli/inspect_command.h"

namespace {

constexpr char kUsage[] =
    "usage: sockshim COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  inspect PID [--json]   socket options in effect on a running process\n"
    "\n"
    "`sockshim COMMAND --help` describes each command.\n";

struct Command {
  const char* name;
  int (*run)(int argc, char** argv);
};

constexpr Command kCommands[] = {
    {"inspect", sockshim::cli::inspect_command},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? sockshim::cli::kExitUsage : sockshim::cli::kExitOk;
  }
  for (const Command& command : kCommands) {
    if (std::strcmp(argv[1], command.name) == 0) return command.run(argc - 2, argv + 2);
  }
  std::fprintf(stderr, "sockshim: unknown command \"%s\"\n%s", argv[1], kUsage);
  return sockshim::cli::kExitUsage;
}
