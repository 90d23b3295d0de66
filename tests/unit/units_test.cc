// SPDX-License-Identifier: Apache-2.0
#include "config/units.h"

#include <gtest/gtest.h>

namespace sockshim {
namespace {

TEST(DurationTest, EveryUnit) {
  EXPECT_EQ(parse_duration_ms("250ms"), 250);
  EXPECT_EQ(parse_duration_ms("30s"), 30000);
  EXPECT_EQ(parse_duration_ms("5m"), 300000);
  EXPECT_EQ(parse_duration_ms("2h"), 7200000);
  EXPECT_EQ(parse_duration_ms("30 s"), 30000);
}

TEST(DurationTest, RejectsWhatIsNotADuration) {
  for (const char* text : {"", "s", "30", "30x", "30sec", "-5s", "1.5s", "5 m s", "ms5",
                           "99999999999999999999s"}) {
    EXPECT_FALSE(parse_duration_ms(text).has_value()) << text;
  }
}

TEST(SizeTest, EveryUnitIsBinary) {
  EXPECT_EQ(parse_size_bytes("4096"), 4096);
  EXPECT_EQ(parse_size_bytes("10B"), 10);
  EXPECT_EQ(parse_size_bytes("64K"), 64 * 1024);
  EXPECT_EQ(parse_size_bytes("256KiB"), 256 * 1024);
  EXPECT_EQ(parse_size_bytes("1M"), 1 << 20);
  EXPECT_EQ(parse_size_bytes("1MiB"), 1 << 20);
  EXPECT_EQ(parse_size_bytes("1 MiB"), 1 << 20);
  EXPECT_EQ(parse_size_bytes("2G"), int64_t{2} << 30);
  EXPECT_EQ(parse_size_bytes("2GiB"), int64_t{2} << 30);
}

TEST(SizeTest, RejectsWhatIsNotASize) {
  for (const char* text : {"", "KiB", "1KB", "1kib", "1 TiB", "-1", "1.5MiB", "0x10"}) {
    EXPECT_FALSE(parse_size_bytes(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace sockshim
