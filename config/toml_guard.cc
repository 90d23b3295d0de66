#include "config/toml_guard.h"

namespace sockshim {
namespace {

bool is_ascii(unsigned char c) { return c < 0x80; }
bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

enum class Context {
  document,             // keys, values, table headers: ASCII only
  comment,              // to the end of the line
  basic_string,         // "..."
  literal_string,       // '...'
  multiline_basic,      // """..."""
  multiline_literal,    // '''...'''
  after_backslash,      // in a multi-line basic string, right after '\'
  skipping_whitespace,  // after a line-ending backslash
};

}  // namespace

std::optional<TextProblem> find_unsafe_non_ascii(std::string_view text) {
  Context context = Context::document;
  // A quote opens a string only where TOML has a key or a value: at the
  // start of a line or after = [ , { — elsewhere (as in 0_'x or 1.'x) it is
  // just a character of a bad bare value, which the parser records. (So a
  // quoted part of a dotted key, a."b", may not hold non-ASCII here; no
  // sockshim key needs quoting.)
  bool quote_opens_string = true;
  uint32_t line = 1;
  uint32_t column = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!is_continuation(c)) ++column;
    const auto starts = [&](std::string_view token) { return text.substr(i, token.size()) == token; };
    const auto problem = [&](const char* where) {
      return TextProblem{line, column, std::string("non-ASCII character ") + where};
    };
    switch (context) {
      case Context::document:
        if (!is_ascii(c)) return problem("outside a string or a comment (TOML allows it only there)");
        if (c == ' ' || c == '\t' || c == '\r') break;
        if (c == '#') {
          context = Context::comment;
        } else if ((c == '"' || c == '\'') && !quote_opens_string) {
          // stays in the document
        } else if (starts("\"\"\"")) {
          context = Context::multiline_basic;
          i += 2;
          column += 2;
        } else if (starts("'''")) {
          context = Context::multiline_literal;
          i += 2;
          column += 2;
        } else if (c == '"') {
          context = Context::basic_string;
        } else if (c == '\'') {
          context = Context::literal_string;
        }
        quote_opens_string = c == '=' || c == '[' || c == ',' || c == '{' || c == '\n';
        break;
      case Context::comment:
        if (c == '\n') {
          context = Context::document;
          quote_opens_string = true;
        }
        break;
      case Context::basic_string:
        if (c == '\\' && i + 1 < text.size() && text[i + 1] != '\n') {
          ++i;  // an escaped character cannot end the string
          if (!is_continuation(static_cast<unsigned char>(text[i]))) ++column;
        } else if (c == '"' || c == '\n') {
          context = Context::document;
          quote_opens_string = c == '\n';
        }
        break;
      case Context::literal_string:
        if (c == '\'' || c == '\n') {
          context = Context::document;
          quote_opens_string = c == '\n';
        }
        break;
      case Context::multiline_basic:
        if (c == '\\') {
          context = Context::after_backslash;
        } else if (starts("\"\"\"")) {
          context = Context::document;
          // Up to two more quotes may belong to the string: """a""""" is valid.
          while (i + 3 < text.size() && text[i + 3] == '"') ++i, ++column;
          i += 2;
          column += 2;
        }
        break;
      case Context::multiline_literal:
        if (starts("'''")) {
          context = Context::document;
          while (i + 3 < text.size() && text[i + 3] == '\'') ++i, ++column;
          i += 2;
          column += 2;
        }
        break;
      case Context::after_backslash:
        if (!is_ascii(c)) return problem("after a backslash in a multi-line string");
        context = (c == ' ' || c == '\t' || c == '\n' || c == '\r') ? Context::skipping_whitespace
                                                                      : Context::multiline_basic;
        break;
      case Context::skipping_whitespace:
        if (!is_ascii(c)) return problem("after a line-ending backslash in a multi-line string");
        if (c == '\\') {
          context = Context::after_backslash;
        } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
          context = Context::multiline_basic;
          --i;  // this character belongs to the string: look at it again
          --column;
        }
        break;
    }
    if (c == '\n') {
      ++line;
      column = 0;
    }
  }
  return std::nullopt;
}

}  // namespace sockshim
