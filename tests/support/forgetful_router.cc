// SPDX-License-Identifier: Apache-2.0
#include "tests/support/forgetful_router.h"

#include <unistd.h>

#include "tests/support/child_process.h"

namespace sockshim::testing {
namespace {

std::string router_script() { return std::string(SOCKSHIM_SOURCE_DIR) + "/scripts/forgetful-router"; }

}  // namespace

ForgetfulRouter::ForgetfulRouter(const std::string& tag, int forget_after_s, const std::string& verdict)
    : name_("sockshim-" + tag + verdict + "-" + std::to_string(getpid())) {
  const ProgramResult up = run_program({router_script(), "up", name_, std::to_string(forget_after_s), verdict});
  ok_ = up.exit_status == 0;
  error_ = up.err;
}

ForgetfulRouter::~ForgetfulRouter() { run_program({router_script(), "down", name_}); }

bool ForgetfulRouter::blackhole() const { return run_program({router_script(), "blackhole", name_}).exit_status == 0; }

std::string ForgetfulRouter::conntrack() const { return run_program({router_script(), "conntrack", name_}).out; }

std::vector<std::string> ForgetfulRouter::in(const char* suffix, std::vector<std::string> argv) const {
  argv.insert(argv.begin(), {"ip", "netns", "exec", name_ + suffix});
  return argv;
}

}  // namespace sockshim::testing
