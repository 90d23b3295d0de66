// SPDX-License-Identifier: Apache-2.0
// The libc functions that the hooks stand in front of, found by the rules of
// dlsym(RTLD_NEXT) (next_definition.h on glibc) inside each hook and cached;
// no constructor is needed, because another library may call socket()
// before ours has run.
#pragma once

#include <sys/socket.h>

namespace sockshim::real {

int socket(int domain, int type, int protocol);
int bind(int fd, const struct sockaddr* address, socklen_t length);
int listen(int fd, int backlog);
int connect(int fd, const struct sockaddr* address, socklen_t length);
int accept(int fd, struct sockaddr* address, socklen_t* length);
int accept4(int fd, struct sockaddr* address, socklen_t* length, int flags);
int setsockopt(int fd, int level, int name, const void* value, socklen_t length);

}  // namespace sockshim::real
