// SPDX-License-Identifier: Apache-2.0
// Which of the engine's cgroup hooks a compiled config can need. Every
// attached program runs at each of its events for every process of the
// cgroup, whether or not the config has anything for it: cgroup/connect4
// runs at each TCP connect() too. So `attach` leaves out the hooks whose
// events the config gives no option.
#pragma once

#include "bpf_engine/map_compiler.h"

namespace sockshim::bpf_engine {

// Whether some UDP event (bind, connect, a first sendmsg, either family)
// has an option to set: only then are the UDP programs (cgroup/bind4/6,
// connect4/6, sendmsg4/6) attached.
bool config_needs_udp_hooks(const CompiledMaps& maps);

// Whether the program's own setsockopt calls matter: some list enforces an
// option (the call is answered in cgroup/setsockopt), or sets one of
// socket()'s (which the program's own value keeps from being replayed).
// Otherwise cgroup/setsockopt, which adds the kernel's hook machinery to
// every setsockopt call of the cgroup, is not attached.
bool config_needs_setsockopt_hook(const CompiledMaps& maps);

}  // namespace sockshim::bpf_engine
