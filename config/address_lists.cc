#include "config/address_lists.h"

#include <algorithm>

namespace sockshim {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_bare_key_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

// A decimal number of 1 to 3 digits without a leading zero, at most |max|.
bool read_number(const char** at, const char* end, int max, int* value) {
  const char* start = *at;
  int number = 0;
  while (*at < end && is_digit(**at) && *at - start < 3) number = number * 10 + (*(*at)++ - '0');
  const long digits = *at - start;
  if (digits == 0 || (digits > 1 && *start == '0') || number > max) return false;
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

    // In a list that can be lifted the first "]" closes it: reserved at once,
    // since every page a vector grows through is touched.
    const size_t first_close = text_.find(']', open);
    if (first_close == std::string_view::npos) return equals + 1;
    LiftedList list;
    list.ranges.reserve(static_cast<size_t>(std::count(text_.begin() + open, text_.begin() + first_close, '"')) / 2);
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

    position_of(open, &list.line, &list.column);
    std::string& text = out_->text;
    if (out_->lists.empty()) text.reserve(text_.size());
    text.append(text_.substr(copied_, open + 1 - copied_));
    size_t line_start = open + 1;
    for (size_t j = open + 1; j < close; ++j) {
      if (text_[j] == '\n') {
        text.push_back('\n');
        line_start = j + 1;
      }
    }
    // The "]" keeps its column: spaces for what its line held before it.
    const size_t before_close = line_start == open + 1 ? close - open - 1 : close - line_start;
    text.append(before_close, ' ');
    copied_ = close;
    out_->lists.push_back(std::move(list));
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

  // Line and column of |offset| as toml++ gives them: from 1, the column
  // in characters (UTF-8 continuation bytes do not count).
  void position_of(size_t offset, uint32_t* line, uint32_t* column) {
    for (; counted_ < offset; ++counted_) {
      if (text_[counted_] == '\n') {
        ++line_;
        line_start_ = counted_ + 1;
      }
    }
    uint32_t characters = 0;
    for (size_t j = line_start_; j < offset; ++j) characters += (static_cast<unsigned char>(text_[j]) & 0xc0) != 0x80;
    *line = line_;
    *column = characters + 1;
  }

  std::string_view text_;
  LiftedText* out_;
  size_t copied_ = 0;  // text_[0, copied_) is in out_->text
  size_t counted_ = 0;
  uint32_t line_ = 1;
  size_t line_start_ = 0;
};

}  // namespace

bool lift_address_lists(std::string_view text, LiftedText* out) {
  out->text.clear();
  out->lists.clear();
  Lifter(text, out).run();
  return !out->lists.empty();
}

LiftedList* lifted_list_at(std::vector<LiftedList>& lists, uint32_t line, uint32_t column) {
  const auto found = std::lower_bound(lists.begin(), lists.end(), std::make_pair(line, column),
                                      [](const LiftedList& list, const std::pair<uint32_t, uint32_t>& where) {
                                        return std::make_pair(list.line, list.column) < where;
                                      });
  if (found == lists.end() || found->line != line || found->column != column) return nullptr;
  return &*found;
}

}  // namespace sockshim
