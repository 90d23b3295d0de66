// SPDX-License-Identifier: Apache-2.0
// Reading a floating-point number without the C++ library's own reader.
// toml++ reads floats with std::from_chars (TOML_FLOAT_CHARCONV). Without
// it, toml++ reads them through std::istringstream, which links the whole
// of iostreams and locales into the preload: what libc++ (the musl and
// portable builds, whose libc++ has no floating-point from_chars) did,
// adding hundreds of kilobytes and thousands of relocations that every
// process paid for at load. No sockshim setting is a float (the loader only
// reports "got a floating-point number"), so the value need not be exact.
#pragma once

#include <charconv>

namespace sockshim {

// Consumes the number toml++ has already validated, computed plainly.
std::from_chars_result parse_plain_double(const char* first, const char* last, double& value);

}  // namespace sockshim

#if defined(_LIBCPP_VERSION) && _LIBCPP_VERSION < 200000
// libc++ before 20 declares no floating-point from_chars: this one, defined
// in plain_float.cc, is what toml++ calls.
_LIBCPP_BEGIN_NAMESPACE_STD
from_chars_result from_chars(const char* first, const char* last, double& value,
                             chars_format format = chars_format::general) noexcept;
_LIBCPP_END_NAMESPACE_STD
#endif
