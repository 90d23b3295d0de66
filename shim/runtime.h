// SPDX-License-Identifier: Apache-2.0
// The process-wide state of the shim: built once, immutable afterwards, so
// that the hooks read it without locks or allocation.
#pragma once

#include <cstdint>

#include "config/compiled_policy.h"
#include "config/decide.h"
#include "config/policy.h"
#include "config/policy_summary.h"

namespace sockshim {

// Exit status of a program stopped by SOCKSHIM_STRICT=1 (EX_CONFIG, sysexits.h).
constexpr int kStrictConfigExitStatus = 78;

struct Runtime {
  const CompiledPolicy* policy = nullptr;  // null: the shim does nothing
  char program[256] = {};          // the program's short name, for "program" globs
  PolicySummary summary;           // what each kind of event can change
};

// The state, built on first use: the environment and the config text are
// read when the library loads (or by an earlier hook), the config is parsed
// by the first hook. Null only for a hook re-entered by a signal handler
// while that same thread is still building it: the socket then goes without.
const Runtime* runtime();

}  // namespace sockshim
