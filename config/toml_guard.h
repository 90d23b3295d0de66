// A pre-check of the raw text for what toml++ 3.3 mishandles: a non-ASCII
// character where its parser asks "is this whitespace?" reaches
// TOML_UNREACHABLE (undefined behaviour: in a preload, a crash of the host
// program). TOML allows non-ASCII only in strings and comments, so such
// text is invalid anyway; it is refused here with a position instead.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sockshim {

struct TextProblem {
  uint32_t line = 0;
  uint32_t column = 0;  // in characters, as toml++ counts them
  std::string message;
};

std::optional<TextProblem> find_unsafe_non_ascii(std::string_view text);

}  // namespace sockshim
