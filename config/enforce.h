// SPDX-License-Identifier: Apache-2.0
// Enforcement: options whose configured value wins over the program's own
// setsockopt. The program's call for such an option, on a socket sockshim
// set it on, is answered with success and not passed to the kernel, so the
// program believes its value is set. Shared by the preload's setsockopt hook
// and the supervisor's seccomp filter; pure, like decide().
#pragma once

#include <optional>
#include <vector>

#include "config/decide.h"
#include "config/policy.h"

namespace sockshim {

// Every (level, name) that the top level or any rule of |policy| may
// enforce, for both address families (IP_TOS and IPV6_TCLASS for ip.dscp):
// the only setsockopt calls a supervisor needs to trap. Empty: none.
std::vector<LevelName> enforceable_options(const Policy& policy);

// The enforced option of |settings| (a socket's decision, for |target|) that
// setsockopt(level, name) would change, with the value the config keeps; or
// nullopt when the call is to pass through.
std::optional<SocketOption> enforced_option(const SocketSettings& settings, SocketTarget target, int level,
                                            int name);

// The set of enforced options (bit per OptionId) that |settings| gives a
// socket of |target|: those enforced and set.
uint32_t enforced_on(const SocketSettings& settings, SocketTarget target);

// The catalogue entry that setsockopt(level, name) changes, as a bit of
// enforced_on()'s set; 0 when the catalogue has none.
uint32_t enforcement_bit(int level, int name);

}  // namespace sockshim
