// SPDX-License-Identifier: Apache-2.0
// A small JSON reader: enough for the runtime's container state (objects,
// arrays, strings, numbers, true, false, null), without a dependency.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace sockshim::supervisor {

struct JsonValue {
  enum class Kind { null, boolean, number, string, array, object };
  Kind kind = Kind::null;
  bool boolean = false;
  double number = 0;
  std::string text;
  std::vector<JsonValue> items;
  std::map<std::string, JsonValue> members;

  // The member |name| of an object, or nullptr.
  const JsonValue* find(const std::string& name) const;
};

// False with the byte offset of the first problem in |error| when |text| is
// not one JSON value.
bool parse_json(const std::string& text, JsonValue* value, std::string* error);

}  // namespace sockshim::supervisor
