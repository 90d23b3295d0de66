// SPDX-License-Identifier: Apache-2.0
// The floor under the kernel engine's rows: `kernel_floor
// [--with-setsockopt-hook] PROGRAM ARGS...` runs PROGRAM in a transient
// cgroup with kernel_floor.bpf.c's ten constant options attached (and its
// cgroup/setsockopt hook that does nothing, when asked), as `sockshim run
// --engine bpf` runs it with the engine; exits with PROGRAM's status.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <linux/bpf.h>
#include <string>
#include <vector>

#include "bpf_engine/bpf_syscalls.h"
#include "bpf_engine/cgroup_facts.h"

#include "bench/kernel_floor_programs.h"

namespace {

using sockshim::bpf_engine::cgroup2_mount;
using sockshim::bpf_engine::link_create;
using sockshim::bpf_engine::own_cgroup2_directory;

int usage() {
  std::fputs("usage: kernel_floor [--with-setsockopt-hook] PROGRAM [ARGS...]\n", stderr);
  return 2;
}

// PROGRAM in |cgroup|: its exit status (128 + the signal that ended it).
int run_in(const std::string& cgroup, char** argv) {
  const pid_t child = fork();
  if (child == 0) {
    const std::string procs = cgroup + "/cgroup.procs";
    const int procs_fd = open(procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (procs_fd < 0 || write(procs_fd, "0", 1) != 1) _exit(126);
    execvp(argv[0], argv);
    _exit(127);
  }
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) != child) return 1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

int main(int argc, char** argv) {
  int first = 1;
  const bool with_setsockopt_hook = argc > 1 && std::strcmp(argv[1], "--with-setsockopt-hook") == 0;
  if (with_setsockopt_hook) ++first;
  if (first >= argc) return usage();

  std::string parent = own_cgroup2_directory();
  if (parent.empty() || access(parent.c_str(), W_OK) != 0) parent = cgroup2_mount();
  const std::string cgroup = parent + "/sockshim-kernel-floor-" + std::to_string(getpid());
  if (parent.empty() || mkdir(cgroup.c_str(), 0755) != 0) {
    std::fprintf(stderr, "kernel_floor: cannot make a cgroup under '%s': %s\n", parent.c_str(), std::strerror(errno));
    return 1;
  }
  int status = 1;
  kernel_floor_programs programs{-1, -1};
  const bool loaded = kernel_floor_load(&programs) == 0;
  const int cgroup_fd = open(cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (!loaded || cgroup_fd < 0) {
    std::fprintf(stderr, "kernel_floor: cannot load its programs: %s\n", std::strerror(errno));
  } else {
    std::vector<int> links = {link_create(programs.sock_ops, cgroup_fd, BPF_CGROUP_SOCK_OPS)};
    if (with_setsockopt_hook) {
      links.push_back(link_create(programs.setsockopt, cgroup_fd, BPF_CGROUP_SETSOCKOPT));
    }
    bool attached = true;
    for (int link : links) attached &= link >= 0;
    if (attached) {
      status = run_in(cgroup, argv + first);
    } else {
      std::fprintf(stderr, "kernel_floor: cannot attach its programs: %s\n", std::strerror(errno));
    }
    for (int link : links) {
      if (link >= 0) close(link);
    }
  }
  if (cgroup_fd >= 0) close(cgroup_fd);
  for (int program : {programs.sock_ops, programs.setsockopt}) {
    if (program >= 0) close(program);
  }
  rmdir(cgroup.c_str());
  return status;
}
