// The settings of a SocketSettings as a table, for code that walks all of
// them by name: reports, provenance, comparisons.
#pragma once

#include <optional>

#include "config/decide.h"
#include "config/policy.h"

namespace sockshim {

enum class SettingUnit { flag, seconds, count, bytes, milliseconds };

struct SettingField {
  OptionId option;
  const char* key;  // as written in the config, e.g. "keepalive.idle"
  SettingUnit unit;
  std::optional<int> (*get)(const SocketSettings&);  // booleans as 0/1
};

extern const SettingField kSettingFields[static_cast<int>(OptionId::count_)];

}  // namespace sockshim
