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
  // descriptor no longer holds it.
  void record(uint64_t inode, uint32_t options, pid_t holder, int fd);
  size_t size() const { return sockets_.size(); }

 private:
  struct Entry {
    uint32_t options;
    pid_t holder;
    int fd;
  };
  void forget_closed();

  std::unordered_map<uint64_t, Entry> sockets_;
  size_t next_check_ = 4096;
};

}  // namespace sockshim::supervisor
