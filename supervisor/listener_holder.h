// SPDX-License-Identifier: Apache-2.0
// Keeps containers' seccomp listeners open while the agent is away. Once
// the last descriptor of a listener closes, the kernel answers the
// container's trapped calls with ENOSYS, so every connect would fail from
// an agent's exit to its successor's start. The holder is a small process
// of its own that keeps a duplicate of each listener, with the runtime's
// state for it, and hands them all to each agent that connects.
#pragma once

#include <string>
#include <vector>

namespace sockshim::supervisor {

struct HeldListener {
  int listener = -1;
  std::string state_json;  // as the runtime sent it
};

// The holder's main loop at |path| (a SOCK_SEQPACKET UNIX socket). Drops a
// listener once its container has ended (the listener hangs up). With
// |exit_when_idle| (a holder an agent started) it ends when it holds none
// and no agent is connected (or when none connected in its first
// seconds); otherwise it runs until killed. Returns an exit code.
int run_listener_holder(const std::string& path, bool exit_when_idle);

// The agent's side.
class HolderConnection {
 public:
  HolderConnection() = default;
  HolderConnection(const HolderConnection&) = delete;
  HolderConnection& operator=(const HolderConnection&) = delete;
  ~HolderConnection();

  // Connects to the holder at |path|; where none answers, starts one
  // (|program| --hold PATH, in a session of its own so that it outlives
  // the agent) and connects to it, or with an empty |program| waits up to
  // 10 s for one started by someone else. Then reads the listeners it
  // already holds into |held|. False with one sentence in |error|.
  bool connect_or_start(const std::string& path, const std::string& program, std::vector<HeldListener>* held,
                        std::string* error);

  // Gives the holder a duplicate of |listener|; false when the holder is
  // gone (the listener then lives only as long as this agent).
  bool hold(int listener, const std::string& state_json);

  // The holder's process id (SO_PEERCRED), for the status.
  pid_t holder_pid() const { return holder_pid_; }

 private:
  bool connect_once(const std::string& path, const std::string& program, std::vector<HeldListener>* held,
                    std::string* error);

  int fd_ = -1;
  pid_t holder_pid_ = 0;
};

}  // namespace sockshim::supervisor
