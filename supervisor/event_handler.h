// SPDX-License-Identifier: Apache-2.0
// What the supervisor does with one stopped system call: the same decision
// and the same option list as the preload's hooks at the same event, applied
// to a duplicate of the program's descriptor; then the call continues.
#pragma once

#include <linux/seccomp.h>
#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "config/compiled_policy.h"
#include "config/policy.h"
#include "config/policy_summary.h"
#include "supervisor/configured_sockets.h"
#include "supervisor/descriptor_copy.h"
#include "supervisor/filter.h"
#include "supervisor/kernel_defaults.h"

namespace sockshim::supervisor {

// What a handler has done so far, for the agent's status.
struct HandlerCounts {
  uint64_t notifications = 0;    // trapped calls handled
  uint64_t options_applied = 0;  // setsockopt calls that the kernel accepted
  uint64_t errors = 0;           // options refused, descriptors that could not be copied
};

enum class Outcome {
  handled,  // answered (continued, or completed for an enforced option)
  refused,  // the program's descriptor could not be copied (see refusal_error());
            // the call is left waiting, unanswered
};

class EventHandler {
 public:
  // The (level, name) pairs that |policy| enforces over the program's own
  // setsockopt (enforceable_options()) are trapped: on a socket the
  // supervisor set that option on, the program's call is answered with
  // success without running.
  explicit EventHandler(const Policy& policy);

  // The calls the filter must stop for this policy: connect and listen where
  // any option applies to TCP, bind where one applies to UDP, and setsockopt
  // for the enforced pairs only. The options of socket() are set at a
  // socket's first trapped call, each only while it still has a fresh
  // socket's value (a program's own value set before connect stays, as
  // under the preload).
  TrapList traps() const;

  Outcome handle(int listener, const seccomp_notif& call);

  // After Outcome::refused: the errno of pidfd_getfd and the process.
  int refusal_error() const { return refusal_error_; }
  pid_t refusal_pid() const { return refusal_pid_; }

  const HandlerCounts& counts() const { return counts_; }

  // Compare sockets with fresh ones of |pid|'s network namespace (a
  // container's) rather than the supervisor's own.
  void use_network_namespace_of(pid_t pid);

 private:
  struct Plan {
    CompiledPolicy policy;  // narrowed to one program name
    PolicySummary summary;
  };
  const Plan& plan_for(pid_t tid);
  // apply_options(), counted.
  void apply(int fd, const OptionList& options, const char* event_name);
  bool enforced(int level, int name) const;

  Policy policy_;
  bool program_globs_ = false;
  std::vector<OptionKey> enforced_;
  std::map<std::string, Plan> plans_;  // by program name
  ConfiguredSockets configured_;
  PidfdCache pidfds_;
  KernelDefaults defaults_;
  HandlerCounts counts_;
  int refusal_error_ = 0;
  pid_t refusal_pid_ = 0;
};

}  // namespace sockshim::supervisor
