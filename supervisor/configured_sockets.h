// SPDX-License-Identifier: Apache-2.0
// The sockets the supervisor has configured, by socket inode, with the
// options it set on each. A socket is shared by every descriptor and process
// that holds it, so the inode (not a pid and descriptor number) names it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <unordered_map>

namespace sockshim::supervisor {

class ConfiguredSockets {
 public:
  // Bits by OptionId of the options set on the socket; nullptr when the
  // supervisor has not seen it yet.
  const uint32_t* find(uint64_t inode) const;
  // |holder| and |fd| say where the socket was seen, to forget it once that
  // descriptor no longer holds it. A socket recorded at the descriptor of an
  // earlier one replaces it at once: the earlier one is no longer held there.
  void record(uint64_t inode, uint32_t options, pid_t holder, int fd);
  size_t size() const { return sockets_.size(); }

 private:
  struct Entry {
    uint32_t options;
    pid_t holder;
    int fd;
  };
  static uint64_t descriptor_key(pid_t holder, int fd) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(holder)) << 32) | static_cast<uint32_t>(fd);
  }
  void forget_closed();

  std::unordered_map<uint64_t, Entry> sockets_;
  // Which socket each (holder, fd) was last recorded at: a program that
  // opens and closes connections reuses the same few descriptors, so its
  // table stays that small without reading /proc for each closed socket.
  std::unordered_map<uint64_t, uint64_t> by_descriptor_;
  size_t next_check_ = 4096;
};

}  // namespace sockshim::supervisor
