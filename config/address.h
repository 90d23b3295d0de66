// SPDX-License-Identifier: Apache-2.0
// IPv4/IPv6 addresses and CIDR ranges, as rules match them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sockshim {

// An IPv4 address is kept as an IPv4 address even when it arrived as an
// IPv4-mapped IPv6 address (::ffff:a.b.c.d), so one rule covers both forms.
struct IpAddress {
  bool is_v6 = false;
  uint8_t bytes[16] = {};  // IPv4 uses the first four

  static IpAddress v4(const uint8_t (&b)[4]);
  static IpAddress v6(const uint8_t (&b)[16]);  // unmaps ::ffff:0:0/96
  static std::optional<IpAddress> parse(std::string_view text);
};

struct AddressRange {
  IpAddress base;
  // 0..32 or 0..128. One byte, so that a range takes 18 bytes rather than
  // 24: a compiled config's lists of prefixes are copied into fresh memory
  // at the first socket of every process.
  uint8_t prefix_bits = 0;

  // "10.0.0.0/8", "fd00::/8", or a bare address (a single host).
  static std::optional<AddressRange> parse(std::string_view text);
  bool contains(const IpAddress& address) const;
};

}  // namespace sockshim
