// SPDX-License-Identifier: Apache-2.0
#include "config/policy_loader.h"

#include <algorithm>
#include <climits>
#include <initializer_list>

#include "config/address_lists.h"
#include "config/option_catalogue.h"
#include "config/plain_float.h"
#include "config/value_kinds.h"

#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#define TOML_ENABLE_FORMATTERS 0
// from_chars keeps iostreams and locales out of the library (plain_float.h).
#define TOML_FLOAT_CHARCONV 1
#include <toml++/toml.h>

namespace sockshim {
namespace {

// The config's sections ("keepalive", "buffers", ...), from the catalogue.
std::vector<std::string_view> setting_sections() {
  std::string_view sections[kOptionCount];
  const int count = catalogue_sections(sections, kOptionCount);
  return std::vector<std::string_view>(sections, sections + count);
}

std::string_view section_of(const CatalogueEntry& entry) {
  const std::string_view key = entry.key;
  return key.substr(0, key.find('.'));
}

std::string_view name_of(const CatalogueEntry& entry) {
  const std::string_view key = entry.key;
  return key.substr(key.find('.') + 1);
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "the string \"" + std::string(*node.value<std::string_view>()) + "\"";
    case toml::node_type::integer: return "the integer " + std::to_string(*node.value<int64_t>());
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return *node.value<bool>() ? "true" : "false";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

// The entry whose kernel name, without its TCP_/SO_/IP_ prefix, is |name|
// ("keepidle", "tcp_keepidle", "TCP_KEEPIDLE" → keepalive.idle): people write
// the option's name where the config wants its key.
const CatalogueEntry* entry_by_kernel_name(std::string_view name) {
  std::string wanted(name);
  for (char& c : wanted) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  for (const CatalogueEntry& entry : kCatalogue) {
    const std::string_view kernel = entry.kernel_name;
    const std::string_view bare = kernel.substr(kernel.find('_') + 1);
    if (wanted == kernel || wanted == bare) return &entry;
  }
  return nullptr;
}

bool comes_before(const ConfigError& a, const ConfigError& b) {
  return a.line != b.line ? a.line < b.line : a.column < b.column;
}

std::string join_key(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return std::string(parent) + "." + std::string(key);
}

class Loader {
  // A settings section: its name, and its catalogue entries with their keys.
  struct Section {
    std::string_view name;
    std::vector<std::string_view> keys;  // "idle", "interval", ...
    std::vector<const CatalogueEntry*> entries;
  };

 public:
  explicit Loader(std::string_view source) : source_(source) {
    // What every table is checked against, worked out once per config, not
    // once per rule (a config may have a thousand).
    for (std::string_view name : setting_sections()) sections_.push_back({name, {}, {}});
    for (const CatalogueEntry& entry : kCatalogue) {
      for (Section& section : sections_) {
        if (section.name != section_of(entry)) continue;
        section.keys.push_back(name_of(entry));
        section.entries.push_back(&entry);
      }
    }
    rule_keys_ = settings_keys({"name", "match"});
  }

  LoadResult load(std::string_view text) {
    LoadResult result;
    // A file of nothing is more likely a mistake (an empty mount, a failed
    // template) than a wish; a comment says "nothing" on purpose.
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      add_error(toml::source_position{}, "",
                "is empty; expected [keepalive], [buffers], [tcp] or [[rule]] (a comment alone "
                "makes an intentionally empty config)");
      result.errors = std::move(errors_);
      result.error_count = error_count_;
      return result;
    }
    // Long address lists are read here, not by toml++: see address_lists.h.
    LiftedText lifted;
    const bool any_lifted = lift_address_lists(text, &lifted);
    lifted_ = std::move(lifted.lists);
    splices_ = std::move(lifted.splices);
    toml::parse_result parsed = toml::parse(any_lifted ? std::string_view(lifted.text) : text, source_);
    if (!parsed) {
      const toml::parse_error& failure = parsed.error();
      add_error(failure.source().begin, "", "syntax error: " + std::string(failure.description()));
      result.errors = std::move(errors_);
      result.error_count = error_count_;
      return result;
    }
    Policy policy;
    read_document(parsed.table(), &policy);
    check_enforced_are_set(policy);
    if (errors_.empty()) {
      result.policy = std::move(policy);
    } else {
      result.errors = std::move(errors_);
      result.error_count = error_count_;
    }
    return result;
  }

 private:
  void add_error(const toml::source_position& where, std::string key, std::string message) {
    ConfigError error;
    error.source = std::string(source_);
    const TextPosition original = original_position(splices_, {where.line, where.column});
    error.line = original.line;
    error.column = original.column;
    error.key = std::move(key);
    error.message = std::move(message);
    // Sections are read in catalogue order; errors are kept in file order,
    // the first kMaxReportedErrors of them (after those of the same position
    // found earlier). A linear insert into a short list: std::stable_sort's
    // nothrow buffer would pull the unwinder into the preload.
    ++error_count_;
    size_t at = errors_.size();
    while (at > 0 && comes_before(error, errors_[at - 1])) --at;
    if (at >= kMaxReportedErrors) return;
    if (errors_.size() == kMaxReportedErrors) errors_.pop_back();
    errors_.insert(errors_.begin() + static_cast<std::ptrdiff_t>(at), std::move(error));
  }

  void wrong_value(const toml::node& node, const std::string& key, std::string_view expected) {
    add_error(node.source().begin, key, "expected " + std::string(expected) + ", got " + type_name(node));
  }

  // Reports keys that are not in |allowed|, with the nearest allowed name.
  void check_keys(const toml::table& table, std::string_view parent,
                  std::initializer_list<std::string_view> allowed) {
    check_keys(table, parent, std::vector<std::string_view>(allowed));
  }

  void check_keys(const toml::table& table, std::string_view parent,
                  const std::vector<std::string_view>& allowed) {
    for (auto&& [key, value] : table) {
      const std::string_view name = key.str();
      if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
      std::string message = "unknown key \"" + std::string(name) + "\"";
      std::string_view nearest;
      size_t best = SIZE_MAX;
      for (std::string_view candidate : allowed) {
        const size_t distance = edit_distance(name, candidate);
        if (distance < best) {
          best = distance;
          nearest = candidate;
        }
      }
      if (best <= std::max<size_t>(2, name.size() / 3)) {
        message += "; did you mean \"" + std::string(nearest) + "\"?";
      } else if (const CatalogueEntry* entry = entry_by_kernel_name(name)) {
        message += "; " + std::string(entry->kernel_name) + " is set by \"" + entry->key + "\"";
      } else {
        message += "; expected one of:";
        for (std::string_view candidate : allowed) message += " " + std::string(candidate);
      }
      add_error(key.source().begin, join_key(parent, name), message);
    }
  }

  const toml::table* require_table(const toml::node& node, const std::string& key) {
    if (const toml::table* table = node.as_table()) return table;
    wrong_value(node, key, "a table");
    return nullptr;
  }

  // One setting's value, read as its catalogue entry's kind says.
  std::optional<OptionValue> read_value(const CatalogueEntry& entry, const toml::node& node,
                                        const std::string& key) {
    WrittenValue written;
    written.flag = node.value_exact<bool>();
    written.integer = node.value_exact<int64_t>();
    written.text = node.value_exact<std::string_view>();
    std::string expected;
    std::optional<OptionValue> value = parse_value(entry, written, &expected);
    if (!value) wrong_value(node, key, expected);
    return value;
  }

  // One section ([keepalive], [tcp], ...) of the top level or a rule.
  void read_section(const toml::node& node, const Section& section, const std::string& key, SocketSettings* out) {
    const toml::table* table = require_table(node, key);
    if (!table) return;
    check_keys(*table, key, section.keys);
    bool tunes_keepalive = false;
    for (size_t i = 0; i < section.entries.size(); ++i) {
      const CatalogueEntry& entry = *section.entries[i];
      const toml::node* n = table->get(section.keys[i]);
      if (!n) continue;
      out->values[static_cast<int>(entry.id)] = read_value(entry, *n, key + "." + std::string(section.keys[i]));
      tunes_keepalive |= entry.enables_keepalive;
    }
    // Tuning keepalive implies wanting it, unless enabled = false says otherwise.
    if (tunes_keepalive && !out->get(OptionId::keepalive)) out->set(OptionId::keepalive, 1);
  }

  // enforce = true (every option this section sets) or a list of keys and
  // sections: ["keepalive", "tcp.nodelay"].
  void read_enforce(const toml::node& node, const std::string& key, SocketSettings* out) {
    if (const auto all = node.value_exact<bool>()) {
      if (!*all) return;
      for (const CatalogueEntry& entry : kCatalogue) {
        if (out->get(entry.id)) out->enforced |= 1u << static_cast<int>(entry.id);
      }
      return;
    }
    const toml::array* items = node.as_array();
    if (!items) {
      wrong_value(node, key, "true, or a list of settings and sections such as [\"keepalive\", \"tcp.nodelay\"]");
      return;
    }
    std::vector<std::string_view> named;
    for (const toml::node& item : *items) {
      const auto text = item.value_exact<std::string_view>();
      if (text && std::find(named.begin(), named.end(), *text) != named.end()) {
        // Each name once: an enforce list stays as short as the catalogue.
        add_error(item.source().begin, key, "\"" + std::string(*text) + "\" is listed twice");
        continue;
      }
      if (text) named.push_back(*text);
      uint32_t bits = 0;
      for (const CatalogueEntry& entry : kCatalogue) {
        if (text && (*text == entry.key || *text == section_of(entry))) bits |= 1u << static_cast<int>(entry.id);
      }
      if (!bits) {
        std::string expected = "a setting such as \"keepalive.idle\" or a section:";
        for (std::string_view section : setting_sections()) expected += " \"" + std::string(section) + "\"";
        wrong_value(item, key, expected);
      } else {
        enforce_items_.push_back({item.source().begin, key, std::string(*text), bits});
      }
      out->enforced |= bits;
    }
  }

  std::optional<int> read_level_or_name(const toml::node& node, const std::string& key, bool level) {
    if (const auto number = node.value_exact<int64_t>(); number && *number >= 0 && *number <= INT_MAX) {
      return static_cast<int>(*number);
    }
    if (const auto text = node.value_exact<std::string_view>()) {
      const int found = level ? level_from_name(*text) : raw_option_from_name(*text);
      if (found >= 0) return found;
    }
    wrong_value(node, key,
                level ? "a level: a number or SOL_SOCKET, IPPROTO_IP, IPPROTO_TCP, IPPROTO_IPV6, IPPROTO_UDP"
                      : "an option number, or a name such as \"TCP_QUICKACK\"");
    return std::nullopt;
  }

  // [[raw]] / [[rule.raw]]: { level, name, value, when }.
  void read_raw(const toml::node& node, const std::string& key, SocketSettings* out) {
    const toml::table* table = require_table(node, key);
    if (!table) return;
    check_keys(*table, key, {"level", "name", "value", "when"});
    RawOption raw;
    const toml::node* level = table->get("level");
    const toml::node* name = table->get("name");
    const toml::node* value = table->get("value");
    if (!level || !name || !value) {
      add_error(node.source().begin, key, "a raw option needs level, name and value");
      return;
    }
    const std::optional<int> level_number = read_level_or_name(*level, key + ".level", true);
    const std::optional<int> name_number = read_level_or_name(*name, key + ".name", false);
    if (!level_number || !name_number) return;
    raw.level = *level_number;
    raw.name = *name_number;
    if (const CatalogueEntry* entry = find_option_by_level_name(raw.level, raw.name)) {
      add_error(name->source().begin, key + ".name",
                "this is " + std::string(entry->kernel_name) + ", which the catalogue sets as \"" + entry->key +
                    "\": write " + entry->key + " = " + entry->example + " instead");
      return;
    }
    if (const auto number = value->value_exact<int64_t>(); number && *number >= INT_MIN && *number <= INT_MAX) {
      raw.number = static_cast<int>(*number);
    } else if (const toml::array* bytes = value->as_array(); bytes && !bytes->empty() && bytes->size() <= sizeof raw.bytes) {
      for (const toml::node& byte : *bytes) {
        const auto b = byte.value_exact<int64_t>();
        if (!b || *b < 0 || *b > 255) {
          wrong_value(byte, key + ".value", "a byte in 0..255");
          return;
        }
        raw.bytes[raw.length++] = static_cast<unsigned char>(*b);
      }
    } else {
      wrong_value(*value, key + ".value", "an integer, or a list of 1..16 bytes such as [1, 0, 0, 0]");
      return;
    }
    if (const toml::node* when = table->get("when")) {
      const auto text = when->value_exact<std::string_view>();
      if (text && (*text == "socket" || *text == "listen")) {
        raw.listeners_only = *text == "listen";
      } else {
        wrong_value(*when, key + ".when", "\"socket\" (every socket the section applies to) or \"listen\" (listeners only)");
        return;
      }
    }
    bool known = false;
    for (const LevelName& pair : raw_pairs_) known |= pair.level == raw.level && pair.name == raw.name;
    if (!known && raw_pairs_.size() == kMaxRawOptions) {
      add_error(node.source().begin, key, "at most " + std::to_string(kMaxRawOptions) +
                                              " different raw options in one config");
      return;
    }
    if (!known) raw_pairs_.push_back({raw.level, raw.name});
    SocketSettings one;
    one.raw[0] = raw;
    one.raw_count = 1;
    out->overlay(one);
  }

  // The settings sections, raw options and enforce of |table| (top level or a rule).
  void read_settings(const toml::table& table, std::string_view parent, SocketSettings* out) {
    for (const Section& section : sections_) {
      if (const toml::node* n = table.get(section.name)) read_section(*n, section, join_key(parent, section.name), out);
    }
    if (const toml::node* n = table.get("raw")) {
      const std::string key = join_key(parent, "raw");
      if (const toml::array* list = n->as_array()) {
        size_t number = 1;
        for (const toml::node& item : *list) {
          const std::string item_key = key + "[" + std::to_string(number++) + "]";
          if (++raw_table_count_ == kMaxRawTables + 1) {
            add_error(item.source().begin, item_key,
                      "too many raw options: more than " + std::to_string(kMaxRawTables) +
                          " [[raw]] and [[rule.raw]] tables in the config");
          }
          if (raw_table_count_ > kMaxRawTables) break;
          read_raw(item, item_key, out);
        }
      } else {
        wrong_value(*n, key, "an array of tables, written [[raw]] or [[rule.raw]]");
      }
    }
    // After the values: enforce = true means "what this section sets".
    if (const toml::node* n = table.get("enforce")) read_enforce(*n, join_key(parent, "enforce"), out);
  }

  // The keys a settings table (top level or rule) may have besides |others|.
  static std::vector<std::string_view> settings_keys(std::initializer_list<std::string_view> others) {
    std::vector<std::string_view> keys = setting_sections();
    keys.insert(keys.begin(), others.begin(), others.end());
    keys.push_back("raw");
    keys.push_back("enforce");
    return keys;
  }

  template <typename Enum, size_t N>
  void read_choice(const toml::node& node, const std::string& key,
                   const std::pair<std::string_view, Enum> (&choices)[N], Enum* out) {
    const auto text = node.value_exact<std::string_view>();
    for (const auto& [name, value] : choices) {
      if (text && *text == name) {
        *out = value;
        return;
      }
    }
    std::string expected = "one of";
    for (const auto& choice : choices) expected += " \"" + std::string(choice.first) + "\"";
    wrong_value(node, key, expected);
  }

  // A single value or an array of them; |read_one| reports its own errors.
  template <typename ReadOne>
  void for_each_item(const toml::node& node, ReadOne read_one) {
    if (const toml::array* items = node.as_array()) {
      for (const toml::node& item : *items) read_one(item);
    } else {
      read_one(node);
    }
  }

  // Counts |added| items of a match list against |limit|; the list that
  // goes past it is an error, once per config.
  void count_against_limit(const toml::node& node, const std::string& key, size_t added, size_t limit,
                           const char* what, size_t* count) {
    const bool was_within = *count <= limit;
    *count += added;
    if (was_within && *count > limit) {
      add_error(node.source().begin, key,
                std::string("too many ") + what + ": this list brings the config past " +
                    std::to_string(limit) + ", the most all rules may have together");
    }
  }

  void read_addresses(const toml::node& node, const std::string& key,
                      std::vector<AddressRange>* out) {
    const size_t before = out->size();
    read_address_items(node, key, out);
    count_against_limit(node, key, out->size() - before, kMaxPrefixes, "address prefixes", &prefix_count_);
  }

  void read_address_items(const toml::node& node, const std::string& key,
                          std::vector<AddressRange>* out) {
    if (const toml::array* items = node.as_array(); items && items->empty()) {
      const toml::source_position where = node.source().begin;
      if (LiftedList* list = lifted_list_at(lifted_, {where.line, where.column})) {
        // Each list is read once: its ranges move, not copied.
        if (out->empty()) {
          *out = std::move(list->ranges);
        } else {
          out->insert(out->end(), list->ranges.begin(), list->ranges.end());
        }
        return;
      }
    }
    for_each_item(node, [&](const toml::node& item) {
      const auto text = item.value_exact<std::string_view>();
      const std::optional<AddressRange> range = text ? AddressRange::parse(*text) : std::nullopt;
      if (range) {
        out->push_back(*range);
      } else {
        wrong_value(item, key, "an address or CIDR such as \"10.0.0.0/8\" or \"fd00::/8\"");
      }
    });
    if (const toml::array* items = node.as_array(); items && items->empty()) {
      wrong_value(node, key, "at least one address or CIDR");
    }
  }

  void read_ports(const toml::node& node, const std::string& key, std::vector<PortRange>* out) {
    const size_t before = out->size();
    read_port_items(node, key, out);
    count_against_limit(node, key, out->size() - before, kMaxPortRanges, "ports and port ranges",
                        &port_range_count_);
  }

  void read_port_items(const toml::node& node, const std::string& key, std::vector<PortRange>* out) {
    for_each_item(node, [&](const toml::node& item) {
      if (const std::optional<PortRange> range = parse_port_item(item)) {
        out->push_back(*range);
      } else {
        wrong_value(item, key, "a port in 1..65535 or a range such as \"6379-6380\"");
      }
    });
    if (const toml::array* items = node.as_array(); items && items->empty()) {
      wrong_value(node, key, "at least one port or range");
    }
  }

  static std::optional<PortRange> parse_port_item(const toml::node& item) {
    auto valid = [](int64_t port) { return port >= 1 && port <= 65535; };
    if (const auto number = item.value_exact<int64_t>()) {
      if (!valid(*number)) return std::nullopt;
      return PortRange{static_cast<uint16_t>(*number), static_cast<uint16_t>(*number)};
    }
    const auto text = item.value_exact<std::string_view>();
    if (!text) return std::nullopt;
    const size_t dash = text->find('-');
    auto parse_port = [&](std::string_view digits) -> std::optional<int64_t> {
      if (digits.empty() || digits.size() > 5) return std::nullopt;
      int64_t value = 0;
      for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
      }
      if (!valid(value)) return std::nullopt;
      return value;
    };
    const auto first = parse_port(text->substr(0, dash));
    const auto last = dash == std::string_view::npos ? first : parse_port(text->substr(dash + 1));
    if (!first || !last || *first > *last) return std::nullopt;
    return PortRange{static_cast<uint16_t>(*first), static_cast<uint16_t>(*last)};
  }

  void read_match(const toml::node& node, const std::string& key, Match* match) {
    const toml::table* table = require_table(node, key);
    if (!table) return;
    check_keys(*table, key, {"direction", "family", "protocol", "remote", "local", "port", "program"});
    static constexpr std::pair<std::string_view, Direction> kDirections[] = {
        {"connect", Direction::connect}, {"listen", Direction::listen},
        {"accept", Direction::accept}, {"any", Direction::any}};
    static constexpr std::pair<std::string_view, Family> kFamilies[] = {
        {"ipv4", Family::ipv4}, {"ipv6", Family::ipv6}, {"any", Family::any}};
    static constexpr std::pair<std::string_view, Protocol> kProtocols[] = {
        {"tcp", Protocol::tcp}, {"udp", Protocol::udp}, {"any", Protocol::any}};
    if (const toml::node* n = table->get("direction")) read_choice(*n, key + ".direction", kDirections, &match->direction);
    if (const toml::node* n = table->get("family")) read_choice(*n, key + ".family", kFamilies, &match->family);
    if (const toml::node* n = table->get("protocol")) read_choice(*n, key + ".protocol", kProtocols, &match->protocol);
    if (const toml::node* n = table->get("remote")) {
      read_addresses(*n, key + ".remote", &match->remote);
      if (match->direction == Direction::listen) {
        add_error(n->source().begin, key + ".remote",
                  "a listen rule has no remote address; match peers with direction = \"accept\"");
      }
    }
    if (const toml::node* n = table->get("local")) {
      read_addresses(*n, key + ".local", &match->local);
      if (match->direction == Direction::connect) {
        add_error(n->source().begin, key + ".local",
                  "\"local\" matches the bound address of listen and accept rules; "
                  "a connect rule matches the destination with \"remote\" and \"port\"");
      }
    }
    if (const toml::node* n = table->get("port")) read_ports(*n, key + ".port", &match->ports);
    if (const toml::node* n = table->get("program")) {
      const auto glob = n->value_exact<std::string_view>();
      if (glob && !glob->empty()) {
        match->program_glob = std::string(*glob);
      } else {
        wrong_value(*n, key + ".program", "a program name or glob such as \"python3*\"");
      }
    }
  }

  void read_rule(const toml::node& node, size_t number, Policy* policy) {
    const std::string key = "rule[" + std::to_string(number) + "]";
    const toml::table* table = require_table(node, key);
    if (!table) return;
    check_keys(*table, key, rule_keys_);
    Rule rule;
    rule.name = key;
    if (const toml::node* n = table->get("name")) {
      if (const auto name = n->value_exact<std::string_view>()) {
        rule.name = std::string(*name);
      } else {
        wrong_value(*n, key + ".name", "a string");
      }
    }
    if (const toml::node* n = table->get("match")) read_match(*n, key + ".match", &rule.match);
    SocketSettings settings;
    read_settings(*table, key, &settings);
    rule.settings = settings;
    if (rule.match.protocol == Protocol::udp && rule.settings.has_tcp_only_settings()) {
      std::string keys;
      for (const CatalogueEntry& entry : kCatalogue) {
        if (entry.udp || !rule.settings.get(entry.id)) continue;
        keys += std::string(keys.empty() ? "" : ", ") + entry.key;
      }
      add_error(node.source().begin, key,
                keys + " apply to TCP only, but this rule matches protocol = \"udp\"");
    }
    policy->rules.push_back(std::move(rule));
  }

  // An enforce item whose options nothing sets would keep nothing: most
  // likely the setting is misplaced or was removed. Checked once the whole
  // config is read, since the top level's enforce acts on what rules set.
  void check_enforced_are_set(const Policy& policy) {
    uint32_t set_anywhere = 0;
    auto add_set = [&](const auto& settings) {  // a SocketSettings or a rule's CompactSettings
      for (const CatalogueEntry& entry : kCatalogue) {
        if (settings.get(entry.id)) set_anywhere |= 1u << static_cast<int>(entry.id);
      }
    };
    add_set(policy.defaults);
    for (const Rule& rule : policy.rules) add_set(rule.settings);
    for (const EnforceItem& item : enforce_items_) {
      if (item.bits & set_anywhere) continue;
      std::string example;
      for (const CatalogueEntry& entry : kCatalogue) {
        if (item.bits & (1u << static_cast<int>(entry.id))) {
          example = std::string(entry.key) + " = " + entry.example;
          break;
        }
      }
      const bool section = item.name.find('.') == std::string::npos;
      add_error(item.where, item.key,
                "enforces \"" + item.name + "\", but neither the top level nor any rule sets " +
                    (section ? "a " + item.name + " setting; set one (such as " + example + ")"
                             : "it; set it (such as " + example + ")") +
                    " or remove \"" + item.name + "\" from enforce");
    }
  }

  void read_document(const toml::table& root, Policy* policy) {
    check_keys(root, "", settings_keys({"rule"}));
    read_settings(root, "", &policy->defaults);
    const toml::node* rules = root.get("rule");
    if (!rules) return;
    const toml::array* list = rules->as_array();
    if (!list) {
      wrong_value(*rules, "rule", "an array of tables, written [[rule]]");
      return;
    }
    size_t number = 1;
    for (const toml::node& rule : *list) {
      if (number > kMaxRules) {
        // The rules beyond the limit are not read: each costs at every first socket.
        add_error(rule.source().begin, "rule[" + std::to_string(number) + "]",
                  "too many rules: " + std::to_string(list->size()) + " in the config, at most " +
                      std::to_string(kMaxRules) + " (merge rules that set the same options: a rule's "
                      "match.remote, match.local and match.port take lists)");
        break;
      }
      read_rule(rule, number++, policy);
    }
  }

  std::string_view source_;
  std::vector<Section> sections_;
  std::vector<std::string_view> rule_keys_;  // what a [[rule]] table may hold
  std::vector<ConfigError> errors_;
  std::vector<LiftedList> lifted_;  // address lists read without toml++
  std::vector<Splice> splices_;      // where they were, for positions in messages
  std::vector<LevelName> raw_pairs_;  // distinct raw (level, name) pairs so far
  struct EnforceItem {
    toml::source_position where;
    std::string key;   // "enforce", "rule[2].enforce"
    std::string name;  // as written: "buffers", "tcp.nodelay"
    uint32_t bits;     // the options it names
  };
  std::vector<EnforceItem> enforce_items_;  // checked at the end of the document
  size_t raw_table_count_ = 0;        // [[raw]] and [[rule.raw]] so far
  size_t error_count_ = 0;            // errors_ keeps only the first ones
  size_t prefix_count_ = 0;           // in match.remote and match.local so far
  size_t port_range_count_ = 0;       // in match.port so far
};

}  // namespace

std::string ConfigError::to_string() const {
  std::string text = source;
  if (line > 0) text += ":" + std::to_string(line) + ":" + std::to_string(column);
  text += ": ";
  if (!key.empty()) text += key + ": ";
  text += message;
  return text;
}

LoadResult load_policy(std::string_view toml_text, std::string_view source_name) {
  return Loader(source_name).load(toml_text);
}

std::vector<std::string> error_lines(const LoadResult& result) {
  std::vector<std::string> lines;
  for (const ConfigError& error : result.errors) lines.push_back(error.to_string());
  if (result.error_count > result.errors.size() && !result.errors.empty()) {
    const size_t more = result.error_count - result.errors.size();
    lines.push_back(result.errors.front().source + ": and " + std::to_string(more) + " more error" +
                    (more == 1 ? "" : "s") + " (" + std::to_string(result.error_count) + " in all; the first " +
                    std::to_string(result.errors.size()) + " are shown)");
  }
  return lines;
}

}  // namespace sockshim
