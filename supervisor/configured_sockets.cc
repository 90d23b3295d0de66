// SPDX-License-Identifier: Apache-2.0
#include "supervisor/configured_sockets.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace sockshim::supervisor {

const uint32_t* ConfiguredSockets::find(uint64_t inode) const {
  const auto found = sockets_.find(inode);
  return found == sockets_.end() ? nullptr : &found->second.options;
}

void ConfiguredSockets::record(uint64_t inode, uint32_t options, pid_t holder, int fd) {
  const uint64_t key = descriptor_key(holder, fd);
  auto [at_descriptor, added] = by_descriptor_.try_emplace(key, inode);
  if (!added && at_descriptor->second != inode) {
    // The socket recorded here before is no longer held here.
    const auto earlier = sockets_.find(at_descriptor->second);
    if (earlier != sockets_.end() && descriptor_key(earlier->second.holder, earlier->second.fd) == key) {
      sockets_.erase(earlier);
    }
    at_descriptor->second = inode;
  }
  auto [found, is_new] = sockets_.try_emplace(inode, Entry{0, holder, fd});
  Entry& entry = found->second;
  if (!is_new && descriptor_key(entry.holder, entry.fd) != key) {
    // Seen again at another descriptor: that one is where it is held now.
    const auto old_descriptor = by_descriptor_.find(descriptor_key(entry.holder, entry.fd));
    if (old_descriptor != by_descriptor_.end() && old_descriptor->second == inode) by_descriptor_.erase(old_descriptor);
  }
  entry.options |= options;
  entry.holder = holder;
  entry.fd = fd;
  if (sockets_.size() >= next_check_) forget_closed();
}

// A program that churns connections would grow the table without end: now
// and then, drop the sockets whose descriptor no longer holds them. (A socket
// moved to another descriptor is forgotten too; it then counts as new.)
void ConfiguredSockets::forget_closed() {
  char path[64], target[64], expected[64];
  for (auto it = sockets_.begin(); it != sockets_.end();) {
    std::snprintf(path, sizeof path, "/proc/%d/fd/%d", static_cast<int>(it->second.holder), it->second.fd);
    std::snprintf(expected, sizeof expected, "socket:[%llu]", static_cast<unsigned long long>(it->first));
    const ssize_t length = readlink(path, target, sizeof target - 1);
    const bool held = length > 0 && static_cast<size_t>(length) == std::strlen(expected) &&
                      std::memcmp(target, expected, static_cast<size_t>(length)) == 0;
    if (!held) {
      const auto at_descriptor = by_descriptor_.find(descriptor_key(it->second.holder, it->second.fd));
      if (at_descriptor != by_descriptor_.end() && at_descriptor->second == it->first) by_descriptor_.erase(at_descriptor);
    }
    it = held ? std::next(it) : sockets_.erase(it);
  }
  next_check_ = sockets_.size() * 2 > 4096 ? sockets_.size() * 2 : 4096;
}

}  // namespace sockshim::supervisor
