// SPDX-License-Identifier: Apache-2.0
#include "supervisor/json_reader.h"

#include <cstdlib>

namespace sockshim::supervisor {
namespace {

class Reader {
 public:
  explicit Reader(const std::string& text) : text_(text) {}

  bool document(JsonValue* value) {
    if (!parse(value, 0)) return false;
    skip_space();
    return at_ == text_.size() || fail("text after the value");
  }
  std::string error() const { return error_ + " at byte " + std::to_string(at_); }

 private:
  // Deeper nesting than any runtime sends is refused, not recursed into.
  static constexpr int kMaxDepth = 64;

  bool fail(const char* why) {
    if (error_.empty()) error_ = why;
    return false;
  }
  void skip_space() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\n' || text_[at_] == '\r' || text_[at_] == '\t')) {
      ++at_;
    }
  }
  bool literal(const char* word) {
    size_t i = 0;
    for (; word[i]; ++i) {
      if (at_ + i >= text_.size() || text_[at_ + i] != word[i]) return fail("an unknown word");
    }
    at_ += i;
    return true;
  }
  static void append_utf8(unsigned code, std::string* out) {
    if (code < 0x80) {
      *out += static_cast<char>(code);
    } else if (code < 0x800) {
      *out += static_cast<char>(0xc0 | (code >> 6));
      *out += static_cast<char>(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      *out += static_cast<char>(0xe0 | (code >> 12));
      *out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
      *out += static_cast<char>(0x80 | (code & 0x3f));
    } else {
      *out += static_cast<char>(0xf0 | (code >> 18));
      *out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
      *out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
      *out += static_cast<char>(0x80 | (code & 0x3f));
    }
  }
  bool hex4(unsigned* code) {
    if (at_ + 4 > text_.size()) return fail("a short \\u escape");
    *code = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[at_++];
      *code <<= 4;
      if (c >= '0' && c <= '9') *code |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') *code |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') *code |= static_cast<unsigned>(c - 'A' + 10);
      else return fail("a bad \\u escape");
    }
    return true;
  }
  bool string(std::string* out) {
    ++at_;  // the opening quote
    while (at_ < text_.size()) {
      const char c = text_[at_++];
      if (c == '"') return true;
      if (c != '\\') {
        *out += c;
        continue;
      }
      if (at_ >= text_.size()) break;
      const char escaped = text_[at_++];
      switch (escaped) {
        case '"': case '\\': case '/': *out += escaped; break;
        case 'b': *out += '\b'; break;
        case 'f': *out += '\f'; break;
        case 'n': *out += '\n'; break;
        case 'r': *out += '\r'; break;
        case 't': *out += '\t'; break;
        case 'u': {
          unsigned code = 0;
          if (!hex4(&code)) return false;
          // A surrogate pair is one character.
          if (code >= 0xd800 && code < 0xdc00 && at_ + 1 < text_.size() && text_[at_] == '\\' &&
              text_[at_ + 1] == 'u') {
            at_ += 2;
            unsigned low = 0;
            if (!hex4(&low)) return false;
            code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
          }
          append_utf8(code, out);
          break;
        }
        default:
          return fail("a bad escape");
      }
    }
    return fail("an unterminated string");
  }
  bool parse(JsonValue* value, int depth) {
    if (depth > kMaxDepth) return fail("nesting too deep");
    skip_space();
    if (at_ >= text_.size()) return fail("a missing value");
    const char c = text_[at_];
    if (c == '{') {
      value->kind = JsonValue::Kind::object;
      ++at_;
      skip_space();
      if (at_ < text_.size() && text_[at_] == '}') return ++at_, true;
      for (;;) {
        skip_space();
        if (at_ >= text_.size() || text_[at_] != '"') return fail("a missing member name");
        std::string name;
        if (!string(&name)) return false;
        skip_space();
        if (at_ >= text_.size() || text_[at_] != ':') return fail("a missing ':'");
        ++at_;
        if (!parse(&value->members[name], depth + 1)) return false;
        skip_space();
        if (at_ < text_.size() && text_[at_] == ',') { ++at_; continue; }
        if (at_ < text_.size() && text_[at_] == '}') return ++at_, true;
        return fail("a missing ',' or '}'");
      }
    }
    if (c == '[') {
      value->kind = JsonValue::Kind::array;
      ++at_;
      skip_space();
      if (at_ < text_.size() && text_[at_] == ']') return ++at_, true;
      for (;;) {
        value->items.emplace_back();
        if (!parse(&value->items.back(), depth + 1)) return false;
        skip_space();
        if (at_ < text_.size() && text_[at_] == ',') { ++at_; continue; }
        if (at_ < text_.size() && text_[at_] == ']') return ++at_, true;
        return fail("a missing ',' or ']'");
      }
    }
    if (c == '"') {
      value->kind = JsonValue::Kind::string;
      return string(&value->text);
    }
    if (c == 't' || c == 'f') {
      value->kind = JsonValue::Kind::boolean;
      value->boolean = c == 't';
      return literal(c == 't' ? "true" : "false");
    }
    if (c == 'n') return literal("null");
    if (c == '-' || (c >= '0' && c <= '9')) {
      const char* start = text_.c_str() + at_;
      char* end = nullptr;
      value->kind = JsonValue::Kind::number;
      value->number = std::strtod(start, &end);
      if (end == start) return fail("a bad number");
      at_ += static_cast<size_t>(end - start);
      return true;
    }
    return fail("an unexpected character");
  }

  const std::string& text_;
  size_t at_ = 0;
  std::string error_;
};

}  // namespace

const JsonValue* JsonValue::find(const std::string& name) const {
  if (kind != Kind::object) return nullptr;
  const auto found = members.find(name);
  return found == members.end() ? nullptr : &found->second;
}

bool parse_json(const std::string& text, JsonValue* value, std::string* error) {
  Reader reader(text);
  *value = JsonValue();
  if (reader.document(value)) return true;
  *error = reader.error();
  return false;
}

}  // namespace sockshim::supervisor
