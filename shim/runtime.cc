// SPDX-License-Identifier: Apache-2.0
#include "shim/runtime.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <type_traits>

#include "config/compiled_file.h"
#include "config/config_source.h"
#include "config/enforce.h"
#include "config/policy_loader.h"
#include "config/runs_at_load.h"
#include "shim/enforced_sockets.h"
#include "shim/init_once.h"
#include "engine/log.h"

namespace sockshim {
namespace {

// What loading writes (the once-guard, the program's name, where the config
// came from): SOCKSHIM_WRITTEN_AT_LOAD, on a page that loading writes
// anyway. Trivially initialised, with no constructor to run (and so none to
// run after a hook already used it). The config is read at load and parsed
// at the first socket.
struct PendingConfig {
  const char* text;  // found.text once there is a config; null: none, or parsed
  bool failed;       // found.failure says why the config cannot be used
  bool strict;       // SOCKSHIM_STRICT=1
  char program[sizeof Runtime::program];  // as it was at load: argv[0] may be rewritten later
  FoundConfig found;
};
static_assert(std::is_trivial_v<PendingConfig>);
// Aligned to its size rounded up to a power of two: it never straddles two pages.
alignas(512) SOCKSHIM_WRITTEN_AT_LOAD PendingConfig g_pending;
static_assert(sizeof(PendingConfig) <= 512);
SOCKSHIM_WRITTEN_AT_LOAD InitOnce g_load;

// The config's path and then its text (find_config()), or
// SOCKSHIM_CONFIG_TOML's text: a small config fills part of one page, which
// both linkers now put where .bss begins, the page zero-filled at load (a
// page fault more where it is not). Static storage: loading allocates
// nothing, so a process that never opens a socket pays for no allocator
// set-up either.
char g_config_buffer[kConfigBufferBytes];

// The state the hooks use, allocated by parse_config() (whatever the config,
// even none) and kept for the life of the process: hooks may run during
// exit. A Runtime's empty value is not all zero bytes (OptionList's ids), so
// a static Runtime object would be 8 KiB of .data, which pushed the state
// written at load onto pages of their own. g_ready is the same pointer once
// both phases are done: one load on the hot path.
Runtime* g_runtime;
std::atomic<const Runtime*> g_ready{nullptr};
InitOnce g_parse;

// Found by `sockshim doctor` in the file, without loading it; the info line
// prints it from here, so that no linker drops it as unused.
constexpr char kVersionMarker[] = "sockshim-version " SOCKSHIM_VERSION;
constexpr const char* kVersion = kVersionMarker + sizeof "sockshim-version " - 1;

// pthread_atfork(nullptr, nullptr, child). Before glibc 2.34 pthread_atfork
// is libpthread.so.0's (a wrapper of libc.so.6's __register_atfork), which
// the portable library (glibc 2.17) would make every process load; the
// handler is dropped if the library is unloaded (__dso_handle).
#if defined(__GLIBC__)
extern "C" int __register_atfork(void (*prepare)(), void (*parent)(), void (*child)(), void* dso_handle);
extern "C" void* __dso_handle __attribute__((visibility("hidden")));
void register_fork_child_handler(void (*child)()) { __register_atfork(nullptr, nullptr, child, __dso_handle); }
#else
void register_fork_child_handler(void (*child)()) { pthread_atfork(nullptr, nullptr, child); }
#endif

SOCKSHIM_RUNS_AT_LOAD bool env_flag(const char* name) {
  const char* value = secure_getenv(name);
  return value && std::strcmp(value, "1") == 0;
}

// Fills g_pending. A config that cannot be used is only recorded here: like
// one that does not parse, it is reported at the first socket, so that
// processes that never open one (most of a container's) print nothing.
SOCKSHIM_RUNS_AT_LOAD void find_pending_config() {
  switch (find_config(secure_getenv, g_config_buffer, sizeof g_config_buffer, &g_pending.found)) {
    case ConfigLookup::found:
      g_pending.text = g_pending.found.text;
      break;
    case ConfigLookup::failed:
      g_pending.failed = true;
      break;
    case ConfigLookup::none:
      log_message(LogLevel::info, "sockshim %s: no config; doing nothing", kVersion);
      break;
  }
}

void stop_if_strict() {
  if (!g_pending.strict) return;
  log_message(LogLevel::error, "SOCKSHIM_STRICT=1: stopping with status %d",
              kStrictConfigExitStatus);
  _exit(kStrictConfigExitStatus);
}

// Phase one, at load: the environment, and the config text read from its
// file while the program still has the rights and the root it started with.
SOCKSHIM_RUNS_AT_LOAD void read_environment_and_config() {
  const int saved_errno = errno;
  configure_log(secure_getenv("SOCKSHIM_LOG"), secure_getenv("SOCKSHIM_LOG_FILE"));
  std::strncpy(g_pending.program, program_invocation_short_name, sizeof g_pending.program - 1);
  g_pending.strict = env_flag("SOCKSHIM_STRICT");
  if (disabled_by_environment(secure_getenv)) {
    log_message(LogLevel::info, "disabled by SOCKSHIM_DISABLE=1");
  } else {
    find_pending_config();
  }
  errno = saved_errno;
}

// The policy from the config's compiled file (`sockshim compile`), when it
// was made from exactly |text|: null otherwise, after one line naming a
// compiled file that is there but cannot be used, and why.
CompiledFile* from_compiled_file(std::string_view text, const FoundConfig& found) {
  if (!found.from_file) return nullptr;
  const std::string path = compiled_file_path(found.source);
  CompiledFile* read = new CompiledFile;
  const CompiledFileVerdict verdict =
      load_compiled_file(path.c_str(), library_file_checks(), text, g_runtime->program, read);
  if (verdict == CompiledFileVerdict::used) return read;
  delete read;
  if (verdict != CompiledFileVerdict::missing) {
    log_message(LogLevel::warn, "%s: ignored, %s; parsing %s (run `sockshim compile %s` again)", path.c_str(),
                describe_verdict(verdict), found.source, found.source);
  }
  return nullptr;
}

// The policy is ready: the hooks may use it from now on.
void install(const CompiledPolicy* compiled, size_t rules_in_config, const char* how) {
  const Policy& policy = compiled->policy();
  summarise(*compiled, g_runtime->program, &g_runtime->summary);
  if (!enforceable_options(policy).empty()) start_enforcing();
  g_runtime->policy = policy.empty() ? nullptr : compiled;
  log_message(LogLevel::info, "sockshim %s loaded %s%s: %zu rule(s), %zu for program \"%s\"", kVersion,
              g_pending.found.source, how, rules_in_config, policy.rules.size(), g_runtime->program);
}

// Phase two, at the first socket (or at load under SOCKSHIM_STRICT=1):
// parsing costs more than everything else at start-up, and most processes
// of a container never open a socket. A config that could not be read is
// reported here too, so that such processes print nothing.
void parse_config() {
  g_runtime = new Runtime();
  std::memcpy(g_runtime->program, g_pending.program, sizeof g_runtime->program);
  if (g_pending.failed) {
    const int saved_errno = errno;
    log_message(LogLevel::error, "%s; running without sockshim", lookup_error(g_pending.found).to_string().c_str());
    g_pending.failed = false;
    stop_if_strict();
    errno = saved_errno;
    return;
  }
  if (!g_pending.text) return;
  const int saved_errno = errno;
  // A fork while another thread parses leaves the child to parse again.
  register_fork_child_handler([] {
    if (g_ready.load(std::memory_order_relaxed)) return;
    g_load.restart_if_interrupted();
    g_parse.restart_if_interrupted();
  });
  const PendingConfig& pending = g_pending;
  const std::string_view text(pending.text, pending.found.length);
  // Kept for the life of the process: hooks may run during exit.
  if (const CompiledFile* read = from_compiled_file(text, pending.found)) {
    install(&read->policy, read->rules_in_config, " (from its compiled file)");
    g_pending.text = nullptr;
    errno = saved_errno;
    return;
  }
  LoadResult loaded = load_policy(text, pending.found.source);
  if (!loaded.policy) {
    // One line per error (at most kMaxReportedErrors, then how many more);
    // the last says what happens next.
    const std::vector<std::string> lines = error_lines(loaded);
    const size_t count = loaded.error_count;
    for (size_t i = 0; i + 1 < lines.size(); ++i) log_message(LogLevel::error, "%s", lines[i].c_str());
    if (count > loaded.errors.size()) {  // the last line already counts them
      log_message(LogLevel::error, "%s; running without sockshim", lines.back().c_str());
    } else {
      log_message(LogLevel::error, "%s (%zu error%s in the config; running without sockshim)",
                  lines.back().c_str(), count, count == 1 ? "" : "s");
    }
    stop_if_strict();
  } else {
    const size_t rule_count = loaded.policy->rules.size();
    install(new CompiledPolicy(for_program(std::move(*loaded.policy), g_runtime->program)), rule_count, "");
  }
  g_pending.text = nullptr;
  errno = saved_errno;
}

__attribute__((constructor)) void load_early() {
  g_load.run(read_environment_and_config);
  // Strict mode promises to stop before main on a bad config.
  if (g_pending.strict) g_parse.run(parse_config);
}

}  // namespace

const Runtime* runtime() {
  if (const Runtime* ready = g_ready.load(std::memory_order_acquire)) return ready;
  if (!g_load.run(read_environment_and_config) || !g_parse.run(parse_config)) return nullptr;
  g_ready.store(g_runtime, std::memory_order_release);
  return g_runtime;
}

}  // namespace sockshim
