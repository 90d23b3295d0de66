#include "shim/runtime.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <type_traits>

#include "config/config_file.h"
#include "config/enforce.h"
#include "config/policy_loader.h"
#include "shim/enforced_sockets.h"
#include "shim/init_once.h"
#include "shim/log.h"

namespace sockshim {
namespace {

constexpr char kDefaultConfigPath[] = "/etc/sockshim.toml";

// Constant-initialised (no constructor runs), so a hook that runs before
// this library's initialisers sees a valid, empty state and no later
// initialiser overwrites it.
static_assert(std::is_trivially_destructible_v<Runtime>);
[[maybe_unused]] constexpr Runtime kConstantInitialisable{};
Runtime g_runtime;
InitOnce g_load;
InitOnce g_parse;
std::atomic<bool> g_ready{false};
bool g_strict = false;

// The config, read at load and parsed at the first socket. Static storage:
// loading allocates nothing, so a process that never opens a socket pays
// for no allocator set-up either. A trivial type, zero-initialised with no
// constructor to run (and so none to run after a hook already used it).
struct PendingConfig {
  const char* text;  // file_text once there is a config; null: none
  size_t length;
  char source[4096];  // the file path, or SOCKSHIM_CONFIG_TOML
  char file_text[kMaxConfigBytes];  // the file's text, or SOCKSHIM_CONFIG_TOML's
};
static_assert(std::is_trivial_v<PendingConfig>);
PendingConfig g_pending;

bool env_flag(const char* name) {
  const char* value = secure_getenv(name);
  return value && std::strcmp(value, "1") == 0;
}

const char* non_empty(const char* value) { return value && *value ? value : nullptr; }

void set_source(const char* name) {
  std::strncpy(g_pending.source, name, sizeof g_pending.source - 1);
}

// Fills g_pending; false when there is no config, or (|failed|) when the
// file cannot be used.
bool find_config(bool* failed) {
  if (const char* inline_toml = non_empty(secure_getenv("SOCKSHIM_CONFIG_TOML"))) {
    set_source("SOCKSHIM_CONFIG_TOML");
    const size_t length = std::strlen(inline_toml);
    if (length > sizeof g_pending.file_text) {
      log_message(LogLevel::error, "SOCKSHIM_CONFIG_TOML is larger than 1 MiB; running without sockshim");
      *failed = true;
      return false;
    }
    // A copy: the program may rewrite its environment before its first socket.
    std::memcpy(g_pending.file_text, inline_toml, length);
    g_pending.text = g_pending.file_text;
    g_pending.length = length;
    return true;
  }
  const char* path = non_empty(secure_getenv("SOCKSHIM_CONFIG"));
  if (!path) {
    if (access(kDefaultConfigPath, F_OK) != 0) return false;
    path = kDefaultConfigPath;
  }
  set_source(path);
  FileReadOptions options;
  options.refuse_writable_by_others = geteuid() == 0;
  ConfigError error;
  if (read_config_file(path, options, g_pending.file_text, sizeof g_pending.file_text, &g_pending.length,
                       &error)) {
    g_pending.text = g_pending.file_text;
    return true;
  }
  log_message(LogLevel::error, "%s; running without sockshim", error.to_string().c_str());
  *failed = true;
  return false;
}

void stop_if_strict() {
  if (!g_strict) return;
  log_message(LogLevel::error, "SOCKSHIM_STRICT=1: stopping with status %d",
              kStrictConfigExitStatus);
  _exit(kStrictConfigExitStatus);
}

// Which options |settings| sets that need the listen or the accept hook
// even without an address: listener-only options, and options the kernel
// does not copy to accepted sockets (or enforced ones, to mark those sockets).
void note_hook_needs(const SocketSettings& settings, Runtime* state) {
  for (const CatalogueEntry& entry : kCatalogue) {
    if (!settings.get(entry.id)) continue;
    state->listen_rules |= entry.stage == Stage::before_listen;
    state->accept_rules |= !entry.inherited;
  }
  state->accept_rules |= settings.enforced != 0 || settings.raw_count > 0;
  state->listen_rules |= settings.raw_count > 0;
}

void summarise(const Policy& policy, Runtime* state) {
  note_hook_needs(policy.defaults, state);
  for (const Rule& rule : policy.rules) {
    const Direction direction = rule.match.direction;
    const bool addressed = rule.match.needs_address();
    // An address-free rule of direction "any" is already applied by socket().
    state->connect_rules |= direction == Direction::connect || (direction == Direction::any && addressed);
    state->listen_rules |= direction == Direction::listen || (direction == Direction::any && addressed);
    // Listen rules reach accepted sockets through the kernel's copy.
    state->accept_rules |= direction == Direction::accept || (direction == Direction::any && addressed);
    state->udp_rules |= rule.match.protocol != Protocol::tcp;
    note_hook_needs(rule.settings, state);
  }
  for (int ipv6 = 0; ipv6 < 2; ++ipv6) {
    for (int udp = 0; udp < 2; ++udp) {
      SocketEvent event;
      event.ipv6 = ipv6;
      event.udp = udp;
      event.program = state->program;
      SocketTarget target;
      target.ipv6 = ipv6;
      target.udp = udp;
      state->at_creation[ipv6][udp] = applicable(decide(policy, event), target);
      state->creation_options[ipv6][udp] = options_to_apply(state->at_creation[ipv6][udp], SocketSettings(), target);
      state->creation_enforced[ipv6][udp] = enforced_on(state->at_creation[ipv6][udp], target);
    }
  }
}

// Phase one, at load: the environment, and the config text read from its
// file while the program still has the rights and the root it started with.
void read_environment_and_config() {
  const int saved_errno = errno;
  configure_log(secure_getenv("SOCKSHIM_LOG"), secure_getenv("SOCKSHIM_LOG_FILE"));
  std::strncpy(g_runtime.program, program_invocation_short_name, sizeof g_runtime.program - 1);
  g_strict = env_flag("SOCKSHIM_STRICT");
  if (env_flag("SOCKSHIM_DISABLE")) {
    log_message(LogLevel::info, "disabled by SOCKSHIM_DISABLE=1");
  } else {
    bool failed = false;
    if (!find_config(&failed)) {
      if (failed) stop_if_strict();
      log_message(LogLevel::info, "no config; doing nothing");
    }
  }
  errno = saved_errno;
}

// Phase two, at the first socket (or at load under SOCKSHIM_STRICT=1):
// parsing costs more than everything else at start-up, and most processes
// of a container never open a socket.
void parse_config() {
  if (!g_pending.text) return;
  const int saved_errno = errno;
  // A fork while another thread parses leaves the child to parse again.
  pthread_atfork(nullptr, nullptr, [] {
    if (g_ready.load(std::memory_order_relaxed)) return;
    g_load.restart_if_interrupted();
    g_parse.restart_if_interrupted();
  });
  const PendingConfig& pending = g_pending;
  LoadResult loaded = load_policy(std::string_view(pending.text, pending.length), pending.source);
  if (!loaded.policy) {
    // One line per error; the last says what happens next.
    const size_t count = loaded.errors.size();
    for (size_t i = 0; i + 1 < count; ++i) {
      log_message(LogLevel::error, "%s", loaded.errors[i].to_string().c_str());
    }
    log_message(LogLevel::error, "%s (%zu error%s in the config; running without sockshim)",
                loaded.errors.back().to_string().c_str(), count, count == 1 ? "" : "s");
    stop_if_strict();
  } else {
    // Kept for the life of the process: hooks may run during exit.
    const Policy* policy = new Policy(for_program(*loaded.policy, g_runtime.program));
    summarise(*policy, &g_runtime);
    if (!enforceable_options(*policy).empty()) start_enforcing();
    g_runtime.policy = policy->empty() ? nullptr : policy;
    log_message(LogLevel::info, "loaded %s: %zu rule(s), %zu for program \"%s\"", pending.source,
                loaded.policy->rules.size(), policy->rules.size(), g_runtime.program);
  }
  g_pending.text = nullptr;
  errno = saved_errno;
}

__attribute__((constructor)) void load_early() {
  g_load.run(read_environment_and_config);
  // Strict mode promises to stop before main on a bad config.
  if (g_strict) g_parse.run(parse_config);
}

}  // namespace

const Runtime* runtime() {
  // One load on the hot path once both phases are done.
  if (g_ready.load(std::memory_order_acquire)) return &g_runtime;
  if (!g_load.run(read_environment_and_config) || !g_parse.run(parse_config)) return nullptr;
  g_ready.store(true, std::memory_order_release);
  return &g_runtime;
}

}  // namespace sockshim
