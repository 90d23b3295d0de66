// SPDX-License-Identifier: Apache-2.0
// What the kernel engine needs from the machine, each said in one line when
// missing: a cgroup v2 directory, the privileges to load and attach BPF,
// and a kernel that loads the programs (a probe, not a version number).
#pragma once

#include <cstdint>
#include <string>

namespace sockshim::bpf_engine {

// Where cgroup v2 is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on
// a hybrid host); empty when it is not.
std::string cgroup2_mount();

// Empty when |path| is a cgroup v2 directory; otherwise why not.
std::string not_a_cgroup2_directory(const std::string& path);

// The cgroup's id (its inode number on cgroup2), as bpftool shows it.
uint64_t cgroup_id(const std::string& path);

// Its depth below the cgroup v2 root (the root: 0); -1 when not below it.
int cgroup_level(const std::string& path);

// The calling process's own cgroup v2 directory; empty when unknown.
std::string own_cgroup2_directory();

// Empty with CAP_SYS_ADMIN, or CAP_BPF with CAP_NET_ADMIN and CAP_PERFMON;
// otherwise which are missing. SOCKSHIM_TEST_NO_BPF_PRIVILEGES=1 makes it
// answer as for an unprivileged user (for the tests of this message).
std::string missing_privileges();

// Empty when the programs load here (a trial load, then closed); otherwise
// why not.
std::string programs_do_not_load();

}  // namespace sockshim::bpf_engine
