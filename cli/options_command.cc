// SPDX-License-Identifier: Apache-2.0
#include "cli/options_command.h"

#include <cstdio>
#include <cstring>
#include <string>

#include "bpf_engine/settable_options.h"
#include "cli/exit_codes.h"
#include "config/option_catalogue.h"
#include "config/value_kinds.h"

namespace sockshim::cli {
namespace {

constexpr char kUsage[] =
    "usage: sockshim options\n"
    "\n"
    "Prints every option sockshim can set, as a Markdown table (the README's\n"
    "settings table is this output): its config key, the kernel option (and\n"
    "its IPv6 name), the values the kernel accepts, when it takes effect,\n"
    "whether accepted sockets get it from their listener, whether the kernel\n"
    "engine (sockshim attach, run --engine bpf) can set it, and what it does.\n"
    "\n"
    "Exit status: 0 printed, 2 usage error.\n";

const char* stage(const CatalogueEntry& entry) {
  switch (entry.stage) {
    case Stage::socket: return "whenever set";
    case Stage::before_connect: return "in the SYN";
    case Stage::before_listen: return "before listen(), listeners only";
  }
  return "";
}

}  // namespace

int options_command(int argc, char** argv) {
  if (argc == 1 && (std::strcmp(argv[0], "--help") == 0 || std::strcmp(argv[0], "-h") == 0)) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (argc != 0) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  std::printf("| key | option | value | takes effect | accepted sockets | UDP | kernel engine | kernel default | what it does |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  for (const CatalogueEntry& entry : kCatalogue) {
    std::string option = std::string("`") + entry.kernel_name + "`";
    if (entry.kernel_name_ipv6) option += std::string(" (IPv6: `") + entry.kernel_name_ipv6 + "`)";
    const char* accepted = entry.stage == Stage::before_listen ? "—" : entry.inherited ? "copied" : "set again";
    std::printf("| `%s` | %s | %s | %s | %s | %s | %s | %s | %s |\n", entry.key, option.c_str(),
                accepted_values(entry).c_str(), stage(entry), accepted, entry.udp ? "yes" : "no",
                bpf_engine::bpf_can_set(entry) ? "yes" : "no", entry.kernel_default, entry.meaning);
  }
  return kExitOk;
}

}  // namespace sockshim::cli
