// SPDX-License-Identifier: Apache-2.0
// What the kernel engine cannot do: options bpf_setsockopt refuses (linger,
// defer_accept, fastopen, bind_address_no_port, raw options outside its
// list), program globs (BPF compares the task name exactly), and addresses
// it does not see (a local address on an accept rule).
#pragma once

#include <string>
#include <vector>

#include "bpf_engine/settable_options.h"
#include "config/policy.h"

namespace sockshim::bpf_engine {

// One line per section that asks for something the engine cannot do:
// "top level: socket.linger, tcp.fastopen", "rule \"db\": program glob \"py*\"".
// Empty when the engine can do all of it.
std::vector<std::string> unsupported_by_bpf(const Policy& policy);

// |policy| without the options bpf_setsockopt cannot set (the other
// refusals are not options and stay refused).
Policy without_unsupported_options(Policy policy);

}  // namespace sockshim::bpf_engine
