// The process-wide state of the shim: built once, immutable afterwards, so
// that the hooks read it without locks or allocation.
#pragma once

#include <cstdint>

#include "config/decide.h"
#include "config/policy.h"

namespace sockshim {

// Exit status of a program stopped by SOCKSHIM_STRICT=1 (EX_CONFIG, sysexits.h).
constexpr int kStrictConfigExitStatus = 78;

struct Runtime {
  const Policy* policy = nullptr;  // null: the shim does nothing
  char program[256] = {};          // the program's short name, for "program" globs

  // Whether any rule can match each kind of event; when none can, the hook
  // skips the system calls that classify the socket.
  bool connect_rules = false;
  bool listen_rules = false;
  bool accept_rules = false;  // also: options the kernel does not copy to accepted sockets, enforcement
  bool udp_rules = false;  // any rule for protocol "udp" or "any"

  // What socket() applies, by [ipv6][udp]: the top-level settings and the
  // rules that need no address, as far as they apply to a new socket.
  SocketSettings at_creation[2][2];
  OptionList creation_options[2][2];
  uint32_t creation_enforced[2][2] = {};  // enforced_on(at_creation)
};

// The state, built on first use: the environment and the config text are
// read when the library loads (or by an earlier hook), the config is parsed
// by the first hook. Null only for a hook re-entered by a signal handler
// while that same thread is still building it: the socket then goes without.
const Runtime* runtime();

}  // namespace sockshim
