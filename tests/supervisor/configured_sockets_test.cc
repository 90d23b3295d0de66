// SPDX-License-Identifier: Apache-2.0
// The supervisor's table of configured sockets: a socket is remembered while
// the descriptor it was seen at holds it, and a program that opens and
// closes connections on the same descriptors keeps the table that small.
#include <unistd.h>

#include <gtest/gtest.h>

#include "supervisor/configured_sockets.h"

namespace sockshim::testing {
namespace {

using supervisor::ConfiguredSockets;

// Inodes no socket of this process has: nothing here is read from /proc
// unless the table grows to thousands.
constexpr uint64_t kFirstInode = 0xfff0000000ull;

TEST(ConfiguredSocketsTest, ASocketAtTheDescriptorOfAnEarlierOneReplacesIt) {
  ConfiguredSockets table;
  const pid_t holder = getpid();
  for (uint64_t i = 0; i < 10000; ++i) {
    table.record(kFirstInode + i, 1u, holder, 5);
    ASSERT_EQ(table.size(), 1u) << "after " << i + 1 << " sockets at one descriptor";
    ASSERT_NE(table.find(kFirstInode + i), nullptr);
  }
  EXPECT_EQ(table.find(kFirstInode), nullptr);
  // Another descriptor, or another thread's, is another socket's.
  table.record(kFirstInode + 20000, 2u, holder, 6);
  table.record(kFirstInode + 20001, 2u, holder + 1, 5);
  EXPECT_EQ(table.size(), 3u);
}

TEST(ConfiguredSocketsTest, ASocketSeenAgainAtAnotherDescriptorIsHeldThere) {
  ConfiguredSockets table;
  const pid_t holder = getpid();
  const uint64_t moved = kFirstInode, next = kFirstInode + 1, last = kFirstInode + 2;
  table.record(moved, 1u, holder, 5);
  table.record(moved, 2u, holder, 7);  // dup2'd, then trapped at 7
  table.record(next, 4u, holder, 5);   // a new socket at 5 does not end it
  ASSERT_NE(table.find(moved), nullptr);
  EXPECT_EQ(*table.find(moved), 3u);
  ASSERT_NE(table.find(next), nullptr);
  table.record(last, 8u, holder, 7);  // 7 holds another socket now
  EXPECT_EQ(table.find(moved), nullptr);
  EXPECT_EQ(table.size(), 2u);
}

}  // namespace
}  // namespace sockshim::testing
