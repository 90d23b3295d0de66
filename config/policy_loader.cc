#include "config/policy_loader.h"

#include <algorithm>
#include <climits>
#include <initializer_list>

#include "config/units.h"

#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#define TOML_ENABLE_FORMATTERS 0
#if defined(__GLIBCXX__)
// libstdc++'s from_chars keeps iostreams and locales out of the library;
// libc++ (the musl build) has no floating-point from_chars yet.
#define TOML_FLOAT_CHARCONV 1
#endif
#include <toml++/toml.h>

namespace sockshim {
namespace {

constexpr int64_t kMaxKeepaliveSeconds = 32767;  // TCP_KEEPIDLE/TCP_KEEPINTVL
constexpr int64_t kMaxKeepaliveCount = 127;      // TCP_KEEPCNT

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

std::string join_key(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return std::string(parent) + "." + std::string(key);
}

class Loader {
 public:
  explicit Loader(std::string_view source) : source_(source) {}

  LoadResult load(std::string_view text) {
    LoadResult result;
    // A file of nothing is more likely a mistake (an empty mount, a failed
    // template) than a wish; a comment says "nothing" on purpose.
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      add_error(toml::source_position{}, "",
                "is empty; expected [keepalive], [buffers], [tcp] or [[rule]] (a comment alone "
                "makes an intentionally empty config)");
      result.errors = std::move(errors_);
      return result;
    }
    toml::parse_result parsed = toml::parse(text, source_);
    if (!parsed) {
      const toml::parse_error& failure = parsed.error();
      add_error(failure.source().begin, "", "syntax error: " + std::string(failure.description()));
      result.errors = std::move(errors_);
      return result;
    }
    Policy policy;
    read_document(parsed.table(), &policy);
    if (errors_.empty()) {
      result.policy = std::move(policy);
    } else {
      result.errors = std::move(errors_);
    }
    return result;
  }

 private:
  void add_error(const toml::source_position& where, std::string key, std::string message) {
    ConfigError error;
    error.source = std::string(source_);
    error.line = where.line;
    error.column = where.column;
    error.key = std::move(key);
    error.message = std::move(message);
    errors_.push_back(std::move(error));
  }

  void wrong_value(const toml::node& node, const std::string& key, std::string_view expected) {
    add_error(node.source().begin, key, "expected " + std::string(expected) + ", got " + type_name(node));
  }

  // Reports keys that are not in |allowed|, with the nearest allowed name.
  void check_keys(const toml::table& table, std::string_view parent,
                  std::initializer_list<std::string_view> allowed) {
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

  std::optional<bool> read_bool(const toml::node& node, const std::string& key) {
    if (auto value = node.value_exact<bool>()) return *value;
    wrong_value(node, key, "true or false");
    return std::nullopt;
  }

  std::optional<int> read_count(const toml::node& node, const std::string& key) {
    const std::optional<int64_t> value = node.value_exact<int64_t>();
    if (!value || *value < 1 || *value > kMaxKeepaliveCount) {
      wrong_value(node, key, "a whole number of probes in 1..127");
      return std::nullopt;
    }
    return static_cast<int>(*value);
  }

  // Integer seconds, or a string with a unit that comes to whole seconds.
  std::optional<int> read_keepalive_seconds(const toml::node& node, const std::string& key) {
    constexpr std::string_view kExpected =
        "seconds in 1..32767, as an integer or a string such as \"30s\" or \"5m\"";
    std::optional<int64_t> seconds = node.value_exact<int64_t>();
    if (const auto text = node.value_exact<std::string_view>()) {
      const std::optional<int64_t> ms = parse_duration_ms(*text);
      if (ms && *ms % 1000 != 0) {
        wrong_value(node, key, "a whole number of seconds (the kernel counts keepalive in seconds)");
        return std::nullopt;
      }
      if (ms) seconds = *ms / 1000;
    }
    if (!seconds || *seconds < 1 || *seconds > kMaxKeepaliveSeconds) {
      wrong_value(node, key, kExpected);
      return std::nullopt;
    }
    return static_cast<int>(*seconds);
  }

  // An integer in |unit|s, or a string that |parse_text| turns into them,
  // within minimum..INT_MAX.
  std::optional<int> read_quantity(const toml::node& node, const std::string& key,
                                   std::optional<int64_t> (*parse_text)(std::string_view),
                                   int64_t minimum, std::string_view expected) {
    std::optional<int64_t> amount = node.value_exact<int64_t>();
    if (const auto text = node.value_exact<std::string_view>()) amount = parse_text(*text);
    if (!amount || *amount < minimum || *amount > INT_MAX) {
      wrong_value(node, key, expected);
      return std::nullopt;
    }
    return static_cast<int>(*amount);
  }

  std::optional<int> read_user_timeout_ms(const toml::node& node, const std::string& key) {
    return read_quantity(node, key, parse_duration_ms, 0,
                         "milliseconds in 0..2147483647, as an integer or a string such as \"20s\"");
  }

  std::optional<int> read_buffer_size(const toml::node& node, const std::string& key) {
    return read_quantity(
        node, key, parse_size_bytes, 1,
        "bytes in 1..2147483647, as an integer or a string such as \"256KiB\" or \"1MiB\"");
  }

  void read_keepalive(const toml::node& node, const std::string& key, SocketSettings* out) {
    const toml::table* table = require_table(node, key);
    if (!table) return;
    check_keys(*table, key, {"enabled", "idle", "interval", "count"});
    bool tuned = false;
    if (const toml::node* n = table->get("idle")) {
      out->keepalive_idle_s = read_keepalive_seconds(*n, key + ".idle");
      tuned = true;
    }
    if (const toml::node* n = table->get("interval")) {
      out->keepalive_interval_s = read_keepalive_seconds(*n, key + ".interval");
      tuned = true;
    }
    if (const toml::node* n = table->get("count")) {
      out->keepalive_count = read_count(*n, key + ".count");
      tuned = true;
    }
    if (const toml::node* n = table->get("enabled")) {
      out->keepalive = read_bool(*n, key + ".enabled");
    } else if (tuned) {
      out->keepalive = true;  // tuning keepalive implies wanting it
    }
  }

  void read_buffers(const toml::node& node, const std::string& key, SocketSettings* out) {
    const toml::table* table = require_table(node, key);
    if (!table) return;
    check_keys(*table, key, {"receive", "send"});
    if (const toml::node* n = table->get("receive")) {
      out->receive_buffer = read_buffer_size(*n, key + ".receive");
    }
    if (const toml::node* n = table->get("send")) {
      out->send_buffer = read_buffer_size(*n, key + ".send");
    }
  }

  void read_tcp(const toml::node& node, const std::string& key, SocketSettings* out) {
    const toml::table* table = require_table(node, key);
    if (!table) return;
    check_keys(*table, key, {"user_timeout", "nodelay"});
    if (const toml::node* n = table->get("user_timeout")) {
      out->user_timeout_ms = read_user_timeout_ms(*n, key + ".user_timeout");
    }
    if (const toml::node* n = table->get("nodelay")) {
      out->nodelay = read_bool(*n, key + ".nodelay");
    }
  }

  // The [keepalive], [buffers] and [tcp] sections of |table| (top level or a rule).
  void read_settings(const toml::table& table, std::string_view parent, SocketSettings* out) {
    if (const toml::node* n = table.get("keepalive")) read_keepalive(*n, join_key(parent, "keepalive"), out);
    if (const toml::node* n = table.get("buffers")) read_buffers(*n, join_key(parent, "buffers"), out);
    if (const toml::node* n = table.get("tcp")) read_tcp(*n, join_key(parent, "tcp"), out);
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

  void read_addresses(const toml::node& node, const std::string& key,
                      std::vector<AddressRange>* out) {
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
    check_keys(*table, key, {"name", "match", "keepalive", "buffers", "tcp"});
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
    read_settings(*table, key, &rule.settings);
    if (rule.match.protocol == Protocol::udp && rule.settings.has_tcp_only_settings()) {
      add_error(node.source().begin, key,
                "keepalive and tcp settings apply to TCP only, but this rule matches protocol = \"udp\"");
    }
    policy->rules.push_back(std::move(rule));
  }

  void read_document(const toml::table& root, Policy* policy) {
    check_keys(root, "", {"keepalive", "buffers", "tcp", "rule"});
    read_settings(root, "", &policy->defaults);
    const toml::node* rules = root.get("rule");
    if (!rules) return;
    const toml::array* list = rules->as_array();
    if (!list) {
      wrong_value(*rules, "rule", "an array of tables, written [[rule]]");
      return;
    }
    size_t number = 1;
    for (const toml::node& rule : *list) read_rule(rule, number++, policy);
  }

  std::string_view source_;
  std::vector<ConfigError> errors_;
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

}  // namespace sockshim
