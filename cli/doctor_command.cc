// SPDX-License-Identifier: Apache-2.0
#include "cli/doctor_command.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/captured_run.h"
#include "cli/exit_codes.h"
#include "cli/kernel_engine_commands.h"
#include "cli/kernel_facts.h"
#include "cli/library_facts.h"
#include "cli/preload_trial.h"
#include "cli/shim_libraries.h"
#include "supervisor/descriptor_copy.h"
#include "supervisor/listener.h"

namespace sockshim::cli {
namespace {

constexpr char kUsage[] =
    "usage: sockshim doctor\n"
    "       sockshim doctor --preload-test LIBRARY [-- PROGRAM [ARG...]]\n"
    "\n"
    "Prints the kernel version; the keepalive, retransmission and buffer sysctls\n"
    "of this network namespace (a container's namespace starts from the kernel\n"
    "defaults, not the host's); which libc loaders exist; and, for each\n"
    "sockshim library found, whether its libc's loader loads it with every\n"
    "symbol resolved; and whether the supervisor (sockshim run on static and Go\n"
    "programs) works here, or what happens instead.\n"
    "\n"
    "\n"
    "--preload-test LIBRARY runs programs here (PROGRAM, or /bin/sh -c : and\n"
    "/usr/bin/env true) without and then with LIBRARY added to the environment's\n"
    "LD_PRELOAD (as sockshim run adds it), SOCKSHIM_LOG=info and SOCKSHIM_STRICT=1,\n"
    "and says whether each starts as before with the library\n"
    "running in it and the config (SOCKSHIM_CONFIG, ...) read without error. Run it\n"
    "in an image before setting LD_PRELOAD for every process: a library that its\n"
    "libc cannot load (the other libc's, or a glibc older than it needs) stops\n"
    "every program at start.\n"
    "\n"
    "Exit status: 0 every library found loads (with --preload-test: every program\n"
    "tried passed), 1 a library found does not load (a program tried did not\n"
    "pass), 2 usage error.\n";

constexpr struct {
  Libc libc;
  const char* loader;
} kLoaders[] = {
    {Libc::glibc, "/lib64/ld-linux-x86-64.so.2"},
    {Libc::musl, "/lib/ld-musl-x86_64.so.1"},
};

// Runs |argv| quietly with the shim disabled; true when it exits 0.
bool runs_cleanly(const std::vector<std::string>& argv, std::string* output) {
  const CapturedRun run = run_captured(argv, {"SOCKSHIM_DISABLE=1", "LD_BIND_NOW=1"}, 30000);
  *output = run.output;
  return run.started && !run.timed_out && run.exit_status == 0;
}

// glibc's loader preloads it into /bin/true; musl's loads it with --list.
bool library_loads(Libc libc, const char* loader, const std::string& library, std::string* output) {
  if (libc == Libc::glibc) return runs_cleanly({loader, "--preload", library, "/bin/true"}, output);
  return runs_cleanly({loader, "--list", library}, output);
}

void print_sysctl(const char* name) {
  const std::optional<std::string> value = read_sysctl_text(name);
  std::string key = name;
  for (char& c : key) {
    if (c == '/') c = '.';
  }
  std::printf("  %-32s %s\n", key.c_str(), value ? value->c_str() : "(unreadable)");
}

void report_supervisor() {
  std::printf("\nsupervisor (sockshim run on statically linked and Go programs, or --supervise):\n");
  const std::string missing = supervisor::user_notification_unavailable();
  if (!missing.empty()) {
    std::printf("  seccomp user notification: UNAVAILABLE: %s\n", missing.c_str());
    std::printf("  instead: dynamically linked programs still get the preload; sockshim run refuses static\n"
                "  and Go programs with this reason\n");
    return;
  }
  std::printf("  seccomp user notification: available\n");
  const std::string refused = supervisor::descriptor_copy_refused_here();
  if (refused.empty()) {
    std::printf("  pidfd_getfd on a child: allowed (supervision works here)\n");
  } else {
    std::printf("  pidfd_getfd on a child: REFUSED: %s\n", refused.c_str());
    std::printf("  instead: sockshim run stops a supervised program at its first trapped call, with this reason\n");
  }
  std::printf("  a program that makes itself non-dumpable needs CAP_SYS_PTRACE in sockshim; without it the\n"
              "  program is stopped with a message rather than run half-configured\n");
}

}  // namespace

int doctor_command(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[0], "--preload-test") == 0) {
    std::vector<std::vector<std::string>> programs;
    if (argc >= 3) {
      if (std::strcmp(argv[2], "--") != 0 || argc == 3) {
        std::fputs(kUsage, stderr);
        return kExitUsage;
      }
      programs.emplace_back(argv + 3, argv + argc);
    }
    return try_preload(argv[1], programs) ? kExitOk : kExitFailure;
  }
  if (argc > 0) {
    const bool help = std::strcmp(argv[0], "--help") == 0 || std::strcmp(argv[0], "-h") == 0;
    std::fputs(kUsage, help ? stdout : stderr);
    return help ? kExitOk : kExitUsage;
  }
  utsname system;
  uname(&system);
  std::printf("sockshim %s\n", SOCKSHIM_VERSION);
  std::printf("kernel: %s %s\n", system.sysname, system.release);

  std::printf("\nthis network namespace:\n");
  for (const char* name : {"net/ipv4/tcp_keepalive_time", "net/ipv4/tcp_keepalive_intvl",
                           "net/ipv4/tcp_keepalive_probes", "net/ipv4/tcp_retries2", "net/core/rmem_max",
                           "net/core/wmem_max", "net/core/rmem_default", "net/core/wmem_default",
                           "net/ipv4/tcp_rmem", "net/ipv4/tcp_wmem"}) {
    print_sysctl(name);
  }
  const KeepaliveDefaults defaults = namespace_keepalive_defaults();
  std::printf("  without sockshim, an idle dead peer is noticed only if the program turns keepalive\n"
              "  on, after %d s\n", defaults.idle_s + defaults.interval_s * defaults.count);

  std::printf("\nlibc loaders and sockshim libraries:\n");
  bool all_load = true;
  for (const auto& entry : kLoaders) {
    const bool loader_exists = access(entry.loader, X_OK) == 0;
    std::printf("  %-5s loader %s: %s\n", libc_name(entry.libc), entry.loader, loader_exists ? "present" : "absent");
    const std::string library = find_shim_library(entry.libc);
    if (library.empty()) {
      std::printf("        library: not found\n");
      continue;
    }
    if (!loader_exists) {
      std::printf("        library %s: cannot check without its loader\n", library.c_str());
      continue;
    }
    std::string output;
    const bool loads = library_loads(entry.libc, entry.loader, library, &output);
    all_load &= loads;
    std::printf("        library %s: %s\n", library.c_str(), loads ? "loads, every symbol resolved" : "DOES NOT LOAD");
    if (!loads) std::printf("%s", output.c_str());
    const std::string version = read_library_facts(library).version;
    std::printf("        version: %s%s\n", version.empty() ? "unknown" : version.c_str(),
                version.empty() || version == SOCKSHIM_VERSION ? "" : " (not this command's)");
  }
  report_supervisor();
  std::printf("\nkernel engine (sockshim attach, run --engine bpf):\n  %s\n", kernel_engine_status().c_str());
  return all_load ? kExitOk : kExitFailure;
}

}  // namespace sockshim::cli
