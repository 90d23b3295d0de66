// SPDX-License-Identifier: Apache-2.0
#include "config/compiled_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

#include "config/byte_stream.h"
#include "config/decide.h"
#include "config/prefault.h"

namespace sockshim {
namespace {

constexpr char kMagic[8] = {'S', 'O', 'C', 'K', 'S', 'H', 'I', 'M'};
// Raised whenever the payload's layout or the hash (content_hash) changes.
constexpr uint32_t kFormatVersion = 3;
// Written as the machine writes it: another byte order reads another number.
constexpr uint32_t kByteOrder = 0x01020304;
constexpr size_t kVersionBytes = 32;

// The header, written field by field (no padding in the file).
struct Header {
  char magic[8];
  uint32_t byte_order;
  uint32_t format_version;
  char library_version[kVersionBytes];  // SOCKSHIM_VERSION, NUL-padded
  uint32_t option_count;                // the catalogue the payload indexes
  uint32_t reserved;
  uint64_t config_hash;
  uint64_t config_length;
  uint64_t payload_length;
  uint64_t payload_hash;
  uint64_t reserved_for_alignment;  // the payload starts 16-byte aligned in the file
};

constexpr size_t kHeaderBytes = 8 + 4 + 4 + kVersionBytes + 4 + 4 + 8 * 5;
static_assert(kHeaderBytes % 16 == 0, "the payload's vectors are aligned from its start");

uint64_t mix(uint64_t value) {
  value ^= value >> 33;
  value *= 0xff51afd7ed558ccdULL;
  value ^= value >> 33;
  value *= 0xc4ceb9fe1a85ec53ULL;
  value ^= value >> 33;
  return value;
}

// Enough for any config the loader accepts (policy_loader.h's limits).
constexpr size_t kMaxNameBytes = 1 << 16;
constexpr size_t kMaxListItems = 1 << 20;
constexpr size_t kMaxRuleCount = 1 << 16;
constexpr size_t kAddressBytes = 2 + 16;

// Only the options a section sets: most set a few of the catalogue's.
void put_settings(ByteWriter& out, const CompactSettings& settings) {
  out.put(static_cast<uint8_t>(settings.values().size()));
  for (const CompactSettings::Value& value : settings.values()) {
    out.put(static_cast<uint8_t>(value.id));
    out.put(static_cast<int32_t>(value.value.number));
    out.put_bytes(value.value.text, sizeof value.value.text);
  }
  out.put(settings.enforced());
  out.put(static_cast<uint8_t>(settings.raw().size()));
  for (const RawOption& raw : settings.raw()) {
    out.put(static_cast<int32_t>(raw.level));
    out.put(static_cast<int32_t>(raw.name));
    out.put(static_cast<uint8_t>(raw.listeners_only));
    out.put(raw.length);
    out.put(static_cast<int32_t>(raw.number));
    out.put_bytes(raw.bytes, sizeof raw.bytes);
  }
}

bool get_settings(ByteReader& in, CompactSettings* settings) {
  *settings = CompactSettings();
  uint8_t value_count = 0;
  if (!in.get(&value_count) || value_count > kOptionCount) return false;
  settings->reserve(value_count);
  int previous = -1;
  for (int i = 0; i < value_count; ++i) {
    uint8_t id = 0;
    int32_t number = 0;
    // In catalogue order, each option once.
    if (!in.get(&id) || id >= kOptionCount || id <= previous || !in.get(&number)) return false;
    const char* text = in.take(sizeof OptionValue::text);
    if (!text || text[sizeof OptionValue::text - 1] != '\0') return false;  // always a C string
    previous = id;
    // Written in place: a value assembled on the stack and copied is read
    // back before its byte-wide stores have landed, a stall per value.
    OptionValue& value = settings->append(static_cast<OptionId>(id));
    value.number = number;
    std::memcpy(value.text, text, sizeof value.text);
  }
  uint32_t enforced = 0;
  uint8_t raw_count = 0;
  if (!in.get(&enforced) || !in.get(&raw_count) || raw_count > kMaxRawOptions) return false;
  if (enforced >> kOptionCount) return false;
  settings->set_enforced(enforced);
  for (int i = 0; i < raw_count; ++i) {
    RawOption raw;
    int32_t level = 0, name = 0, number = 0;
    uint8_t listeners_only = 0;
    if (!in.get(&level) || !in.get(&name) || !in.get(&listeners_only) || listeners_only > 1 ||
        !in.get(&raw.length) || raw.length > sizeof raw.bytes || !in.get(&number) ||
        !in.get_bytes(raw.bytes, sizeof raw.bytes)) {
      return false;
    }
    raw.level = level;
    raw.name = name;
    raw.listeners_only = listeners_only;
    raw.number = number;
    settings->append_raw(raw);
  }
  return true;
}

void put_addresses(ByteWriter& out, const std::vector<AddressRange>& ranges) {
  out.put(static_cast<uint32_t>(ranges.size()));
  for (const AddressRange& range : ranges) {
    out.put(static_cast<uint8_t>(range.base.is_v6));
    out.put(static_cast<uint8_t>(range.prefix_bits));
    out.put_bytes(range.base.bytes, sizeof range.base.bytes);
  }
}

bool get_addresses(ByteReader& in, std::vector<AddressRange>* ranges) {
  uint32_t count = 0;
  if (!in.get_count(&count, kMaxListItems, kAddressBytes)) return false;
  const char* bytes = in.take(count * kAddressBytes);
  if (!bytes) return false;
  // One bounds check for the list (10,000 prefixes are common), and each
  // range written in place: one assembled on the stack and copied is read
  // back before its byte-wide stores have landed, a stall per range that
  // costs more than zero-filling the list first.
  ranges->assign(count, AddressRange());
  AddressRange* range = ranges->data();
  for (uint32_t i = 0; i < count; ++i, ++range, bytes += kAddressBytes) {
    const uint8_t is_v6 = static_cast<uint8_t>(bytes[0]);
    const uint8_t prefix_bits = static_cast<uint8_t>(bytes[1]);
    if (is_v6 > 1 || prefix_bits > (is_v6 ? 128 : 32)) return false;
    range->base.is_v6 = is_v6;
    range->prefix_bits = prefix_bits;
    std::memcpy(range->base.bytes, bytes + 2, sizeof range->base.bytes);
  }
  return true;
}

void put_payload(ByteWriter& out, const Policy& policy) {
  put_settings(out, CompactSettings(policy.defaults));
  out.put(static_cast<uint32_t>(policy.rules.size()));
  for (const Rule& rule : policy.rules) {
    out.put_string(rule.name);
    out.put(static_cast<uint8_t>(rule.match.direction));
    out.put(static_cast<uint8_t>(rule.match.family));
    out.put(static_cast<uint8_t>(rule.match.protocol));
    put_addresses(out, rule.match.remote);
    put_addresses(out, rule.match.local);
    out.put(static_cast<uint32_t>(rule.match.ports.size()));
    for (const PortRange& port : rule.match.ports) {
      out.put(port.first);
      out.put(port.last);
    }
    out.put_string(rule.match.program_glob);
    put_settings(out, rule.settings);
  }
}

// The policy as the loader gave it (program globs included).
bool get_payload(ByteReader& in, Policy* policy) {
  CompactSettings defaults;
  if (!get_settings(in, &defaults)) return false;
  policy->defaults = defaults.expanded();
  uint32_t rule_count = 0;
  if (!in.get_count(&rule_count, kMaxRuleCount, 8)) return false;
  policy->rules.reserve(rule_count);
  prefault_for_writing(policy->rules.data(), rule_count * sizeof(Rule));
  policy->rules.resize(rule_count);
  for (Rule& rule : policy->rules) {
    Match& match = rule.match;
    if (!in.get_string(&rule.name, kMaxNameBytes) ||
        !in.get_enum(&match.direction, static_cast<uint8_t>(Direction::accept)) ||
        !in.get_enum(&match.family, static_cast<uint8_t>(Family::ipv6)) ||
        !in.get_enum(&match.protocol, static_cast<uint8_t>(Protocol::any)) || !get_addresses(in, &match.remote) ||
        !get_addresses(in, &match.local)) {
      return false;
    }
    uint32_t port_count = 0;
    if (!in.get_count(&port_count, kMaxListItems, 4)) return false;
    match.ports.resize(port_count);
    for (PortRange& port : match.ports) {
      if (!in.get(&port.first) || !in.get(&port.last) || port.first == 0 || port.first > port.last) return false;
    }
    if (!in.get_string(&match.program_glob, kMaxNameBytes) || !get_settings(in, &rule.settings)) return false;
  }
  return true;
}

void put_header(ByteWriter& out, const Header& header) {
  out.put_bytes(header.magic, sizeof header.magic);
  out.put(header.byte_order);
  out.put(header.format_version);
  out.put_bytes(header.library_version, sizeof header.library_version);
  out.put(header.option_count);
  out.put(header.reserved);
  out.put(header.config_hash);
  out.put(header.config_length);
  out.put(header.payload_length);
  out.put(header.payload_hash);
  out.put(header.reserved_for_alignment);
}

bool get_header(ByteReader& in, Header* header) {
  return in.get_bytes(header->magic, sizeof header->magic) && in.get(&header->byte_order) &&
         in.get(&header->format_version) && in.get_bytes(header->library_version, sizeof header->library_version) &&
         in.get(&header->option_count) && in.get(&header->reserved) && in.get(&header->config_hash) &&
         in.get(&header->config_length) && in.get(&header->payload_length) && in.get(&header->payload_hash) &&
         in.get(&header->reserved_for_alignment);
}

void own_version(char (&version)[kVersionBytes]) {
  std::memset(version, 0, sizeof version);
  std::strncpy(version, SOCKSHIM_VERSION, sizeof version - 1);
}

}  // namespace

std::string compiled_file_path(std::string_view config_path) { return std::string(config_path) + ".compiled"; }

uint64_t content_hash(std::string_view bytes) {
  // Eight independent lanes of eight bytes, mixed once at the end: the
  // library hashes the whole config and the whole payload at every first
  // socket, so this must cost well under an instruction per byte. Each
  // lane's step waits for its multiply; eight lanes keep the multiplier
  // busy where four left it idle half the time. Named one by one, so that
  // they stay in registers.
  constexpr uint64_t kMultiplier = 0x9fb21c651e98df25ULL;
  const auto step = [](uint64_t lane, const char* at) {
    uint64_t word;
    std::memcpy(&word, at, sizeof word);
    const uint64_t product = (lane ^ word) * kMultiplier;
    return product << 29 | product >> 35;
  };
  uint64_t lane0 = 0x9e3779b97f4a7c15ULL, lane1 = 0xc2b2ae3d27d4eb4fULL, lane2 = 0x165667b19e3779f9ULL,
           lane3 = 0x27d4eb2f165667c5ULL, lane4 = 0x85ebca77c2b2ae63ULL, lane5 = 0xff51afd7ed558ccdULL,
           lane6 = 0xc4ceb9fe1a85ec53ULL, lane7 = bytes.size();
  const char* at = bytes.data();
  const char* const end = at + bytes.size();
  for (; end - at >= 64; at += 64) {
    lane0 = step(lane0, at);
    lane1 = step(lane1, at + 8);
    lane2 = step(lane2, at + 16);
    lane3 = step(lane3, at + 24);
    lane4 = step(lane4, at + 32);
    lane5 = step(lane5, at + 40);
    lane6 = step(lane6, at + 48);
    lane7 = step(lane7, at + 56);
  }
  uint64_t hash = mix(lane0) ^ mix(lane1 + 1) ^ mix(lane2 + 2) ^ mix(lane3 + 3) ^ mix(lane4 + 4) ^ mix(lane5 + 5) ^
                  mix(lane6 + 6) ^ mix(lane7 + 7);
  for (; end - at >= 8; at += 8) hash = step(hash, at);
  for (; at < end; ++at) hash = (hash ^ static_cast<unsigned char>(*at)) * 0x100000001b3ULL;
  return mix(hash);
}

std::string encode_compiled_file(const Policy& policy, std::string_view config_text) {
  std::string payload;
  ByteWriter payload_writer(&payload);
  put_payload(payload_writer, policy);
  // The lookup structures too, when they are the same for every program
  // (no rule names one): building them is most of what is left to do.
  const bool same_for_every_program = std::none_of(policy.rules.begin(), policy.rules.end(), [](const Rule& rule) {
    return !rule.match.program_glob.empty();
  });
  payload_writer.put(static_cast<uint8_t>(same_for_every_program));
  if (same_for_every_program) CompiledPolicy(policy).save(payload_writer);

  Header header{};
  std::memcpy(header.magic, kMagic, sizeof kMagic);
  header.byte_order = kByteOrder;
  header.format_version = kFormatVersion;
  own_version(header.library_version);
  header.option_count = kOptionCount;
  header.config_hash = content_hash(config_text);
  header.config_length = config_text.size();
  header.payload_length = payload.size();
  header.payload_hash = content_hash(payload);
  std::string file;
  file.reserve(kHeaderBytes + payload.size());
  ByteWriter writer(&file);
  put_header(writer, header);
  return file + payload;
}

CompiledFileVerdict decode_compiled_file(std::string_view file, std::string_view config_text, const char* program,
                                         CompiledFile* out) {
  ByteReader header_reader(file.substr(0, kHeaderBytes));
  Header header{};
  if (!get_header(header_reader, &header) || std::memcmp(header.magic, kMagic, sizeof kMagic) != 0) {
    return CompiledFileVerdict::not_compiled;
  }
  char version[kVersionBytes];
  own_version(version);
  if (header.byte_order != kByteOrder || header.format_version != kFormatVersion ||
      std::memcmp(header.library_version, version, sizeof version) != 0 || header.option_count != kOptionCount) {
    return CompiledFileVerdict::other_version;
  }
  if (header.config_length != config_text.size() || header.config_hash != content_hash(config_text)) {
    return CompiledFileVerdict::other_config;
  }
  const std::string_view payload = file.substr(kHeaderBytes);
  if (header.payload_length != payload.size() || header.payload_hash != content_hash(payload)) {
    return CompiledFileVerdict::corrupt;
  }
  Policy policy;
  ByteReader reader(payload);
  uint8_t has_lookups = 0;
  if (!get_payload(reader, &policy) || !reader.get(&has_lookups) || has_lookups > 1) {
    return CompiledFileVerdict::corrupt;
  }
  CompiledFile read;
  read.rules_in_config = policy.rules.size();
  if (has_lookups) {
    if (!CompiledPolicy::restore(std::move(policy), reader, &read.policy)) return CompiledFileVerdict::corrupt;
  } else {
    read.policy = CompiledPolicy(for_program(std::move(policy), program));
  }
  if (!reader.at_end()) return CompiledFileVerdict::corrupt;
  *out = std::move(read);
  return CompiledFileVerdict::used;
}

CompiledFileVerdict load_compiled_file(const char* path, const FileReadOptions& options,
                                       std::string_view config_text, const char* program, CompiledFile* out) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return errno == ENOENT ? CompiledFileVerdict::missing : CompiledFileVerdict::unreadable;
  struct stat info;
  const bool readable = fstat(fd, &info) == 0 && S_ISREG(info.st_mode) &&
                        !(options.refuse_writable_by_others && (info.st_mode & (S_IWGRP | S_IWOTH))) &&
                        info.st_size > 0 && static_cast<uint64_t>(info.st_size) <= kMaxCompiledFileBytes;
  // Mapped, not read: its pages come from the page cache, all at once.
  void* mapped = readable ? mmap(nullptr, static_cast<size_t>(info.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0)
                          : MAP_FAILED;
  close(fd);
  if (mapped == MAP_FAILED) return CompiledFileVerdict::unreadable;
  const CompiledFileVerdict verdict = decode_compiled_file(
      std::string_view(static_cast<const char*>(mapped), static_cast<size_t>(info.st_size)), config_text, program,
      out);
  munmap(mapped, static_cast<size_t>(info.st_size));
  return verdict;
}

const char* describe_verdict(CompiledFileVerdict verdict) {
  switch (verdict) {
    case CompiledFileVerdict::used: return "used";
    case CompiledFileVerdict::missing: return "missing";
    case CompiledFileVerdict::unreadable:
      return "unreadable (not a regular file, too large, or writable by group or others while running as root)";
    case CompiledFileVerdict::not_compiled: return "not a compiled sockshim policy";
    case CompiledFileVerdict::other_version: return "written by another sockshim version";
    case CompiledFileVerdict::other_config: return "made from another text of the config";
    case CompiledFileVerdict::corrupt: return "damaged (its checksum or content does not hold)";
  }
  return "unknown";
}

}  // namespace sockshim
