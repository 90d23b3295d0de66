// SPDX-License-Identifier: Apache-2.0
#include "shim/real_calls.h"

#if !defined(__GLIBC__)
#include <dlfcn.h>
#endif

#include <atomic>
#include <cerrno>

#include "engine/log.h"
#include "shim/next_definition.h"

namespace sockshim::real {
namespace {

// The next definition of |name| after this library, or null; refuses an
// answer that points back at |hook| (the shim's own exported function).
void* resolve_next(const char* name, const void* hook) {
#if defined(__GLIBC__)
  // Before glibc 2.34 dlsym is in libdl.so.2, which the library would make
  // every process load (the portable library targets glibc 2.17).
  void* found = next_definition(name, reinterpret_cast<const void*>(&resolve_next));
#else
  void* found = dlsym(RTLD_NEXT, name);
#endif
  if (found == hook) found = nullptr;  // a loop back into the shim
  if (!found) log_message(LogLevel::error, "cannot find the real %s(); the call fails with ENOSYS", name);
  return found;
}

// Cached after the first call: one atomic load on every later one.
template <typename Function>
inline Function next(std::atomic<Function>& cache, const char* name, const void* hook) {
  Function found = cache.load(std::memory_order_acquire);
  if (__builtin_expect(found != nullptr, 1)) return found;
  found = reinterpret_cast<Function>(resolve_next(name, hook));
  if (found) cache.store(found, std::memory_order_release);
  return found;
}

using SocketFunction = int (*)(int, int, int);
using BindFunction = int (*)(int, const struct sockaddr*, socklen_t);
using ListenFunction = int (*)(int, int);
using AcceptFunction = int (*)(int, struct sockaddr*, socklen_t*);
using Accept4Function = int (*)(int, struct sockaddr*, socklen_t*, int);
using SetsockoptFunction = int (*)(int, int, int, const void*, socklen_t);

std::atomic<SocketFunction> g_socket{nullptr};
std::atomic<BindFunction> g_bind{nullptr};
std::atomic<ListenFunction> g_listen{nullptr};
std::atomic<BindFunction> g_connect{nullptr};
std::atomic<AcceptFunction> g_accept{nullptr};
std::atomic<Accept4Function> g_accept4{nullptr};
std::atomic<SetsockoptFunction> g_setsockopt{nullptr};

int no_such_function() {
  errno = ENOSYS;
  return -1;
}

}  // namespace

int socket(int domain, int type, int protocol) {
  const auto call = next(g_socket, "socket", reinterpret_cast<const void*>(&::socket));
  return call ? call(domain, type, protocol) : no_such_function();
}

int bind(int fd, const struct sockaddr* address, socklen_t length) {
  const auto call = next(g_bind, "bind", reinterpret_cast<const void*>(&::bind));
  return call ? call(fd, address, length) : no_such_function();
}

int listen(int fd, int backlog) {
  const auto call = next(g_listen, "listen", reinterpret_cast<const void*>(&::listen));
  return call ? call(fd, backlog) : no_such_function();
}

int connect(int fd, const struct sockaddr* address, socklen_t length) {
  const auto call = next(g_connect, "connect", reinterpret_cast<const void*>(&::connect));
  return call ? call(fd, address, length) : no_such_function();
}

int accept(int fd, struct sockaddr* address, socklen_t* length) {
  const auto call = next(g_accept, "accept", reinterpret_cast<const void*>(&::accept));
  return call ? call(fd, address, length) : no_such_function();
}

int accept4(int fd, struct sockaddr* address, socklen_t* length, int flags) {
  const auto call = next(g_accept4, "accept4", reinterpret_cast<const void*>(&::accept4));
  return call ? call(fd, address, length, flags) : no_such_function();
}

int setsockopt(int fd, int level, int name, const void* value, socklen_t length) {
  const auto call = next(g_setsockopt, "setsockopt", reinterpret_cast<const void*>(&::setsockopt));
  return call ? call(fd, level, name, value, length) : no_such_function();
}

}  // namespace sockshim::real
