// SPDX-License-Identifier: Apache-2.0
// The supervisor's batched option calls (io_uring's socket commands) on
// real sockets: what they read is what getsockopt reads, what they write
// the kernel reports, one refused command does not stop the others, and a
// value read ahead is never served after the option was written.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include "supervisor/copied_socket_ops.h"
#include "supervisor/socket_option_ring.h"

namespace sockshim::testing {
namespace {

using supervisor::CopiedSocketOps;
using supervisor::SocketOptionRing;

int read_int(int fd, int level, int name) {
  int value = -1;
  socklen_t length = sizeof value;
  EXPECT_EQ(getsockopt(fd, level, name, &value, &length), 0) << level << "/" << name;
  return value;
}

class Socket {
 public:
  Socket(int domain, int type) : fd_(socket(domain, type | SOCK_CLOEXEC, 0)) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

SocketOptionRing::Command get(int level, int name, int* value) {
  SocketOptionRing::Command command;
  command.level = level;
  command.name = name;
  command.value = value;
  command.length = sizeof *value;
  return command;
}

SocketOptionRing::Command set(int level, int name, int* value) {
  SocketOptionRing::Command command = get(level, name, value);
  command.set = true;
  return command;
}

// Linux 6.7+ with io_uring allowed; the supervisor's fallback is tested
// where io_uring is refused (supervisor_test.cc).
#define SKIP_WITHOUT_RING(ring) \
  if (!(ring).available()) GTEST_SKIP() << "io_uring's socket commands are not available here"

TEST(SocketOptionRingTest, ReadsWhatGetsockoptReads) {
  SocketOptionRing ring;
  SKIP_WITHOUT_RING(ring);
  Socket tcp(AF_INET6, SOCK_STREAM);
  ASSERT_GE(tcp.fd(), 0);
  int domain = 0, protocol = 0, receive = 0, keepalive = -1;
  SocketOptionRing::Command commands[] = {get(SOL_SOCKET, SO_DOMAIN, &domain), get(SOL_SOCKET, SO_PROTOCOL, &protocol),
                                          get(SOL_SOCKET, SO_RCVBUF, &receive),
                                          get(SOL_SOCKET, SO_KEEPALIVE, &keepalive)};
  ASSERT_TRUE(ring.run(tcp.fd(), commands, 4));
  for (const auto& command : commands) EXPECT_EQ(command.result, static_cast<int>(sizeof(int))) << command.name;
  EXPECT_EQ(domain, AF_INET6);
  EXPECT_EQ(protocol, IPPROTO_TCP);
  EXPECT_EQ(receive, read_int(tcp.fd(), SOL_SOCKET, SO_RCVBUF));
  EXPECT_EQ(keepalive, 0);
}

TEST(SocketOptionRingTest, WritesReachTheKernelAndARefusedOneStopsNoOther) {
  SocketOptionRing ring;
  SKIP_WITHOUT_RING(ring);
  Socket udp(AF_INET, SOCK_DGRAM);
  ASSERT_GE(udp.fd(), 0);
  int buffer = 40960, idle = 33, priority = 5;
  // TCP_KEEPIDLE on UDP: the kernel refuses it (ENOPROTOOPT), in the middle.
  SocketOptionRing::Command commands[] = {set(SOL_SOCKET, SO_SNDBUF, &buffer), set(IPPROTO_TCP, TCP_KEEPIDLE, &idle),
                                          set(SOL_SOCKET, SO_PRIORITY, &priority)};
  ASSERT_TRUE(ring.run(udp.fd(), commands, 3));
  EXPECT_EQ(commands[0].result, 0);
  EXPECT_EQ(commands[1].result, -ENOPROTOOPT);
  EXPECT_EQ(commands[2].result, 0);
  EXPECT_EQ(read_int(udp.fd(), SOL_SOCKET, SO_SNDBUF), 2 * 40960);
  EXPECT_EQ(read_int(udp.fd(), SOL_SOCKET, SO_PRIORITY), 5);
  // The kernel offers getsockopt commands at SOL_SOCKET only.
  int ignored = 0;
  SocketOptionRing::Command tcp_level[] = {get(IPPROTO_TCP, TCP_NODELAY, &ignored)};
  Socket tcp(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(ring.run(tcp.fd(), tcp_level, 1));
  EXPECT_EQ(tcp_level[0].result, -EOPNOTSUPP);
}

// What the engine sees through the supervisor's ops, with and without the
// ring: the same values, before and after its own writes.
TEST(CopiedSocketOpsTest, AValueReadAheadIsNeverServedAfterTheOptionIsWritten) {
  CopiedSocketOps ops;
  Socket tcp(AF_INET, SOCK_STREAM);
  ASSERT_GE(tcp.fd(), 0);
  ops.read_ahead(tcp.fd(), {{SOL_SOCKET, SO_DOMAIN}, {SOL_SOCKET, SO_RCVBUF}, {SOL_SOCKET, SO_KEEPALIVE}});
  const int fresh_receive = read_int(tcp.fd(), SOL_SOCKET, SO_RCVBUF);
  int value = 0;
  socklen_t length = sizeof value;
  ASSERT_EQ(ops.getsockopt(tcp.fd(), SOL_SOCKET, SO_RCVBUF, &value, &length), 0);
  EXPECT_EQ(value, fresh_receive);
  EXPECT_EQ(length, sizeof value);
  // Written one by one and as a batch: what follows is the kernel's new value.
  const int receive = 24576;  // twice this is no default
  ASSERT_EQ(ops.setsockopt(tcp.fd(), SOL_SOCKET, SO_RCVBUF, &receive, sizeof receive), 0);
  length = sizeof value;
  ASSERT_EQ(ops.getsockopt(tcp.fd(), SOL_SOCKET, SO_RCVBUF, &value, &length), 0);
  EXPECT_EQ(value, 2 * 24576);
  ops.read_ahead(tcp.fd(), {{SOL_SOCKET, SO_DOMAIN}, {SOL_SOCKET, SO_RCVBUF}, {SOL_SOCKET, SO_KEEPALIVE}});
  SocketOption options[3];
  const int values[3] = {1, 98304, 3};
  const int names[3][2] = {{SOL_SOCKET, SO_KEEPALIVE}, {SOL_SOCKET, SO_RCVBUF}, {IPPROTO_TCP, TCP_KEEPCNT}};
  for (int i = 0; i < 3; ++i) {
    options[i].level = names[i][0];
    options[i].name = names[i][1];
    options[i].value = values[i];
    options[i].length = sizeof(int);
    std::memcpy(options[i].data, &values[i], sizeof(int));
  }
  int errors[3] = {-1, -1, -1};
  ops.set_options(tcp.fd(), options, 3, errors);
  EXPECT_EQ(errors[0] | errors[1] | errors[2], 0);
  length = sizeof value;
  ASSERT_EQ(ops.getsockopt(tcp.fd(), SOL_SOCKET, SO_RCVBUF, &value, &length), 0);
  EXPECT_EQ(value, 2 * 98304);
  length = sizeof value;
  ASSERT_EQ(ops.getsockopt(tcp.fd(), SOL_SOCKET, SO_KEEPALIVE, &value, &length), 0);
  EXPECT_EQ(value, 1);
  EXPECT_EQ(read_int(tcp.fd(), IPPROTO_TCP, TCP_KEEPCNT), 3);
  // Still read ahead: the family, also for a caller's shorter buffer.
  length = sizeof value;
  ASSERT_EQ(ops.getsockopt(tcp.fd(), SOL_SOCKET, SO_DOMAIN, &value, &length), 0);
  EXPECT_EQ(value, AF_INET);
  ops.forget_read_ahead();
}

TEST(CopiedSocketOpsTest, AReadAheadErrorIsTheKernelsError) {
  CopiedSocketOps ops;
  Socket udp(AF_INET, SOCK_DGRAM);
  ASSERT_GE(udp.fd(), 0);
  // SO_PEERSEC of a UDP socket fails (ENOPROTOOPT without a security
  // module); whatever the kernel says, the read ahead says the same.
  unsigned char direct[16];
  socklen_t direct_length = sizeof direct;
  errno = 0;
  const int direct_result = getsockopt(udp.fd(), SOL_SOCKET, SO_PEERSEC, direct, &direct_length);
  const int direct_errno = errno;
  ops.read_ahead(udp.fd(), {{SOL_SOCKET, SO_DOMAIN}, {SOL_SOCKET, SO_PEERSEC}, {SOL_SOCKET, SO_TYPE}});
  unsigned char through[16];
  socklen_t through_length = sizeof through;
  errno = 0;
  EXPECT_EQ(ops.getsockopt(udp.fd(), SOL_SOCKET, SO_PEERSEC, through, &through_length), direct_result);
  if (direct_result != 0) {
    EXPECT_EQ(errno, direct_errno);
  }
  ops.forget_read_ahead();
}

}  // namespace
}  // namespace sockshim::testing
