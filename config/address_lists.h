// SPDX-License-Identifier: Apache-2.0
// Long lists of IPv4 prefixes ("remote = [ ... ]", "local = [ ... ]", such
// as a cloud provider's ten thousand) read without toml++, which spends
// some thousands of instructions on each string: a config is parsed at the
// first socket of every process.
//
// Only lists that are plain, valid and unambiguous are taken: every item a
// double-quoted IPv4 address or CIDR written the canonical way, no comment
// inside. Anything else stays in the text for toml++ and the loader, so
// that every error is reported exactly as before.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/address.h"

namespace sockshim {

// A line and column as toml++ counts them: from 1, columns in characters.
struct TextPosition {
  uint32_t line = 0;
  uint32_t column = 0;
};

struct LiftedList {
  TextPosition at;  // of its "[" in LiftedText::text
  std::vector<AddressRange> ranges;  // in the order written
};

// Where a lifted list's "]" is in LiftedText::text and in the original.
struct Splice {
  TextPosition lifted;
  TextPosition original;
};

struct LiftedText {
  // The text with each lifted list emptied to "[]": toml++ spends some
  // hundred instructions on every blank it skips, so none are left.
  std::string text;
  std::vector<LiftedList> lists;  // in the order of the text
  std::vector<Splice> splices;    // the same order
};

// False when there is nothing to lift: then |text| is parsed as it is.
bool lift_address_lists(std::string_view text, LiftedText* out);

// The list lifted from the array that toml++ saw at |at|.
LiftedList* lifted_list_at(std::vector<LiftedList>& lists, TextPosition at);

// Where |at| in the lifted text was in the original, for messages.
TextPosition original_position(const std::vector<Splice>& splices, TextPosition at);

}  // namespace sockshim
