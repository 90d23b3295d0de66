// SPDX-License-Identifier: Apache-2.0
// Which socket options the kernel engine can set: those bpf_setsockopt
// takes (Linux 6.0's list). The one table behind what `sockshim check`
// names, what `attach --skip-unsupported` leaves out and the "kernel
// engine" column of `sockshim options`; built even where the engine is not,
// so that `sockshim options` prints the same table everywhere.
#pragma once

#include "config/option_catalogue.h"

namespace sockshim::bpf_engine {

// Whether bpf_setsockopt takes (level, name).
bool bpf_can_set(int level, int name);

// Whether the engine can set a catalogue option, over IPv4 and IPv6 alike.
bool bpf_can_set(const CatalogueEntry& entry);

}  // namespace sockshim::bpf_engine
