// SPDX-License-Identifier: Apache-2.0
#include "config/address_lists.h"

#include <algorithm>
#include <cstring>

namespace sockshim {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_bare_key_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

// A decimal number of 1 to 3 digits without a leading zero, at most |max|.
// Inlined: it runs five times for each of thousands of addresses.
inline __attribute__((always_inline)) bool read_number(const char** at, const char* end, int max, int* value) {
  const char* p = *at;
  if (p == end || !is_digit(*p)) return false;
  int number = *p++ - '0';
  if (number != 0) {
    for (int more = 0; more < 2 && p != end && is_digit(*p); ++more) number = number * 10 + (*p++ - '0');
  }
  if (p != end && is_digit(*p)) return false;  // a fourth digit, or a leading zero
  if (number > max) return false;
  *at = p;
  *value = number;
  return true;
}

// "a.b.c.d" or "a.b.c.d/n", canonical: what AddressRange::parse gives.
bool parse_ipv4_range(std::string_view text, AddressRange* range) {
  const char* at = text.data();
  const char* end = at + text.size();
  uint8_t bytes[4];
  for (int i = 0; i < 4; ++i) {
    int value = 0;
    if (i > 0 && (at == end || *at++ != '.')) return false;
    if (!read_number(&at, end, 255, &value)) return false;
    bytes[i] = static_cast<uint8_t>(value);
  }
  int bits = 32;
  if (at != end && (*at++ != '/' || !read_number(&at, end, 32, &bits))) return false;
  if (at != end) return false;
  range->base = IpAddress::v4(bytes);
  range->prefix_bits = bits;
  return true;
}

// Positions of offsets in a text, asked in increasing order.
class PositionCounter {
 public:
  // From 1, the column in characters (UTF-8 continuation bytes do not count).
  void advance(std::string_view text, size_t offset, TextPosition* at) {
    // From line break to line break: a list of 10,000 lines is long.
    while (counted_ < offset) {
      const void* found = std::memchr(text.data() + counted_, '\n', offset - counted_);
      if (!found) break;
      ++line_;
      counted_ = line_start_ = static_cast<size_t>(static_cast<const char*>(found) - text.data()) + 1;
      characters_ = 0;
      characters_end_ = line_start_;
    }
    counted_ = offset;
    // Characters are counted on from the last position asked on this line,
    // not from its start: a line may hold many lists (or one of 10,000).
    for (; characters_end_ < offset; ++characters_end_) {
      characters_ += (static_cast<unsigned char>(text[characters_end_]) & 0xc0) != 0x80;
    }
    at->line = line_;
    at->column = characters_ + 1;
  }

 private:
  size_t counted_ = 0;
  uint32_t line_ = 1;
  size_t line_start_ = 0;
  uint32_t characters_ = 0;    // on this line, before characters_end_
  size_t characters_end_ = 0;  // offsets are asked in increasing order
};

bool before(TextPosition a, TextPosition b) { return a.line < b.line || (a.line == b.line && a.column < b.column); }

class Lifter {
 public:
  Lifter(std::string_view text, LiftedText* out) : text_(text), out_(out) {}

  void run() {
    size_t i = 0;
    while (i < text_.size()) {
      const char c = text_[i];
      if (c == '#') {
        i = skip_to_line_end(i);
      } else if (c == '"' || c == '\'') {
        i = skip_string(i);
      } else if (c == '=') {
        i = maybe_lift(i);
      } else {
        ++i;
      }
    }
    if (!out_->lists.empty()) out_->text.append(text_.substr(copied_));
  }

 private:
  size_t skip_to_line_end(size_t i) const {
    const size_t end = text_.find('\n', i);
    return end == std::string_view::npos ? text_.size() : end;
  }

  // Past the string that starts at |i| (basic or literal, one line or multi-line).
  size_t skip_string(size_t i) const {
    const char quote = text_[i];
    const bool multi_line = text_.substr(i, 3) == std::string_view(quote == '"' ? "\"\"\"" : "'''");
    size_t j = i + (multi_line ? 3 : 1);
    while (j < text_.size()) {
      const char c = text_[j];
      if (c == '\\' && quote == '"') {
        j += 2;
      } else if (multi_line ? text_.substr(j, 3) == text_.substr(i, 3) : c == quote) {
        // A multi-line string may end with up to two more quotes.
        j += multi_line ? 3 : 1;
        while (multi_line && j < text_.size() && text_[j] == quote) ++j;
        return j;
      } else if (c == '\n' && !multi_line) {
        return j;  // unterminated: toml++ says so
      } else {
        ++j;
      }
    }
    return j;
  }

  // |equals| is a key's "=": lifts the array after it when it is a list of
  // addresses under "remote" or "local". Where scanning goes on.
  size_t maybe_lift(size_t equals) {
    size_t key_end = equals;
    while (key_end > 0 && (text_[key_end - 1] == ' ' || text_[key_end - 1] == '\t')) --key_end;
    size_t key_start = key_end;
    while (key_start > 0 && is_bare_key_char(text_[key_start - 1])) --key_start;
    const std::string_view key = text_.substr(key_start, key_end - key_start);
    if (key != "remote" && key != "local") return equals + 1;
    size_t open = equals + 1;
    while (open < text_.size() && (text_[open] == ' ' || text_[open] == '\t')) ++open;
    if (open >= text_.size() || text_[open] != '[') return equals + 1;

    // In a list that can be lifted the first "]" closes it, and an item
    // takes at least 10 characters ("1.2.3.4", ): reserved at once, since
    // every page a vector grows through is touched (and pages reserved but
    // never written cost nothing).
    const size_t first_close = text_.find(']', open);
    if (first_close == std::string_view::npos) return equals + 1;
    LiftedList list;
    list.ranges.reserve((first_close - open) / 10 + 1);
    size_t at = open + 1;
    size_t close = 0;
    while (true) {
      at = skip_blank(at);
      if (at >= text_.size()) return equals + 1;
      if (text_[at] == ']') {
        close = at;
        break;
      }
      if (text_[at] != '"') return equals + 1;
      const size_t end = text_.find('"', at + 1);
      if (end == std::string_view::npos) return equals + 1;
      AddressRange range;
      if (!parse_ipv4_range(text_.substr(at + 1, end - at - 1), &range)) return equals + 1;
      list.ranges.push_back(range);
      at = skip_blank(end + 1);
      if (at < text_.size() && text_[at] == ',') {
        ++at;
      } else if (at >= text_.size() || text_[at] != ']') {
        return equals + 1;
      }
    }
    if (list.ranges.empty()) return equals + 1;  // "at least one address": the loader says it

    std::string& text = out_->text;
    if (out_->lists.empty()) text.reserve(text_.size());
    text.append(text_.substr(copied_, open - copied_));
    Splice splice;
    lifted_positions_.advance(text, text.size(), &list.at);
    text.push_back('[');
    lifted_positions_.advance(text, text.size(), &splice.lifted);
    original_positions_.advance(text_, close, &splice.original);
    copied_ = close;  // the "]" and what follows are copied as they are
    out_->lists.push_back(std::move(list));
    out_->splices.push_back(splice);
    return close;
  }

  // Past spaces, tabs and line breaks (a lone "\r" is not one: not lifted).
  size_t skip_blank(size_t at) const {
    while (at < text_.size()) {
      const char c = text_[at];
      if (c == ' ' || c == '\t' || c == '\n') {
        ++at;
      } else if (c == '\r' && at + 1 < text_.size() && text_[at + 1] == '\n') {
        at += 2;
      } else {
        break;
      }
    }
    return at;
  }

  std::string_view text_;
  LiftedText* out_;
  size_t copied_ = 0;  // text_[0, copied_) is in out_->text
  PositionCounter original_positions_;
  PositionCounter lifted_positions_;
};

}  // namespace

bool lift_address_lists(std::string_view text, LiftedText* out) {
  out->text.clear();
  out->lists.clear();
  out->splices.clear();
  Lifter(text, out).run();
  return !out->lists.empty();
}

LiftedList* lifted_list_at(std::vector<LiftedList>& lists, TextPosition at) {
  const auto found = std::lower_bound(lists.begin(), lists.end(), at,
                                      [](const LiftedList& list, TextPosition where) { return before(list.at, where); });
  if (found == lists.end() || found->at.line != at.line || found->at.column != at.column) return nullptr;
  return &*found;
}

TextPosition original_position(const std::vector<Splice>& splices, TextPosition at) {
  if (at.line == 0) return at;  // no position
  // The last list closed at or before |at|: from its "]" on, the text is
  // the original's, shifted by whole lines, and on that line by columns.
  const auto after = std::upper_bound(splices.begin(), splices.end(), at,
                                      [](TextPosition where, const Splice& splice) { return before(where, splice.lifted); });
  if (after == splices.begin()) return at;
  const Splice& splice = *(after - 1);
  if (at.line == splice.lifted.line) {
    return {splice.original.line, splice.original.column + (at.column - splice.lifted.column)};
  }
  return {at.line + (splice.original.line - splice.lifted.line), at.column};
}

}  // namespace sockshim
