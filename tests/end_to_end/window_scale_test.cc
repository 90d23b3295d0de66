// SPDX-License-Identifier: Apache-2.0
// The receive window scale that the kernel offers in the SYN, seen with ss:
// the proof that SO_RCVBUF was set before connect() and listen().
#include <gtest/gtest.h>

#include <string>

#include "tests/support/child_process.h"
#include "tests/support/probe_output.h"

namespace sockshim::testing {
namespace {

TEST(WindowScaleTest, ReceiveBufferIsSetBeforeTheSyn) {
  SKIP_WITHOUT_PROGRAM("ss", "iproute2");
  ChildProcess shimmed({SOCKPROBE_PATH, "hold"}, with_shim("buffers.receive = 4096\n"));
  const HeldConnection ports = read_held_ports(shimmed);
  ASSERT_NE(ports.client_port, 0);
  // Window scale 0 is only offered when the buffer was small at the SYN.
  EXPECT_EQ(receive_window_scale(ports.client_port), 0) << "client";
  EXPECT_EQ(receive_window_scale(ports.server_port), 0) << "accepted (inherited from the listener)";
  shimmed.finish();
}

TEST(WindowScaleTest, WithoutTheShimOrSetTooLateTheScaleIsNotZero) {
  SKIP_WITHOUT_PROGRAM("ss", "iproute2");
  for (const char* mode : {"hold", "late-rcvbuf"}) {
    ChildProcess plain({SOCKPROBE_PATH, mode}, {});
    const HeldConnection ports = read_held_ports(plain);
    ASSERT_NE(ports.client_port, 0);
    const auto scale = receive_window_scale(ports.client_port);
    ASSERT_TRUE(scale.has_value()) << "ss shows no wscale";
    EXPECT_GT(*scale, 0) << mode;
    plain.finish();
  }
}

}  // namespace
}  // namespace sockshim::testing
