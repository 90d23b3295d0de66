// SPDX-License-Identifier: Apache-2.0
// The validated, immutable policy that a TOML file describes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/address.h"
#include "config/option_catalogue.h"

namespace sockshim {

// One option's value as the kernel takes it.
struct OptionValue {
  int number = 0;      // flags 0/1 and integers; linger: seconds, -1 = off
  char text[16] = {};  // ValueKind::name (TCP_CA_NAME_MAX), NUL-terminated

  bool operator==(const OptionValue& other) const;
  bool operator!=(const OptionValue& other) const { return !(*this == other); }
};

// An option the catalogue does not name, given as level, name and value
// ([[raw]] / [[rule.raw]]).
struct RawOption {
  int level = 0;
  int name = 0;
  bool listeners_only = false;  // when = "listen"
  uint8_t length = 0;           // bytes used in |bytes|; 0: the int |number|
  int number = 0;
  unsigned char bytes[16] = {};
};
constexpr int kMaxRawOptions = 8;  // distinct (level, name) pairs in one config

class CompactSettings;

// Socket options one section of the file asks for; unset values are left to
// the kernel or to an earlier section. Indexed by the catalogue's OptionId.
struct SocketSettings {
  std::optional<OptionValue> values[kOptionCount];
  // Options whose configured value wins over the program's own setsockopt.
  uint32_t enforced = 0;
  RawOption raw[kMaxRawOptions];
  int raw_count = 0;

  const std::optional<OptionValue>& get(OptionId id) const { return values[static_cast<int>(id)]; }
  // The value as an int (flags 0/1); nullopt when unset.
  std::optional<int> number(OptionId id) const;
  void set(OptionId id, int number);
  bool is_enforced(OptionId id) const { return enforced & (1u << static_cast<int>(id)); }

  // Values set in |later| replace ours, enforcement adds up: later rules win.
  void overlay(const SocketSettings& later);
  void overlay(const CompactSettings& later);
  bool empty() const;
  // Options that mean nothing on UDP sockets (the catalogue's udp column).
  bool has_tcp_only_settings() const;
};

// What one rule sets, and only that: the options it gives, in catalogue
// order, its enforced set and its raw options. A SocketSettings has room
// for every option (some 900 bytes); a config of 1,000 rules, read back
// from its compiled file at the first socket of every process, would write
// and fault in a megabyte of them. Up to four options (keepalive's four)
// are kept inline, without an allocation of their own: each allocation of
// such a read-back is a malloc call and its share of fresh heap pages,
// which fault in one by one. Converts from a SocketSettings, and to one
// with expanded(); SocketSettings::overlay() takes it as it is.
class CompactSettings {
 public:
  struct Value {
    OptionId id;
    OptionValue value;
  };

  // The values, in increasing OptionId order: a view into the settings,
  // valid while they are neither changed nor destroyed.
  class Values {
   public:
    Values(const Value* first, size_t count) : first_(first), count_(count) {}
    const Value* begin() const { return first_; }
    const Value* end() const { return first_ + count_; }
    size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    const Value& operator[](size_t i) const { return first_[i]; }

   private:
    const Value* first_;
    size_t count_;
  };

  CompactSettings() = default;
  // Implicit: a rule's settings may be given in full.
  CompactSettings(const SocketSettings& settings);  // NOLINT(google-explicit-constructor)

  SocketSettings expanded() const;

  std::optional<OptionValue> get(OptionId id) const;
  std::optional<int> number(OptionId id) const;
  bool is_enforced(OptionId id) const { return enforced_ & (1u << static_cast<int>(id)); }
  uint32_t enforced() const { return enforced_; }
  bool empty() const { return count_ == 0 && raw_.empty(); }
  bool has_tcp_only_settings() const;

  Values values() const { return {count_ <= kInlineValues ? inline_ : spilled_.data(), count_}; }  // each at most once
  const std::vector<RawOption>& raw() const { return raw_; }

  // For a reader that builds one (config/compiled_file.cc): values in
  // increasing OptionId order, at most kMaxRawOptions raw options.
  void reserve(size_t values) {
    if (values > kInlineValues) spilled_.reserve(values);
  }
  void append(OptionId id, const OptionValue& value) { append(id) = value; }
  // The value of |id|, appended empty, to be filled in where it lies.
  OptionValue& append(OptionId id);
  void append_raw(const RawOption& raw) { raw_.push_back(raw); }
  void set_enforced(uint32_t bits) { enforced_ = bits; }

 private:
  static constexpr uint32_t kInlineValues = 4;
  Value inline_[kInlineValues] = {};  // the values while there are at most kInlineValues
  std::vector<Value> spilled_;        // all of them once there are more
  uint32_t count_ = 0;
  uint32_t enforced_ = 0;
  std::vector<RawOption> raw_;
};

enum class Direction { any, connect, listen, accept };
enum class Family { any, ipv4, ipv6 };
enum class Protocol { tcp, udp, any };

struct PortRange {
  uint16_t first = 0;
  uint16_t last = 0;
  bool contains(uint16_t port) const { return port >= first && port <= last; }
};

struct Match {
  Direction direction = Direction::any;
  Family family = Family::any;
  Protocol protocol = Protocol::tcp;
  std::vector<AddressRange> remote;  // empty: any
  std::vector<AddressRange> local;   // empty: any
  std::vector<PortRange> ports;      // empty: any
  std::string program_glob;          // empty: any

  // True when the rule looks at an address or port, and so cannot be decided
  // when the socket is created.
  bool needs_address() const {
    return !remote.empty() || !local.empty() || !ports.empty();
  }
};

struct Rule {
  std::string name;
  Match match;
  CompactSettings settings;
};

struct Policy {
  SocketSettings defaults;  // top-level sections: every TCP socket
  std::vector<Rule> rules;  // in file order

  bool empty() const { return defaults.empty() && rules.empty(); }
};

}  // namespace sockshim
