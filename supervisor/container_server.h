// SPDX-License-Identifier: Apache-2.0
// One container's seccomp listener, served on a thread of its own: no
// container's trapped calls wait behind another's, nor behind any client
// of the agent's sockets.
#pragma once

#include <pthread.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "supervisor/container_configs.h"
#include "supervisor/container_state.h"
#include "supervisor/event_handler.h"
#include "supervisor/listener.h"

namespace sockshim::supervisor {

class ContainerServer {
 public:
  // Takes |listener|, and asks for the synchronous wake-up on it.
  // |stop_fd| becomes readable when the agent stops (an eventfd shared by
  // every container); |on_end| runs on the container's thread once its last
  // process has gone (the listener hung up), never when the agent stops.
  ContainerServer(int listener, ContainerState state, ChosenConfig config, const NotificationBuffers& sizes,
                  int stop_fd, std::function<void(ContainerServer*)> on_end);
  ~ContainerServer();  // stops and joins the thread, and closes the listener
  ContainerServer(const ContainerServer&) = delete;
  ContainerServer& operator=(const ContainerServer&) = delete;

  // Starts the thread; false (errno set) when none could be made.
  bool start();

  const ContainerState& state() const { return state_; }
  const ChosenConfig& config() const { return config_; }
  bool tuned() const { return handler_ != nullptr; }
  // What its thread has done so far; read from any thread.
  HandlerCounts counts() const;
  // Whether the container's last process has gone (its listener hung up),
  // which its thread may not have seen yet; asked from any thread.
  bool hung_up() const;

 private:
  static void* thread_main(void* self);
  void serve();
  // With the synchronous wake-up: waits in the receive itself, one system
  // call fewer per trapped call than poll() and then the receive; the
  // destructor ends the wait with a signal (interrupt_signal()).
  void serve_waiting_in_receive();
  void serve_call(const seccomp_notif& call);
  void publish_counts();

  int listener_;
  bool synchronous_ = false;  // the listener took SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (Linux 6.6+)
  std::atomic<bool> stopping_{false};
  std::atomic<bool> serving_ended_{false};  // set by the thread as it ends
  ContainerState state_;
  ChosenConfig config_;
  NotificationBuffers buffers_;
  int stop_fd_;
  std::function<void(ContainerServer*)> on_end_;
  std::unique_ptr<EventHandler> handler_;  // null: untuned, every call continues at once
  HandlerCounts untuned_counts_;
  bool refusal_reported_ = false;
  // The handler's counts as last published by the thread, for the status.
  std::atomic<uint64_t> notifications_{0}, options_applied_{0}, errors_{0};
  pthread_t thread_{};
  bool started_ = false;
};

}  // namespace sockshim::supervisor
