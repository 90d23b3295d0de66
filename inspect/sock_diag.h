// SPDX-License-Identifier: Apache-2.0
// The kernel's sock_diag netlink view of every TCP and UDP socket of this
// network namespace: addresses, state, buffer sizes and whether the
// keepalive timer runs. Needs no rights over the owning process, but shows
// no keepalive timings, user timeout or nodelay.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>

#include "inspect/process_sockets.h"

namespace sockshim {

// By socket inode; options sock_diag cannot show stay -1.
bool sock_diag_sockets(std::map<ino_t, InspectedSocket>* sockets, std::string* error);

}  // namespace sockshim
