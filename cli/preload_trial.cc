// SPDX-License-Identifier: Apache-2.0
#include "cli/preload_trial.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "cli/captured_run.h"
#include "cli/library_facts.h"
#include "cli/preload_list.h"
#include "cli/program_facts.h"

extern char** environ;

namespace sockshim::cli {
namespace {

constexpr int kTimeLimitMs = 10000;

// This process's environment without the variables the test sets itself.
// LD_PRELOAD is among them: each run gets the environment's own list, with
// the library added (as `sockshim run` adds it) or left out.
std::vector<std::string> environment_without_sockshim() {
  std::vector<std::string> result;
  for (char** entry = environ; *entry; ++entry) {
    const std::string text = *entry;
    if (text.rfind("LD_PRELOAD=", 0) == 0 || text.rfind("SOCKSHIM_LOG=", 0) == 0 ||
        text.rfind("SOCKSHIM_LOG_FILE=", 0) == 0 || text.rfind("SOCKSHIM_DISABLE=", 0) == 0 ||
        text.rfind("SOCKSHIM_STRICT=", 0) == 0) {
      continue;
    }
    result.push_back(text);
  }
  return result;
}

// The library's own lines ("sockshim[PID]: LEVEL: ...") and the rest (the
// loader's and the program's).
struct SplitOutput {
  std::vector<std::string> library_lines;
  std::vector<std::string> other_lines;
  bool library_ran = false;    // it logged at all: its constructor ran
  bool library_failed = false;  // it logged an error
};

SplitOutput split_output(const std::string& output) {
  SplitOutput split;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    const bool ours = line.rfind("sockshim[", 0) == 0 && line.find("]: ") != std::string::npos;
    if (!ours) {
      split.other_lines.push_back(line);
      continue;
    }
    split.library_lines.push_back(line);
    split.library_ran = true;
    if (line.find("]: error: ") != std::string::npos) split.library_failed = true;
  }
  return split;
}

void print_indented(const std::vector<std::string>& lines) {
  for (const std::string& line : lines) std::printf("      %s\n", line.c_str());
}

const char* kind_name(ProgramKind kind) {
  switch (kind) {
    case ProgramKind::glibc: return "glibc";
    case ProgramKind::musl: return "musl";
    case ProgramKind::static_binary: return "statically linked";
    case ProgramKind::go: return "Go";
    case ProgramKind::other_interpreter: return "unknown loader";
    case ProgramKind::not_found: return "not found";
    case ProgramKind::not_elf: return "not an ELF program";
    case ProgramKind::unreadable: return "unreadable";
  }
  return "?";
}

std::string joined(const std::vector<std::string>& words) {
  std::string text;
  for (const std::string& word : words) text += (text.empty() ? "" : " ") + word;
  return text;
}

enum class Outcome { passed, failed, not_reachable };

Outcome try_program(std::vector<std::string> argv, const std::string& library, const std::optional<Libc>& library_kind) {
  const ProgramFacts facts = inspect_program(argv[0]);
  const std::string shown = joined(argv);
  if (facts.kind == ProgramKind::not_found || facts.kind == ProgramKind::not_elf ||
      facts.kind == ProgramKind::unreadable) {
    std::printf("  %s: %s\n", shown.c_str(), facts.kind == ProgramKind::not_found ? "NOT FOUND" : kind_name(facts.kind));
    return Outcome::failed;
  }
  if (beyond_preload(facts.kind)) {
    std::printf("  %s (%s): no loader reads LD_PRELOAD there; sockshim run supervises such programs\n", shown.c_str(),
                kind_name(facts.kind));
    return Outcome::not_reachable;
  }
  argv[0] = find_in_path(argv[0]);
  std::vector<std::string> environment = environment_without_sockshim();
  const char* existing_preload = std::getenv("LD_PRELOAD");
  const std::string others = preload_without(existing_preload, library);
  if (!others.empty()) environment.push_back("LD_PRELOAD=" + others);
  const CapturedRun without = run_captured(argv, environment, kTimeLimitMs);
  if (!others.empty()) environment.pop_back();
  environment.push_back("LD_PRELOAD=" + preload_with(existing_preload, library));
  environment.push_back("SOCKSHIM_LOG=info");  // its first line shows it ran
  environment.push_back("SOCKSHIM_STRICT=1");  // the config is read at load
  const CapturedRun with = run_captured(argv, environment, kTimeLimitMs);
  const SplitOutput split = split_output(with.output);

  std::printf("  %s (%s):", shown.c_str(), kind_name(facts.kind));
  const bool same_start = with.started && !with.timed_out && with.exit_status == without.exit_status;
  if (same_start && split.library_ran && !split.library_failed) {
    std::printf(" starts as without the library (exit %d), the library ran in it\n", with.exit_status);
    print_indented(split.library_lines);
    return Outcome::passed;
  }
  if (with.timed_out) {
    std::printf(" DID NOT END within %d s with the library; name a program that exits (e.g. with --version)\n",
                kTimeLimitMs / 1000);
  } else if (split.library_failed) {
    std::printf(" THE LIBRARY REPORTED AN ERROR (exit %d; without it: exit %d):\n", with.exit_status,
                without.exit_status);
  } else if (!same_start) {
    std::printf(" DOES NOT START with the library (exit %d; without it: exit %d):\n", with.exit_status,
                without.exit_status);
  } else {
    std::printf(" STARTS, BUT THE LIBRARY DID NOT RUN in it (its loader ignored it):\n");
  }
  print_indented(split.other_lines);
  print_indented(split.library_lines);
  const bool program_glibc = facts.kind == ProgramKind::glibc;
  const bool program_musl = facts.kind == ProgramKind::musl;
  if (library_kind && ((*library_kind == Libc::glibc && program_musl) || (*library_kind == Libc::musl && program_glibc))) {
    std::printf("      this is the %s library and %s runs on %s: give it the %s library\n", libc_name(*library_kind),
                argv[0].c_str(), kind_name(facts.kind), kind_name(facts.kind));
  }
  return Outcome::failed;
}

}  // namespace

bool try_preload(const std::string& library, std::vector<std::vector<std::string>> programs) {
  std::printf("preload test of %s\n", library.c_str());
  if (access(library.c_str(), R_OK) != 0) {
    std::printf("  %s: cannot read it: %s\nFAILED: no library to test\n", library.c_str(), std::strerror(errno));
    return false;
  }
  const LibraryFacts facts = read_library_facts(library);
  std::printf("  library: %s%s, sockshim %s\n", facts.libc ? libc_name(*facts.libc) : "unknown libc",
              facts.newest_glibc.empty() ? "" : (", needs glibc " + facts.newest_glibc + " or later").c_str(),
              facts.version.empty() ? "(no version)" : facts.version.c_str());
  const std::string others = preload_without(std::getenv("LD_PRELOAD"), library);
  if (!others.empty()) {
    std::printf("  LD_PRELOAD of the environment kept: %s, the library added after it (as sockshim run does)\n",
                others.c_str());
  }
  if (programs.empty()) {
    for (std::vector<std::string> program : {std::vector<std::string>{"/bin/sh", "-c", ":"},
                                              std::vector<std::string>{"/usr/bin/env", "true"}}) {
      if (access(program[0].c_str(), X_OK) == 0) programs.push_back(program);
    }
    if (programs.empty()) {
      std::printf("  neither /bin/sh nor /usr/bin/env is here: name a program to try after --\n"
                  "FAILED: nothing tried\n");
      return false;
    }
  }
  int passed = 0, failed = 0;
  for (std::vector<std::string>& program : programs) {
    switch (try_program(program, library, facts.libc)) {
      case Outcome::passed: ++passed; break;
      case Outcome::failed: ++failed; break;
      case Outcome::not_reachable: break;
    }
  }
  if (failed > 0) {
    std::printf("FAILED: do not set LD_PRELOAD=%s for these programs: %d of %zu programs did not pass\n",
                library.c_str(), failed, programs.size());
    return false;
  }
  if (passed == 0) {
    std::printf("FAILED: no program tried is reached by a preload: name a dynamically linked one after --\n");
    return false;
  }
  std::printf("OK: %d program(s) start with LD_PRELOAD=%s as without it\n", passed, library.c_str());
  return true;
}

}  // namespace sockshim::cli
