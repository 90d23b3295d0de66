// SPDX-License-Identifier: Apache-2.0
// The "untouched by the program" rule. A front-end that sees a socket only
// after the program could have changed it (the supervisor, at the socket's
// first trapped call) sets an option of socket() only if the socket still
// has a fresh socket's value, so that what a program set itself before
// connecting stays, as under the preload (which sets them before the
// program can).
#pragma once

#include <sys/socket.h>

#include <vector>

#include "config/decide.h"
#include "engine/socket_facts.h"
#include "engine/socket_ops.h"

namespace sockshim {

// Option values of fresh sockets, read once each through |ops|.fresh_socket.
class FreshValues {
 public:
  explicit FreshValues(SocketOps& ops) : ops_(ops) {}
  FreshValues(const FreshValues&) = delete;
  FreshValues& operator=(const FreshValues&) = delete;

  // Whether |current|, |current_length| bytes read from a socket of |kind|
  // for |option| (by its level and name: catalogue or raw), differs from
  // that option's value on a fresh socket. The fresh value is read once per
  // family, protocol, level and name; false when it cannot be read.
  bool differs_from_fresh(SocketKind kind, const SocketOption& option, const unsigned char* current,
                          socklen_t current_length);

 private:
  // One (family, protocol, level, name): raw options have no catalogue id,
  // so they are told apart by what the kernel knows them by.
  struct Slot {
    bool ipv6 = false;
    bool udp = false;
    int level = 0;
    int name = 0;
    bool known = false;
    socklen_t length = 0;
    unsigned char value[sizeof SocketOption::data] = {};
  };

  const Slot& slot(SocketKind kind, const SocketOption& option);

  SocketOps& ops_;
  std::vector<Slot> slots_;
};

// |options| without those whose current value on |fd| is not the fresh
// socket's: the program changed them itself.
OptionList untouched_by_program(SocketOps& ops, int fd, SocketKind kind, const OptionList& options,
                                FreshValues* fresh);

}  // namespace sockshim
