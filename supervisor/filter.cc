// SPDX-License-Identifier: Apache-2.0
#include "supervisor/filter.h"

#include <stddef.h>

#include <cstdint>

#include <map>

#include "supervisor/seccomp_api.h"

namespace sockshim::supervisor {
namespace {

uint32_t argument_low(int index) {
  // The low 32 bits of a 64-bit argument (little-endian): level and name are ints.
  return static_cast<uint32_t>(offsetof(seccomp_data, args) + 8 * index);
}

sock_filter statement(uint16_t code, uint32_t k) { return BPF_STMT(code, k); }
sock_filter jump(uint16_t code, uint32_t k, uint8_t if_true, uint8_t if_false) {
  return BPF_JUMP(code, k, if_true, if_false);
}

}  // namespace

std::vector<sock_filter> build_filter(const TrapList& traps) {
  std::vector<sock_filter> program;
  // Labels are resolved at the end: jumps are relative and at most 255 ahead,
  // so the program is laid out as short blocks that each end in a return.
  program.push_back(statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
  // Another architecture's numbers mean other calls: allow them untouched.
  program.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, SOCKSHIM_AUDIT_ARCH, 1, 0));
  program.push_back(statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  program.push_back(statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));

  std::vector<long> notify_calls;
  if (traps.connect) notify_calls.push_back(SYS_connect);
  if (traps.listen) notify_calls.push_back(SYS_listen);
  if (traps.bind) notify_calls.push_back(SYS_bind);
  if (traps.accept) {
#ifdef SYS_accept
    notify_calls.push_back(SYS_accept);
#endif
    notify_calls.push_back(SYS_accept4);
  }
  // Each: "nr == X? jump to the notify return" — the return sits right
  // after the whole list, so the offset shrinks by one per entry.
  const bool options = !traps.setsockopt.empty();
  const size_t count = notify_calls.size() + (options ? 1 : 0);
  for (size_t i = 0; i < notify_calls.size(); ++i) {
    const uint8_t to_notify = static_cast<uint8_t>(count - i);  // past the rest and the allow
    program.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(notify_calls[i]), to_notify, 0));
  }
  if (options) {
    // setsockopt jumps over the allow and the notify into its own block.
    program.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, SYS_setsockopt, 2, 0));
  }
  program.push_back(statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  program.push_back(statement(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF));
  if (!options) return program;

  // The setsockopt block: for each level, compare the name with each of its
  // names. Every comparison that fails falls through to the next.
  std::map<int, std::vector<int>> by_level;
  for (const OptionKey& key : traps.setsockopt) {
    std::vector<int>& names = by_level[key.first];
    bool seen = false;
    for (int name : names) seen |= name == key.second;
    if (!seen) names.push_back(key.second);
  }
  for (const auto& [level, names] : by_level) {
    program.push_back(statement(BPF_LD | BPF_W | BPF_ABS, argument_low(1)));
    // Not this level: skip the load of the name, its comparisons and its return.
    program.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(level), 0,
                           static_cast<uint8_t>(names.size() + 3)));
    program.push_back(statement(BPF_LD | BPF_W | BPF_ABS, argument_low(2)));
    for (size_t i = 0; i < names.size(); ++i) {
      // Equal: jump to this level's notify return, the last of its block.
      program.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(names[i]),
                             static_cast<uint8_t>(names.size() - i), 0));
    }
    // No name matched: skip the notify return to the next level.
    program.push_back(jump(BPF_JMP | BPF_JA, 1, 0, 0));
    program.push_back(statement(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF));
  }
  program.push_back(statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  return program;
}

}  // namespace sockshim::supervisor
