// SPDX-License-Identifier: Apache-2.0
// A config's policy saved in binary (`sockshim compile CONFIG` writes
// CONFIG.compiled), so that a process reads it back instead of parsing the
// TOML: a config of 1,000 rules costs some 75 million instructions to parse,
// its compiled file about three million to read. The TOML stays the one
// source of truth: the file records the hash and length of the text it was
// made from, and the library and format versions that wrote it, and is used
// only while all of them match the text just read and the reader; otherwise
// the reader says why and the text is parsed as usual.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "config/compiled_policy.h"
#include "config/config_file.h"
#include "config/policy.h"

namespace sockshim {

// Where the compiled file of the config at |config_path| lives.
std::string compiled_file_path(std::string_view config_path);

// A 64-bit hash of |bytes|, to tell one config text from another (not a
// defence: whoever can write the compiled file can write the config).
uint64_t content_hash(std::string_view bytes);

// The compiled file of |policy|, the policy that |config_text| loads to.
std::string encode_compiled_file(const Policy& policy, std::string_view config_text);

enum class CompiledFileVerdict {
  used,               // |policy| is the config's
  missing,            // no such file: the config was never compiled
  unreadable,         // cannot be opened or read, not a regular file, too
                      // large, or refused as root (writable by others)
  not_compiled,       // not a compiled file (wrong magic, too short)
  other_version,      // written by another sockshim version or format
  other_config,       // made from another text: the config changed since
  corrupt,            // the checksum or the content does not hold
};

struct CompiledFile {
  CompiledPolicy policy;       // for_program()'s policy, compiled for matching
  size_t rules_in_config = 0;  // before for_program() kept the program's
};

// The policy of |file| for |program|, when the file was made from exactly
// |config_text| by this version; otherwise the verdict says why and |out|
// is untouched. What CompiledPolicy(for_program(load_policy(config_text),
// program)) gives, with the lookup structures read rather than built when
// the file has them (no rule of the config names a program).
CompiledFileVerdict decode_compiled_file(std::string_view file, std::string_view config_text, const char* program,
                                         CompiledFile* out);

constexpr size_t kMaxCompiledFileBytes = 64 << 20;

// The same from the file at |path|, read with the checks the config itself
// gets (|options|).
CompiledFileVerdict load_compiled_file(const char* path, const FileReadOptions& options,
                                       std::string_view config_text, const char* program, CompiledFile* out);

// "made from another config text (run `sockshim compile` again)", ...
const char* describe_verdict(CompiledFileVerdict verdict);

}  // namespace sockshim
