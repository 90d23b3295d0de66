// SPDX-License-Identifier: Apache-2.0
// What the supervisor does with one stopped system call: read its
// arguments, copy the program's descriptor, run the engine
// (engine/socket_engine.h) on the copy, as the preload's hooks do on the
// descriptor itself, and answer: the call continues, or an enforced
// option's setsockopt is answered with success.
#pragma once

#include <linux/seccomp.h>
#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "config/compiled_policy.h"
#include "config/policy.h"
#include "config/policy_summary.h"
#include "engine/fresh_values.h"
#include "engine/socket_engine.h"
#include "supervisor/configured_sockets.h"
#include "supervisor/copied_socket_ops.h"
#include "supervisor/descriptor_copy.h"
#include "supervisor/filter.h"
#include "supervisor/trap_timing.h"

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

  // The benchmark's breakdown of each trapped call (SOCKSHIM_TRAP_TIMING):
  // the loop that receives calls starts it and laps the receive.
  TrapTiming& timing() { return timing_; }

  // Compare sockets with fresh ones of |pid|'s network namespace (a
  // container's) rather than the supervisor's own.
  void use_network_namespace_of(pid_t pid);

 private:
  struct Plan {
    CompiledPolicy policy;  // narrowed to one program name
    PolicySummary summary;
    // Read at once at a socket's first trapped call (CopiedSocketOps::
    // read_ahead): its family and protocol, and the SOL_SOCKET options of
    // socket() that the untouched rule reads, for any family and protocol.
    std::vector<std::pair<int, int>> first_reads;
  };
  // The socket behind one trapped call, on the supervisor's copy |fd|.
  struct TrappedSocket {
    int fd = -1;
    uint64_t inode = 0;
    SocketKind kind;
    const uint32_t* seen = nullptr;  // its ConfiguredSockets entry, if any
    uint32_t enforced_here = 0;      // enforced options the supervisor set on it at this call
  };
  const Plan& plan_for(pid_t tid);
  // The program's descriptor |program_fd| as a copy of ours (through the
  // thread's pidfd), or a negative errno. |checked_thread|: the copy came
  // through a cached pidfd, so it is the trapped thread's without asking the
  // listener whether the call still waits.
  int copy_program_descriptor(pid_t tid, int program_fd, bool* checked_thread);
  // The family and protocol of the socket |fd| (|first_call|: its first
  // trapped call); false for anything but TCP and UDP over IPv4/IPv6.
  bool classify_socket(const Plan& plan, int fd, bool first_call, SocketKind* kind);
  // An engine outcome, counted; its enforced options added to |socket|'s.
  void count(const EventOutcome& outcome, TrappedSocket* socket);
  // At a socket's first trapped call: what socket() would have set, or what
  // an accepted socket carries from its listener.
  void first_seen(SocketEngine& engine, bool setsockopt_call, TrappedSocket* socket);
  // One per trapped system call.
  void on_connect(SocketEngine& engine, const sockaddr_storage& address, socklen_t length, TrappedSocket* socket);
  void on_listen(SocketEngine& engine, TrappedSocket* socket);
  void on_bind(SocketEngine& engine, const sockaddr_storage& address, socklen_t length, TrappedSocket* socket);
  // True when the program's call is to be answered with success, unrun.
  bool on_setsockopt(int level, int name, const TrappedSocket& socket) const;
  bool enforced(int level, int name) const;

  Policy policy_;
  bool program_globs_ = false;
  std::vector<OptionKey> enforced_;
  std::map<std::string, Plan> plans_;  // by program name
  ConfiguredSockets configured_;
  PidfdCache pidfds_;
  CopiedSocketOps ops_;
  FreshValues fresh_{ops_};  // for the untouched rule
  HandlerCounts counts_;
  TrapTiming timing_;
  int refusal_error_ = 0;
  pid_t refusal_pid_ = 0;
};

}  // namespace sockshim::supervisor
