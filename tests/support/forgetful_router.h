// SPDX-License-Identifier: Apache-2.0
// One instance of scripts/forgetful-router for a test: three network
// namespaces (client, router, server) whose router forgets a connection
// idle for longer than its timeout; removed on destruction.
#pragma once

#include <string>
#include <vector>

namespace sockshim::testing {

class ForgetfulRouter {
 public:
  // The server side's address in every instance (each has its own
  // namespaces, so instances running at once do not meet).
  static constexpr char kServerAddress[] = "10.99.2.2";

  // |tag| tells apart the instances of one test process (namespace names).
  ForgetfulRouter(const std::string& tag, int forget_after_s, const std::string& verdict);
  ~ForgetfulRouter();
  ForgetfulRouter(const ForgetfulRouter&) = delete;
  ForgetfulRouter& operator=(const ForgetfulRouter&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }

  // |argv| run in the client's or the server's namespace.
  std::vector<std::string> in_client(const std::vector<std::string>& argv) const { return in("-client", argv); }
  std::vector<std::string> in_server(const std::vector<std::string>& argv) const { return in("-server", argv); }
  // From now on the router drops everything.
  bool blackhole() const;
  // The router's TCP connection table, one connection a line.
  std::string conntrack() const;

 private:
  std::vector<std::string> in(const char* suffix, std::vector<std::string> argv) const;
  std::string name_, error_;
  bool ok_ = false;
};

}  // namespace sockshim::testing
