// SPDX-License-Identifier: Apache-2.0
// Starting test programs as real child processes, with or without the shim,
// and collecting what they print.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace sockshim::testing {

struct ProgramResult {
  int exit_status = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

// Environment changes for one child: the parent's environment without any
// LD_PRELOAD or SOCKSHIM_* variable, plus these.
using Environment = std::map<std::string, std::string>;

// A running child with pipes on stdin, stdout and stderr.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const Environment& environment);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The next line of stdout without its newline; empty at end of file or
  // when none came within |timeout_ms|.
  std::string read_line(int timeout_ms = 10000);
  void close_stdin();
  // Closes stdin, reads everything, and waits (at most |timeout_s| seconds).
  ProgramResult finish(int timeout_s = 30);

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::string pending_out_;
};

ProgramResult run_program(const std::vector<std::string>& argv, const Environment& environment = {});

// The environment that preloads the shim built with these tests, with the
// TOML config given inline.
Environment with_shim(const std::string& toml);

std::string shim_library_path();

// Whether util-linux's setpriv at /usr/bin/setpriv runs a program with these
// options. Busybox's setpriv (Alpine, the musl container) has none of
// --reuid, --clear-groups or --bounding-set; tests that need them skip there.
bool setpriv_accepts(const std::vector<std::string>& options);

// Whether this process has capability |cap| (CAP_* from linux/capability.h)
// in its effective set: an image build (docker build, buildah) runs its
// tests as root without CAP_NET_ADMIN, CAP_NET_RAW or CAP_SYS_PTRACE.
bool has_effective_capability(int cap);

// The path of |program| in PATH, or "". Tests that need a tool of the
// distribution (ss, nm, readelf) skip where it is missing, as in the musl
// container's root, which holds busybox and no glibc program.
std::string find_in_path(const std::string& program);

// Whether |path| is an ELF program run by a dynamic loader (has PT_INTERP):
// busybox-static's sh, for one, takes no preload.
bool has_dynamic_loader(const std::string& path);

#define SKIP_WITHOUT_PROGRAM(program, package)                                                     \
  if (::sockshim::testing::find_in_path(program).empty())                                          \
  GTEST_SKIP() << program << " (" << package << ") is not installed here"

}  // namespace sockshim::testing
