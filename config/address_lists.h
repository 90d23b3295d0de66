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

struct LiftedList {
  uint32_t line = 0;    // where its '[' is, as toml++ counts (from 1, in characters)
  uint32_t column = 0;
  std::vector<AddressRange> ranges;  // in the order written
};

struct LiftedText {
  // The text with each lifted list emptied: "[", its line breaks, spaces up
  // to the column of its "]", so that everything else keeps its line and
  // column.
  std::string text;
  std::vector<LiftedList> lists;  // in the order of the text
};

// False when there is nothing to lift: then |text| is parsed as it is.
bool lift_address_lists(std::string_view text, LiftedText* out);

// The list lifted from the array that toml++ saw at |line|:|column|.
LiftedList* lifted_list_at(std::vector<LiftedList>& lists, uint32_t line, uint32_t column);

}  // namespace sockshim
