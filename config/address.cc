// SPDX-License-Identifier: Apache-2.0
#include "config/address.h"

#include <arpa/inet.h>

#include <cstring>
#include <string>

namespace sockshim {
namespace {

constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool parse_prefix(std::string_view text, int max_bits, int* bits) {
  if (text.empty() || text.size() > 3) return false;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value > max_bits) return false;
  *bits = value;
  return true;
}

}  // namespace

IpAddress IpAddress::v4(const uint8_t (&b)[4]) {
  IpAddress address;
  std::memcpy(address.bytes, b, 4);
  return address;
}

IpAddress IpAddress::v6(const uint8_t (&b)[16]) {
  IpAddress address;
  if (std::memcmp(b, kMappedPrefix, sizeof kMappedPrefix) == 0) {
    std::memcpy(address.bytes, b + 12, 4);
    return address;
  }
  address.is_v6 = true;
  std::memcpy(address.bytes, b, 16);
  return address;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  const std::string terminated(text);
  uint8_t v4_bytes[4];
  if (inet_pton(AF_INET, terminated.c_str(), v4_bytes) == 1) return v4(v4_bytes);
  uint8_t v6_bytes[16];
  if (inet_pton(AF_INET6, terminated.c_str(), v6_bytes) == 1) return v6(v6_bytes);
  return std::nullopt;
}

std::optional<AddressRange> AddressRange::parse(std::string_view text) {
  const size_t slash = text.find('/');
  const std::optional<IpAddress> base = IpAddress::parse(text.substr(0, slash));
  if (!base) return std::nullopt;
  const bool written_as_v6 = text.substr(0, slash).find(':') != std::string_view::npos;
  AddressRange range;
  range.base = *base;
  range.prefix_bits = base->is_v6 ? 128 : 32;
  if (slash != std::string_view::npos) {
    int bits = 0;
    if (!parse_prefix(text.substr(slash + 1), written_as_v6 ? 128 : 32, &bits)) {
      return std::nullopt;
    }
    // ::ffff:10.0.0.0/104 is the IPv4 range 10.0.0.0/8.
    if (written_as_v6 && !base->is_v6) {
      if (bits < 96) return std::nullopt;
      bits -= 96;
    }
    range.prefix_bits = bits;
  }
  return range;
}

bool AddressRange::contains(const IpAddress& address) const {
  if (address.is_v6 != base.is_v6) return false;
  const int full_bytes = prefix_bits / 8;
  for (int i = 0; i < full_bytes; ++i) {  // a loop, not memcmp: on every connect
    if (address.bytes[i] != base.bytes[i]) return false;
  }
  const int rest = prefix_bits % 8;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (address.bytes[full_bytes] & mask) == (base.bytes[full_bytes] & mask);
}

}  // namespace sockshim
