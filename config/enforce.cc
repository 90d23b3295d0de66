// SPDX-License-Identifier: Apache-2.0
#include "config/enforce.h"

namespace sockshim {
namespace {

void add_pair(std::vector<LevelName>* pairs, LevelName pair) {
  for (const LevelName& known : *pairs) {
    if (known.level == pair.level && known.name == pair.name) return;
  }
  pairs->push_back(pair);
}

void add_enforced(uint32_t enforced, std::vector<LevelName>* pairs) {
  if (enforced == 0) return;
  for (const CatalogueEntry& entry : kCatalogue) {
    if (!(enforced & (1u << static_cast<int>(entry.id)))) continue;
    add_pair(pairs, entry.ipv4);
    add_pair(pairs, entry.ipv6);
  }
}

}  // namespace

std::vector<LevelName> enforceable_options(const Policy& policy) {
  std::vector<LevelName> pairs;
  add_enforced(policy.defaults.enforced, &pairs);
  for (const Rule& rule : policy.rules) add_enforced(rule.settings.enforced(), &pairs);
  return pairs;
}

uint32_t enforced_on(const SocketSettings& settings, SocketTarget target) {
  const SocketSettings set = applicable(settings, target);
  uint32_t bits = 0;
  for (const CatalogueEntry& entry : kCatalogue) {
    if (set.is_enforced(entry.id) && set.get(entry.id)) bits |= 1u << static_cast<int>(entry.id);
  }
  return bits;
}

uint32_t enforcement_bit(int level, int name) {
  const CatalogueEntry* entry = find_option_by_level_name(level, name);
  return entry ? 1u << static_cast<int>(entry->id) : 0;
}

std::optional<SocketOption> enforced_option(const SocketSettings& settings, SocketTarget target, int level,
                                            int name) {
  const uint32_t bit = enforcement_bit(level, name);
  if (!(enforced_on(settings, target) & bit)) return std::nullopt;
  const OptionList list = options_to_apply(settings, SocketSettings(), target);
  for (int i = 0; i < list.size; ++i) {
    if (list.items[i].level == level && list.items[i].name == name) return list.items[i];
  }
  return std::nullopt;
}

}  // namespace sockshim
