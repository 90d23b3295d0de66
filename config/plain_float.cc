// SPDX-License-Identifier: Apache-2.0
#include "config/plain_float.h"

namespace sockshim {

std::from_chars_result parse_plain_double(const char* first, const char* last, double& value) {
  const char* cursor = first;
  const bool negative = cursor < last && *cursor == '-';
  if (cursor < last && (*cursor == '-' || *cursor == '+')) ++cursor;
  double mantissa = 0;
  int exponent = 0;
  bool digits = false;
  for (; cursor < last && *cursor >= '0' && *cursor <= '9'; ++cursor, digits = true) {
    mantissa = mantissa * 10 + (*cursor - '0');
  }
  if (cursor < last && *cursor == '.') {
    for (++cursor; cursor < last && *cursor >= '0' && *cursor <= '9'; ++cursor, digits = true) {
      mantissa = mantissa * 10 + (*cursor - '0');
      --exponent;
    }
  }
  if (!digits) return {first, std::errc::invalid_argument};
  if (cursor < last && (*cursor == 'e' || *cursor == 'E')) {
    ++cursor;
    const bool negative_exponent = cursor < last && *cursor == '-';
    if (cursor < last && (*cursor == '-' || *cursor == '+')) ++cursor;
    int written = 0;
    for (; cursor < last && *cursor >= '0' && *cursor <= '9'; ++cursor) {
      if (written < 10000) written = written * 10 + (*cursor - '0');
    }
    exponent += negative_exponent ? -written : written;
  }
  for (; exponent > 0 && mantissa < 1e308; --exponent) mantissa *= 10;
  for (; exponent < 0 && mantissa > 0; ++exponent) mantissa /= 10;
  value = negative ? -mantissa : mantissa;
  return {cursor, std::errc{}};
}

}  // namespace sockshim

#if defined(_LIBCPP_VERSION) && _LIBCPP_VERSION < 200000
_LIBCPP_BEGIN_NAMESPACE_STD
from_chars_result from_chars(const char* first, const char* last, double& value, chars_format) noexcept {
  return sockshim::parse_plain_double(first, last, value);
}
_LIBCPP_END_NAMESPACE_STD
#endif
