// The process-wide state of the shim: built once, immutable afterwards, so
// that the hooks read it without locks or allocation.
#pragma once

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
  bool accept_rules = false;

  // What socket() applies, by [ipv6][udp]: the top-level settings and the
  // rules that need no address.
  SocketSettings at_creation[2][2];
  OptionList creation_options[2][2];
};

// Reads the environment and the config the first time it is called (from
// the library's constructor or from the first hook, whichever comes first).
const Runtime& runtime();

}  // namespace sockshim
