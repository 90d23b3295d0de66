// SPDX-License-Identifier: Apache-2.0
#include "tests/support/typical_top_level.h"

#include <gtest/gtest.h>

namespace sockshim::testing {

void expect_typical_top_level(const std::map<std::string, SocketReport>& sockets, const std::string& out) {
  for (const char* label : {"listener", "client", "accepted"}) {
    ASSERT_TRUE(sockets.count(label)) << out;
    const SocketReport& s = sockets.at(label);
    EXPECT_EQ(s.at("keepalive"), 1) << label;
    EXPECT_EQ(s.at("idle"), 25) << label;
    EXPECT_EQ(s.at("interval"), 5) << label;
    EXPECT_EQ(s.at("count"), 4) << label;
    EXPECT_EQ(s.at("rcvbuf"), 2 * 131072) << label;
    EXPECT_EQ(s.at("sndbuf"), 2 * 65536) << label;
    EXPECT_EQ(s.at("user_timeout"), 15000) << label;
    EXPECT_EQ(s.at("nodelay"), 1) << label;
  }
}

}  // namespace sockshim::testing
