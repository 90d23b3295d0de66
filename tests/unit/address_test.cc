// SPDX-License-Identifier: Apache-2.0
#include "config/address.h"

#include <gtest/gtest.h>

namespace sockshim {
namespace {

IpAddress address(const char* text) {
  const auto parsed = IpAddress::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(IpAddress());
}

bool in(const char* range, const char* host) {
  const auto parsed = AddressRange::parse(range);
  EXPECT_TRUE(parsed.has_value()) << range;
  return parsed && parsed->contains(address(host));
}

TEST(AddressRangeTest, Ipv4Prefixes) {
  EXPECT_TRUE(in("10.0.0.0/8", "10.255.1.2"));
  EXPECT_FALSE(in("10.0.0.0/8", "11.0.0.1"));
  EXPECT_TRUE(in("192.168.1.0/25", "192.168.1.127"));
  EXPECT_FALSE(in("192.168.1.0/25", "192.168.1.128"));
  EXPECT_TRUE(in("0.0.0.0/0", "8.8.8.8"));
  EXPECT_TRUE(in("127.0.0.1", "127.0.0.1"));
  EXPECT_FALSE(in("127.0.0.1", "127.0.0.2"));
}

TEST(AddressRangeTest, Ipv6Prefixes) {
  EXPECT_TRUE(in("fd00::/8", "fd12:3456::1"));
  EXPECT_FALSE(in("fd00::/8", "fe80::1"));
  EXPECT_TRUE(in("2001:db8::/32", "2001:db8:ffff::1"));
  EXPECT_TRUE(in("::1", "::1"));
  EXPECT_TRUE(in("::/0", "2001:db8::1"));
}

TEST(AddressRangeTest, FamiliesNeverMix) {
  EXPECT_FALSE(in("::/0", "10.0.0.1"));
  EXPECT_FALSE(in("0.0.0.0/0", "::1"));
}

TEST(AddressRangeTest, Ipv4MappedIpv6IsIpv4) {
  EXPECT_TRUE(in("10.0.0.0/8", "::ffff:10.1.2.3"));
  EXPECT_FALSE(in("fd00::/8", "::ffff:10.1.2.3"));
  // A mapped range written in IPv6 notation is the IPv4 range.
  EXPECT_TRUE(in("::ffff:10.0.0.0/104", "10.9.9.9"));
  EXPECT_FALSE(in("::ffff:10.0.0.0/104", "11.0.0.1"));
}

TEST(AddressRangeTest, RejectsBadRanges) {
  for (const char* text : {"", "10.0.0.0/33", "10.0.0.0/", "10.0.0/8", "fd00::/129", "x",
                           "10.0.0.0/-1", "10.0.0.0/8/8", "::ffff:10.0.0.0/95", "fd00::/1a"}) {
    EXPECT_FALSE(AddressRange::parse(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace sockshim
