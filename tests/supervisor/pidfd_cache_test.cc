// SPDX-License-Identifier: Apache-2.0
// The supervisor's cache of pidfds: a cached pidfd is reused for the
// thread id it was opened for, so it must never reach another process that
// got the same id later.
#include <linux/sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <gtest/gtest.h>

#include "supervisor/descriptor_copy.h"

namespace sockshim::supervisor {
namespace {

pid_t waiting_child() {
  const pid_t pid = fork();
  if (pid == 0) {
    pause();
    _exit(0);
  }
  return pid;
}

// A waiting child given the process id |wanted| (clone3's set_tid: needs
// CAP_SYS_ADMIN); -errno when it cannot have it.
pid_t waiting_child_with_pid(pid_t wanted) {
  clone_args args{};
  args.exit_signal = SIGCHLD;
  args.set_tid = reinterpret_cast<uint64_t>(&wanted);
  args.set_tid_size = 1;
  const long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid == 0) {
    pause();
    _exit(0);
  }
  return pid > 0 ? static_cast<pid_t>(pid) : -errno;
}

void end(pid_t pid) {
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

uint64_t inode_of(int fd) {
  struct stat facts{};
  return fstat(fd, &facts) == 0 ? facts.st_ino : 0;
}

TEST(PidfdCacheTest, KeepsAThreadsPidfdAndReusesIt) {
  PidfdCache cache;
  const pid_t child = waiting_child();
  ASSERT_GT(child, 0);
  const PidfdCache::Pidfd first = cache.open(child);
  ASSERT_GE(first.fd, 0);
  EXPECT_FALSE(first.reused);
  const PidfdCache::Pidfd second = cache.open(child);
  EXPECT_TRUE(second.reused);
  EXPECT_EQ(second.fd, first.fd);
  end(child);
  // Gone: the cached pidfd copies nothing.
  EXPECT_EQ(copy_descriptor(second.fd, STDERR_FILENO), -ESRCH);
}

TEST(PidfdCacheTest, APidReusedByAnotherProcessNeverGetsTheOldPidfdsCopy) {
  PidfdCache cache;
  pid_t reused = -1;
  int held[2] = {-1, -1};
  for (int attempt = 0; attempt < 20 && reused < 0; ++attempt) {
    const pid_t first = waiting_child();
    ASSERT_GT(first, 0);
    ASSERT_GE(cache.open(first).fd, 0);
    end(first);
    // Made after the first process ended: only the second one holds it.
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, held), 0);
    const pid_t second = waiting_child_with_pid(first);
    if (second == -EPERM) GTEST_SKIP() << "clone3 with set_tid needs CAP_SYS_ADMIN";
    if (second == first) {
      reused = second;
    } else {
      // Another process took the id in between (EEXIST): again.
      close(held[0]);
      close(held[1]);
      if (second > 0) end(second);
    }
  }
  ASSERT_GT(reused, 0) << "no process id could be reused";
  // The cache cannot know that the id changed hands: it offers the old
  // pidfd, which names the ended process and so copies nothing.
  const PidfdCache::Pidfd stale = cache.open(reused);
  EXPECT_TRUE(stale.reused);
  EXPECT_EQ(copy_descriptor(stale.fd, held[0]), -ESRCH);
  // Forgotten and opened again, it names the process that has the id now.
  cache.forget(reused);
  const PidfdCache::Pidfd fresh = cache.open(reused);
  ASSERT_GE(fresh.fd, 0);
  EXPECT_FALSE(fresh.reused);
  const int copy = copy_descriptor(fresh.fd, held[0]);
  ASSERT_GE(copy, 0);
  EXPECT_EQ(inode_of(copy), inode_of(held[0]));
  close(copy);
  close(held[0]);
  close(held[1]);
  end(reused);
}

}  // namespace
}  // namespace sockshim::supervisor
