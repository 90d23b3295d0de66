// SPDX-License-Identifier: Apache-2.0
#include "cli/kernel_engine_commands.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "cli/config_loading.h"
#include "cli/exit_codes.h"
#include "supervisor/program_exec.h"
#include "supervisor/signal_relay.h"

#ifdef SOCKSHIM_BPF_ENGINE
#include "bpf_engine/cgroup_attachment.h"
#include "bpf_engine/cgroup_facts.h"
#include "bpf_engine/map_compiler.h"
#include "bpf_engine/unsupported_options.h"
#endif

namespace sockshim::cli {
namespace {

constexpr char kAttachUsage[] =
    "usage: sockshim attach CGROUP -c FILE [--skip-unsupported]\n"
    "\n"
    "Attaches the kernel engine (cgroup BPF) to CGROUP, a cgroup v2 directory:\n"
    "every TCP socket that a process in it (or below) makes from now on gets\n"
    "FILE's options, set by the kernel at listen(), before connect()'s SYN and\n"
    "on each accepted connection. Pinned under /sys/fs/bpf/sockshim/<cgroup id>;\n"
    "the command exits. Attaching again replaces the config at once.\n"
    "Options the kernel's bpf_setsockopt cannot set (socket.linger,\n"
    "tcp.defer_accept, tcp.fastopen, ip.bind_address_no_port, other raw options)\n"
    "are refused, or left out with --skip-unsupported.\n"
    "Needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON (or CAP_SYS_ADMIN) and Linux 5.15+.\n"
    "\n"
    "Exit status: 0 attached; 1 invalid config, an option it cannot set, or the\n"
    "engine cannot run here (one line says why); 2 usage error.\n";

constexpr char kDetachUsage[] =
    "usage: sockshim detach CGROUP\n"
    "\n"
    "Removes the kernel engine from CGROUP: its links, programs, maps and pins.\n"
    "Sockets already made keep the options they were given.\n"
    "\n"
    "Exit status: 0 detached; 1 nothing attached there, or it cannot be\n"
    "removed (one line says why); 2 usage error.\n";

#ifndef SOCKSHIM_BPF_ENGINE
constexpr char kNotBuilt[] =
    "this sockshim was built without the kernel engine (clang, bpftool or libbpf's headers were missing)";
#else
// The policy the engine can do, or nullopt after one line saying what it
// cannot.
std::optional<Policy> supported_policy(const char* command, Policy policy, bool skip_unsupported) {
  std::vector<std::string> unsupported = bpf_engine::unsupported_by_bpf(policy);
  if (!unsupported.empty() && skip_unsupported) {
    policy = bpf_engine::without_unsupported_options(std::move(policy));
    unsupported = bpf_engine::unsupported_by_bpf(policy);
  }
  if (unsupported.empty()) return policy;
  std::string line;
  for (const std::string& section : unsupported) line += (line.empty() ? "" : "; ") + section;
  std::fprintf(stderr, "sockshim %s: the kernel engine cannot do: %s%s\n", command, line.c_str(),
               skip_unsupported ? "" : " (--skip-unsupported leaves the options out)");
  return std::nullopt;
}

bool attach_policy(const char* command, const std::string& cgroup, const Policy& policy) {
  bpf_engine::CompiledMaps maps;
  std::string error;
  if (!bpf_engine::compile_maps(policy, &maps, &error) || !bpf_engine::attach_to_cgroup(cgroup, maps, &error)) {
    std::fprintf(stderr, "sockshim %s: %s\n", command, error.c_str());
    return false;
  }
  return true;
}
#endif

}  // namespace

int attach_command(int argc, char** argv) {
  std::string cgroup, config_file;
  bool skip_unsupported = false;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kAttachUsage, stdout);
      return kExitOk;
    } else if (arg == "-c" && i + 1 < argc) {
      config_file = argv[++i];
    } else if (arg == "--skip-unsupported") {
      skip_unsupported = true;
    } else if (cgroup.empty() && !arg.empty() && arg[0] != '-') {
      cgroup = arg;
    } else {
      std::fputs(kAttachUsage, stderr);
      return kExitUsage;
    }
  }
  if (cgroup.empty() || config_file.empty()) {
    std::fputs(kAttachUsage, stderr);
    return kExitUsage;
  }
#ifndef SOCKSHIM_BPF_ENGINE
  std::fprintf(stderr, "sockshim attach: %s\n", kNotBuilt);
  return kExitFailure;
#else
  std::optional<Policy> policy = load_config_or_report(config_file);
  if (!policy) return kExitFailure;
  policy = supported_policy("attach", std::move(*policy), skip_unsupported);
  if (!policy) return kExitFailure;
  return attach_policy("attach", cgroup, *policy) ? kExitOk : kExitFailure;
#endif
}

int detach_command(int argc, char** argv) {
  if (argc == 1 && (std::strcmp(argv[0], "--help") == 0 || std::strcmp(argv[0], "-h") == 0)) {
    std::fputs(kDetachUsage, stdout);
    return kExitOk;
  }
  if (argc != 1 || argv[0][0] == '-') {
    std::fputs(kDetachUsage, stderr);
    return kExitUsage;
  }
#ifndef SOCKSHIM_BPF_ENGINE
  std::fprintf(stderr, "sockshim detach: %s\n", kNotBuilt);
  return kExitFailure;
#else
  std::string error;
  if (!bpf_engine::detach_from_cgroup(argv[0], &error)) {
    std::fprintf(stderr, "sockshim detach: %s\n", error.c_str());
    return kExitFailure;
  }
  return kExitOk;
#endif
}

int run_in_kernel_engine(const std::optional<Policy>& policy, bool skip_unsupported, int argc, char** argv) {
#ifndef SOCKSHIM_BPF_ENGINE
  (void)policy, (void)skip_unsupported, (void)argc, (void)argv;
  std::fprintf(stderr, "sockshim run: %s\n", kNotBuilt);
  return kExitFailure;
#else
  if (!policy) return kExitFailure;
  const std::optional<Policy> supported = supported_policy("run", *policy, skip_unsupported);
  if (!supported) return kExitFailure;
  // A transient child of our own cgroup v2 directory (of the cgroup v2 root
  // when ours cannot be written).
  std::string parent = bpf_engine::own_cgroup2_directory();
  if (parent.empty() || access(parent.c_str(), W_OK) != 0) parent = bpf_engine::cgroup2_mount();
  if (parent.empty()) {
    std::fputs("sockshim run: cgroup v2 is not mounted here, which the kernel engine needs\n", stderr);
    return kExitFailure;
  }
  const std::string cgroup = parent + "/sockshim-run-" + std::to_string(getpid());
  if (mkdir(cgroup.c_str(), 0755) != 0) {
    std::fprintf(stderr, "sockshim run: cannot make the cgroup %s: %s\n", cgroup.c_str(), std::strerror(errno));
    return kExitFailure;
  }
  if (!attach_policy("run", cgroup, *supported)) {
    rmdir(cgroup.c_str());
    return kExitFailure;
  }
  supervisor::SignalRelay relay;
  sigset_t original_mask;
  int status = 0;
  int exit_code = kExitFailure;
  // The child joins the cgroup before it execs, so that every socket of the
  // program is made in it.
  int report[2];
  if (relay.start(&original_mask) && pipe2(report, O_CLOEXEC) == 0) {
    std::vector<char*> shell_argv(static_cast<size_t>(argc) + 2, nullptr);
    const std::string procs = cgroup + "/cgroup.procs";
    const pid_t child = fork();
    if (child == 0) {
      close(report[0]);
      ExecAttempt attempt;
      const int procs_fd = open(procs.c_str(), O_WRONLY | O_CLOEXEC);
      if (procs_fd < 0 || write(procs_fd, "0", 1) != 1) {
        attempt.error = -1;
      } else {
        sigprocmask(SIG_SETMASK, &original_mask, nullptr);
        exec_program(argv, shell_argv.data(), &attempt);
      }
      (void)!write(report[1], &attempt, sizeof attempt);
      _exit(127);
    }
    close(report[1]);
    if (child > 0) {
      ExecAttempt attempt;
      const ssize_t got = read(report[0], &attempt, sizeof attempt);
      bool reaped = false;
      while (!reaped) {
        pollfd watched{relay.fd(), POLLIN, 0};
        if (poll(&watched, 1, -1) < 0 && errno != EINTR) break;
        reaped = relay.drain(child, &status);
      }
      if (got == static_cast<ssize_t>(sizeof attempt)) {
        if (attempt.error == -1) {
          std::fprintf(stderr, "sockshim run: cannot move the program into %s\n", cgroup.c_str());
        } else {
          const ExecFailure failure = describe_exec_failure(argv[0], attempt);
          std::fprintf(stderr, "sockshim run: %s\n", failure.message.c_str());
          exit_code = failure.exit_status;
        }
      } else if (reaped) {
        exit_code = supervisor::exit_code_of(status);
      }
    }
    close(report[0]);
  }
  std::string error;
  bpf_engine::detach_from_cgroup(cgroup, &error);
  // Processes the program left behind keep the cgroup busy: it is removed
  // when they are gone, by whoever removes it then.
  if (rmdir(cgroup.c_str()) != 0) {
    std::fprintf(stderr, "sockshim run: %s stays: %s\n", cgroup.c_str(), std::strerror(errno));
  }
  return exit_code;
#endif
}

void print_kernel_engine_limits(const Policy& policy) {
#ifdef SOCKSHIM_BPF_ENGINE
  const std::vector<std::string> unsupported = bpf_engine::unsupported_by_bpf(policy);
  if (unsupported.empty()) return;
  std::printf("\nthe kernel engine (sockshim attach, run --engine bpf) cannot do:\n");
  for (const std::string& section : unsupported) std::printf("  %s\n", section.c_str());
#else
  (void)policy;
#endif
}

std::string kernel_engine_status() {
#ifndef SOCKSHIM_BPF_ENGINE
  return std::string("not available: ") + kNotBuilt;
#else
  const std::string mount = bpf_engine::cgroup2_mount();
  if (mount.empty()) return "cannot run here: cgroup v2 is not mounted";
  if (std::string why = bpf_engine::missing_privileges(); !why.empty()) return "cannot run here: " + why;
  if (std::string why = bpf_engine::programs_do_not_load(); !why.empty()) return "cannot run here: " + why;
  return "can run here (cgroup v2 at " + mount + ", its programs load)";
#endif
}

}  // namespace sockshim::cli
