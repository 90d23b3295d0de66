// SPDX-License-Identifier: Apache-2.0
// Applies an option list to a file descriptor; never changes errno and
// reports each kind of failure once.
#pragma once

#include "config/decide.h"
#include "engine/socket_ops.h"

namespace sockshim {

// Each option with |ops|.setsockopt on |fd|. |event_name| and |fd| appear in
// the messages. Returns how many options the kernel refused.
int apply_options(SocketOps& ops, int fd, const OptionList& options, const char* event_name);

}  // namespace sockshim
