// SPDX-License-Identifier: Apache-2.0
// The sockshim benchmarks: connection churn, start-up cost and footprint,
// each variant measured in the same run, interleaved round by round, so that
// the ratios hold on a shared, noisy machine. Prints medians and the ratios
// of the performance budget (README, "Performance").
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr char kSixOptions[] =
    "keepalive = { enabled = true, idle = 30, interval = 10, count = 3 }\n"
    "buffers = { receive = 262144, send = 262144 }\n";
// The config all three engines run side by side: ten options, each one
// the kernel engine can set (and each on every TCP socket).
constexpr char kTenOptions[] =
    "keepalive = { enabled = true, idle = 30, interval = 10, count = 3 }\n"
    "buffers = { receive = 262144, send = 262144 }\n"
    "tcp = { user_timeout = \"90s\", nodelay = true, syncnt = 3, notsent_lowat = 131072 }\n";
constexpr char kMatchesNothing[] =
    "[[rule]]\nmatch = { direction = \"connect\", remote = \"192.0.2.0/24\", port = 5432 }\n"
    "keepalive.idle = 5\n";
constexpr char kTypical[] =
    "[keepalive]\nidle = \"60s\"\ninterval = \"10s\"\ncount = 3\n"
    "[tcp]\nuser_timeout = \"90s\"\n"
    "[[rule]]\nname = \"database\"\n"
    "match = { direction = \"connect\", remote = [\"10.0.0.0/8\", \"fd00::/8\"], port = [5432, \"6379-6380\"] }\n"
    "keepalive = { idle = 5, interval = 2, count = 3 }\nbuffers = { receive = \"1MiB\" }\n"
    "[[rule]]\nname = \"public listener\"\nmatch = { direction = \"listen\", port = 8080 }\n"
    "buffers = { receive = \"4MiB\", send = \"4MiB\" }\n"
    "[[rule]]\nname = \"office clients\"\nmatch = { direction = \"accept\", remote = \"192.168.0.0/16\" }\n"
    "tcp = { nodelay = true }\n";

// Large configs that match nothing in the benchmarks (127.0.0.1): their
// cost is the cost of looking through them. Every other /24, so that no two
// prefixes merge into one range.
// "Keepalive toward every address of our cloud provider": one rule, 10,000
// IPv4 /24 prefixes.
std::string many_prefixes_config() {
  std::string text = "[[rule]]\nname = \"cloud provider\"\nmatch = { direction = \"connect\", remote = [\n";
  for (int i = 0; i < 10000; ++i) {
    text += "  \"10." + std::to_string(i / 128) + "." + std::to_string(i % 128 * 2) + ".0/24\",\n";
  }
  return text + "] }\nkeepalive.idle = 60\n";
}

// One rule per service: 1,000 rules of 10 prefixes (and a port) each.
std::string many_rules_config() {
  std::string text;
  for (int rule = 0; rule < 1000; ++rule) {
    text += "[[rule]]\nname = \"service " + std::to_string(rule) + "\"\nmatch = { direction = \"connect\", port = " +
            std::to_string(1024 + rule) + ", remote = [";
    for (int k = 0; k < 10; ++k) {
      const int i = rule * 10 + k;
      text += std::string(k ? ", " : "") + "\"11." + std::to_string(i / 128) + "." + std::to_string(i % 128 * 2) +
              ".0/24\"";
    }
    text += "] }\nkeepalive = { idle = 30, interval = 5, count = 4 }\n";
  }
  return text;
}

struct Variant {
  std::string name;
  std::vector<std::string> environment;  // the whole environment of the child
  std::vector<std::string> prefix = {};     // e.g. sockshim run -- before the program
  std::vector<std::string> arguments = {};  // after the program (start-up)
  std::string program = TRIVIAL_PROGRAM_PATH;  // start-up: a musl build's own for its library
};

struct Options {
  int churn_cycles = 3000;
  int churn_rounds = 41;
  int starts = 50;
  int start_rounds = 41;
  bool enforce = false;
  int supervised_cycles = 2000;
  int supervised_rounds = 21;
  int no_socket_reads = 200000;
  std::string portable_library;  // --portable: the zig-built glibc 2.17 library
  std::string musl_build;        // --musl: a musl build directory (its library, trivial program, floor)
  bool supervisor_only = false;  // --supervisor-only: the supervisor's churn and breakdown, nothing else
  bool kernel_only = false;      // --kernel-only: the kernel engine's churn and setsockopt rows, nothing else
};

// Per variant, one sample per round, in round order.
using Samples = std::map<std::string, std::vector<double>>;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// Runs |argv| with exactly |environment|; its stdout. With |cpu_ns|, the
// CPU time (user and system) of the child and of the descendants it waited
// for: a supervisor's and its program's together.
std::string run(const std::vector<std::string>& argv, const std::vector<std::string>& environment,
                double* cpu_ns = nullptr) {
  int out[2];
  if (pipe(out) != 0) return "";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::vector<std::string> args = argv, env = environment;
  std::vector<char*> arg_pointers, env_pointers;
  for (std::string& a : args) arg_pointers.push_back(a.data());
  for (std::string& e : env) env_pointers.push_back(e.data());
  arg_pointers.push_back(nullptr);
  env_pointers.push_back(nullptr);
  pid_t pid = 0;
  const int failed = posix_spawn(&pid, args[0].c_str(), &actions, nullptr, arg_pointers.data(), env_pointers.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  std::string text;
  char buffer[256];
  ssize_t n;
  while ((n = read(out[0], buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  close(out[0]);
  if (failed) return "";
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  if (cpu_ns) {
    *cpu_ns = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e9 +
              (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e3;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "benchmark child %s failed\n", args[0].c_str());
    std::exit(1);
  }
  return text;
}

// Starts |argv| in the background, its output on /dev/null; its pid, or -1.
pid_t start_background(const std::vector<std::string>& argv) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<std::string> args = argv;
  std::vector<char*> arg_pointers;
  for (std::string& a : args) arg_pointers.push_back(a.data());
  arg_pointers.push_back(nullptr);
  char path[] = "PATH=/usr/bin:/bin";
  char* environment[] = {path, nullptr};
  pid_t pid = -1;
  const int failed = posix_spawn(&pid, args[0].c_str(), &actions, nullptr, arg_pointers.data(), environment);
  posix_spawn_file_actions_destroy(&actions);
  return failed ? -1 : pid;
}

void stop_background(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
}

bool unix_socket_answers(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const bool ok = fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  if (fd >= 0) close(fd);
  return ok;
}

// `sockshim agent` serving |containers| containers: one is the measured
// program of each round (bench/agent_container hands its listener over as
// runc would), the others stay idle under it. Stopped by the destructor.
class BenchAgent {
 public:
  BenchAgent(const std::string& config_file, int containers) {
    socket_ = "/tmp/sockshim-bench-" + std::to_string(getpid()) + "-agent.sock";
    agent_ = start_background({SOCKSHIM_CLI_PATH, "agent", "--socket", socket_, "--no-holder", "-c", config_file});
    for (int attempt = 0; attempt < 500 && !unix_socket_answers(socket_ + ".status"); ++attempt) usleep(10000);
    if (!unix_socket_answers(socket_ + ".status")) return;
    for (int i = 1; i < containers; ++i) {
      idle_.push_back(start_background({AGENT_CONTAINER_PATH, socket_, "idle-" + std::to_string(i), "/bin/sleep", "100000"}));
    }
    ready_ = true;
  }
  ~BenchAgent() {
    for (pid_t pid : idle_) stop_background(pid);
    stop_background(agent_);
  }
  bool ready() const { return ready_; }
  // Before the measured program and its arguments.
  std::vector<std::string> prefix() const { return {AGENT_CONTAINER_PATH, socket_, "measured"}; }

 private:
  std::string socket_;
  pid_t agent_ = -1;
  std::vector<pid_t> idle_;
  bool ready_ = false;
};

// |program| and its arguments behind the variant's prefix.
std::vector<std::string> command(const Variant& variant, std::vector<std::string> program) {
  std::vector<std::string> argv = variant.prefix;
  argv.insert(argv.end(), program.begin(), program.end());
  return argv;
}

// Connection churn: CPU ns per cycle, one sample per variant per round.
// |mode|: connection_churn's second argument ("with-parent": its parent's
// CPU time counts too).
Samples churn(const std::vector<Variant>& variants, const Options& options, const char* mode = nullptr) {
  Samples samples;
  for (int round = 0; round < options.churn_rounds; ++round) {
    for (size_t i = 0; i < variants.size(); ++i) {
      const Variant& variant = variants[(i + round) % variants.size()];  // rotate the order
      std::vector<std::string> program = {CONNECTION_CHURN_PATH, std::to_string(options.churn_cycles)};
      if (mode) program.push_back(mode);
      const std::string out = run(command(variant, program), variant.environment);
      samples[variant.name].push_back(std::atof(out.c_str()));
    }
  }
  return samples;
}

// --- The supervisor's breakdown per trapped call -------------------------
// A variant whose environment has SOCKSHIM_TRAP_TIMING=FILE runs the
// supervisor with its per-part clock (supervisor/trap_timing.h); the file it
// writes at the end is added up here over the rounds.
struct TrapBreakdown {
  double calls = 0;
  int synchronous_wake_up = -1;
  double clock_read_ns = 0;  // the clock's own cost per lap, already taken off the parts
  struct Part {
    std::string name;
    double ns = 0;    // total, over the rounds
    double laps = 0;  // how many times it was timed: the system calls of the reads and writes
  };
  std::vector<Part> parts;  // in the supervisor's order
};

std::string trap_timing_file(const Variant& variant) {
  const std::string key = "SOCKSHIM_TRAP_TIMING=";
  for (const std::string& entry : variant.environment) {
    if (entry.rfind(key, 0) == 0) return entry.substr(key.size());
  }
  return "";
}

void add_trap_timing(const std::string& file, TrapBreakdown* breakdown) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name;
    double value = 0, laps = 0;
    if (!(fields >> name >> value)) continue;
    if (name == "calls") {
      breakdown->calls += value;
    } else if (name == "synchronous_wake_up") {
      breakdown->synchronous_wake_up = static_cast<int>(value);
    } else if (name == "clock_read_ns") {
      breakdown->clock_read_ns = value;
    } else {
      fields >> laps;
      auto part = std::find_if(breakdown->parts.begin(), breakdown->parts.end(),
                               [&](const TrapBreakdown::Part& known) { return known.name == name; });
      if (part == breakdown->parts.end()) {
        breakdown->parts.push_back({name, value, laps});
      } else {
        part->ns += value;
        part->laps += laps;
      }
    }
  }
  unlink(file.c_str());
}

// Each part in us per call. |added_us| is what the supervisor added per
// connection in this run (the untimed rows: the clock's own cost stays out),
// and |round_trip_us| what a bare round trip adds (bench/trap_floor:
// receive and continue at once): the wake-ups, the context switches and the
// two ioctls, the floor of any supervisor. What neither accounts for is the
// waits for a CPU and the switches of a busy machine.
void print_trap_breakdown(const TrapBreakdown& breakdown, double added_us, double round_trip_us) {
  if (breakdown.calls <= 0) {
    std::printf("  (the supervisor wrote no breakdown)\n");
    return;
  }
  std::printf("  breakdown of the %.1f us added per trapped call (synchronous wake-up %s), us:\n", added_us,
              breakdown.synchronous_wake_up == 1 ? "on" : breakdown.synchronous_wake_up == 0 ? "REFUSED" : "unknown");
  std::printf("    %-40s %8.2f\n", "a bare round trip (bench/trap_floor)", round_trip_us);
  std::printf("    supervisor's CPU time per part (%.0f calls; the clock's own %.2f us per lap taken off):\n",
              breakdown.calls, breakdown.clock_read_ns / 1000.0);
  double sum = 0, beyond_round_trip = 0;
  for (const TrapBreakdown::Part& part : breakdown.parts) {
    const double per_call = part.ns / breakdown.calls / 1000.0;
    // The receive and the answer are the bare round trip's too.
    const bool in_round_trip = part.name == "receive" || part.name == "answer";
    // The engine's reads and writes are timed one system call at a time.
    if (part.name == "untouched_reads" || part.name == "option_writes") {
      std::printf("    %-40s %8.2f  (%.1f system calls)\n", part.name.c_str(), per_call, part.laps / breakdown.calls);
    } else {
      std::printf("    %-40s %8.2f%s\n", part.name.c_str(), per_call, in_round_trip ? "  (in the round trip)" : "");
    }
    sum += per_call;
    if (!in_round_trip) beyond_round_trip += per_call;
  }
  std::printf("    %-40s %8.2f\n", "all of the supervisor's work", sum);
  std::printf("    %-40s %8.2f\n", "  of which beyond the bare round trip", beyond_round_trip);
  std::printf("    %-40s %8.2f\n", "the rest: waits for a CPU, switches", added_us - round_trip_us - beyond_round_trip);
}
// --- end of the supervisor's breakdown ------------------------------------

// The supervisor's churn: elapsed ns per cycle (part of the work is the
// supervisor's, in another process), for a static and for a glibc program.
// |cpu| gets the CPU ns per cycle of the supervisor and its program
// together, their start-up spread over the cycles: on a busy machine each
// elapsed microsecond of work stretches by the share of a CPU the run gets,
// CPU time does not (the agent's is not in it: it is no child of the run).
Samples supervised_churn(const std::vector<Variant>& variants, const Options& options,
                         TrapBreakdown* breakdown, Samples* cpu) {
  Samples samples;
  for (int round = 0; round < options.supervised_rounds; ++round) {
    for (size_t i = 0; i < variants.size(); ++i) {
      const Variant& variant = variants[(i + round) % variants.size()];
      double cpu_ns = 0;
      const std::string out = run(command(variant, {variant.name.find("static") != std::string::npos
                                                        ? CONNECTION_CHURN_STATIC_PATH
                                                        : CONNECTION_CHURN_PATH,
                                                    std::to_string(options.supervised_cycles), "wall"}),
                                  variant.environment, &cpu_ns);
      samples[variant.name].push_back(std::atof(out.c_str()));
      (*cpu)[variant.name].push_back(cpu_ns / options.supervised_cycles);
      if (const std::string file = trap_timing_file(variant); !file.empty()) add_trap_timing(file, breakdown);
    }
  }
  return samples;
}

// A program without sockets: CPU ns per read, under the filter or not.
Samples no_socket(const std::vector<Variant>& variants, const Options& options, const char* mode) {
  Samples samples;
  for (int round = 0; round < options.supervised_rounds; ++round) {
    for (size_t i = 0; i < variants.size(); ++i) {
      const Variant& variant = variants[(i + round) % variants.size()];
      const std::string out =
          run(command(variant, {NO_SOCKET_WORK_PATH, std::to_string(options.no_socket_reads), mode}),
              variant.environment);
      samples[variant.name].push_back(std::atof(out.c_str()));
    }
  }
  return samples;
}

// The median of the per-round differences, in microseconds.
double paired_difference_us(const Samples& samples, const std::string& variant, const std::string& baseline) {
  const std::vector<double>& a = samples.at(variant);
  const std::vector<double>& b = samples.at(baseline);
  std::vector<double> differences;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) differences.push_back((a[i] - b[i]) / 1000.0);
  return median(differences);
}

// CPU time (user + system) of the children waited for so far, in us.
double children_cpu_us() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6 + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

// Start-up: CPU microseconds per start of a trivial program (posix_spawn +
// wait): the child's own CPU time, which other builds on a shared machine
// do not stretch as they stretch elapsed time.
Samples startup(const std::vector<Variant>& variants, const Options& options) {
  Samples samples;
  for (int round = 0; round < options.start_rounds; ++round) {
    for (size_t i = 0; i < variants.size(); ++i) {
      const Variant& variant = variants[(i + round) % variants.size()];
      std::vector<std::string> program = {variant.program};
      program.insert(program.end(), variant.arguments.begin(), variant.arguments.end());
      const double start = children_cpu_us();
      for (int n = 0; n < options.starts; ++n) run(command(variant, program), variant.environment);
      samples[variant.name].push_back((children_cpu_us() - start) / options.starts);
    }
  }
  return samples;
}

// The median of the per-round ratios: each round measures both variants
// within moments of each other, so a slow patch of the machine cancels out.
double paired_ratio(const Samples& samples, const std::string& variant, const std::string& baseline) {
  const std::vector<double>& a = samples.at(variant);
  const std::vector<double>& b = samples.at(baseline);
  std::vector<double> ratios;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) ratios.push_back(a[i] / b[i]);
  return median(ratios);
}

// The trivial program's own VmHWM: ru_maxrss of a posix_spawn child would
// include the parent's memory that it shared until exec.
long peak_rss_kib(const Variant& variant) {
  std::vector<double> values;
  for (int i = 0; i < 9; ++i) {
    values.push_back(std::atof(run({TRIVIAL_PROGRAM_PATH, "--peak-rss"}, variant.environment).c_str()));
  }
  return static_cast<long>(median(values));
}

long stripped_size(const std::string& library) {
  const std::string copy = "/tmp/sockshim-bench-stripped-" + std::to_string(getpid()) + ".so";
  run({"/usr/bin/strip", "-o", copy, library}, {"PATH=/usr/bin:/bin"});
  struct stat info{};
  const long size = stat(copy.c_str(), &info) == 0 ? static_cast<long>(info.st_size) : -1;
  unlink(copy.c_str());
  return size;
}

// The kernel engine's cgroup/setsockopt program runs before every
// setsockopt of its cgroup's processes: CPU ns per call of a loop of
// setsockopt(SO_KEEPALIVE), one sample per variant per round.
Samples setsockopt_calls(const std::vector<Variant>& variants, const Options& options) {
  Samples samples;
  for (int round = 0; round < options.supervised_rounds; ++round) {
    for (size_t i = 0; i < variants.size(); ++i) {
      const Variant& variant = variants[(i + round) % variants.size()];
      const std::string out =
          run(command(variant, {SETSOCKOPT_LOOP_PATH, std::to_string(options.no_socket_reads)}), variant.environment);
      samples[variant.name].push_back(std::atof(out.c_str()));
    }
  }
  return samples;
}

struct TableRow {
  std::string engine;   // none, floor, native, portable, musl, supervisor, agent, kernel
  std::string measure;
  double value;
  std::string unit;     // "x" for a ratio
  double budget;        // negative: reported, not judged
  std::string detail;   // the medians behind a ratio
};

// The summary as a Markdown table (scripts/bench-docs puts it in
// docs/performance.md as it is); true when every judged row is within its
// budget.
bool print_table(const std::vector<TableRow>& rows) {
  std::printf("\nsummary (medians of the per-round ratios and differences of this run)\n\n");
  std::printf("| engine | measure | result | budget |\n|---|---|---|---|\n");
  bool ok = true;
  for (const TableRow& row : rows) {
    const bool within = row.budget < 0 || row.value <= row.budget;
    ok &= within;
    const int decimals = row.unit == "x" ? 3 : row.value >= 100 ? 0 : row.value >= 10 ? 1 : 2;
    char result[64], budget[48];
    std::snprintf(result, sizeof result, "%.*f%s%s", decimals, row.value, row.unit == "x" ? "" : " ",
                  row.unit == "x" ? "" : row.unit.c_str());
    if (row.budget < 0) {
      std::snprintf(budget, sizeof budget, "—");
    } else {
      std::snprintf(budget, sizeof budget, "≤ %g%s%s%s", row.budget, row.unit == "x" ? "" : " ",
                    row.unit == "x" ? "" : row.unit.c_str(), within ? "" : " **over**");
    }
    std::printf("| %s | %s | %s%s%s%s | %s |\n", row.engine.c_str(), row.measure.c_str(), result,
                row.detail.empty() ? "" : " (", row.detail.c_str(), row.detail.empty() ? "" : ")", budget);
  }
  return ok;
}

constexpr double kNoBudget = -1;

std::string medians(const Samples& samples, const std::string& a, const std::string& b, const char* unit) {
  char text[96];
  std::snprintf(text, sizeof text, "medians %.1f / %.1f %s", median(samples.at(a)), median(samples.at(b)), unit);
  return std::string(text);
}

// The kernel engine's variants: `sockshim run --engine bpf` with the ten
// options, with the large configs (matching nothing here) and with a config
// matching nothing; in the three-engine churn beside "no engine".
constexpr char kKernelTen[] = "kernel engine, ten options";
constexpr char kKernelPrefixes[] = "kernel engine, 10,000 prefixes matching nothing";
constexpr char kKernelRules[] = "kernel engine, 1,000 rules matching nothing";
constexpr char kKernelNothing[] = "kernel engine, config matching nothing";
constexpr char kKernelEnforced[] = "kernel engine, keepalive enforced";
// bench/kernel_floor: the ten options as constants at the engine's moments,
// without and with the one hook the engine attaches for them
// (cgroup/setsockopt, doing nothing): the floor under "kernel engine, ten
// options".
constexpr char kKernelFloor[] = "kernel floor: ten constant options";
constexpr char kKernelFloorHook[] = "kernel floor, with the setsockopt hook";

std::vector<std::string> kernel_engine_prefix(const std::vector<std::string>& config_arguments) {
  std::vector<std::string> prefix = {SOCKSHIM_CLI_PATH, "run", "--engine", "bpf"};
  prefix.insert(prefix.end(), config_arguments.begin(), config_arguments.end());
  prefix.push_back("--");
  return prefix;
}

std::vector<Variant> kernel_churn_variants(const std::vector<std::string>& environment,
                                           const std::string& many_prefixes_file,
                                           const std::string& many_rules_file) {
  std::vector<Variant> variants = {
      {kKernelTen, environment, kernel_engine_prefix({"-e", kTenOptions})},
      {kKernelPrefixes, environment, kernel_engine_prefix({"-c", many_prefixes_file})},
      {kKernelRules, environment, kernel_engine_prefix({"-c", many_rules_file})},
      {kKernelNothing, environment, kernel_engine_prefix({"-e", kMatchesNothing})},
  };
#ifdef KERNEL_FLOOR_PATH
  variants.push_back({kKernelFloor, environment, {KERNEL_FLOOR_PATH}});
  variants.push_back({kKernelFloorHook, environment, {KERNEL_FLOOR_PATH, "--with-setsockopt-hook"}});
#endif
  return variants;
}

// The kernel engine's setsockopt hook: recording the program's own call
// (ten options, none enforced), and swallowing an enforced one.
std::vector<Variant> setsockopt_variants(const std::vector<std::string>& environment) {
  return {
      {"no sockshim", environment, {}},
      {kKernelTen, environment, kernel_engine_prefix({"-e", kTenOptions})},
      {kKernelEnforced, environment,
       kernel_engine_prefix({"-e", std::string(kTenOptions) + "enforce = [\"keepalive\"]\n"})},
  };
}

// The kernel engine's rows of the summary: |engines_ns| from the
// three-engine churn (with or without the other engines' variants).
void add_kernel_rows(std::vector<TableRow>* table, const Samples& engines_ns, const Samples& setsockopt_ns) {
  auto row = [&](std::string measure, double value, const char* unit, double budget, std::string detail = "") {
    table->push_back({"kernel", std::move(measure), value, unit, budget, std::move(detail)});
  };
  row("added CPU per connection, ten options", paired_difference_us(engines_ns, kKernelTen, "no engine"), "us",
      kNoBudget);
  row("churn, ten options / none", paired_ratio(engines_ns, kKernelTen, "no engine"), "x", 1.06,
      medians(engines_ns, kKernelTen, "no engine", "ns CPU"));
  row("churn, 10,000 prefixes / none", paired_ratio(engines_ns, kKernelPrefixes, "no engine"), "x", 1.06,
      medians(engines_ns, kKernelPrefixes, "no engine", "ns CPU"));
  row("churn, 1,000 rules / none", paired_ratio(engines_ns, kKernelRules, "no engine"), "x", 1.06,
      medians(engines_ns, kKernelRules, "no engine", "ns CPU"));
  row("churn, config matching nothing / none", paired_ratio(engines_ns, kKernelNothing, "no engine"), "x",
      kNoBudget);
  if (engines_ns.count(kKernelFloorHook)) {
    // What no implementation of the engine's semantics can go below, and
    // what the engine costs above it.
    row("floor: ten constant options / none", paired_ratio(engines_ns, kKernelFloor, "no engine"), "x", kNoBudget,
        medians(engines_ns, kKernelFloor, "no engine", "ns CPU"));
    row("floor with the setsockopt hook / none", paired_ratio(engines_ns, kKernelFloorHook, "no engine"), "x",
        kNoBudget, medians(engines_ns, kKernelFloorHook, "no engine", "ns CPU"));
    row("churn, ten options / floor with the hook", paired_ratio(engines_ns, kKernelTen, kKernelFloorHook), "x",
        kNoBudget);
    row("added CPU per connection, ten options, above the floor with the hook",
        paired_difference_us(engines_ns, kKernelTen, kKernelFloorHook), "us", kNoBudget);
  }
  if (engines_ns.count("preload, ten options")) {
    row("churn, ten options / preload's", paired_ratio(engines_ns, kKernelTen, "preload, ten options"), "x",
        kNoBudget);
  }
  row("added per setsockopt call, recorded", 1000 * paired_difference_us(setsockopt_ns, kKernelTen, "no sockshim"),
      "ns CPU", kNoBudget, medians(setsockopt_ns, kKernelTen, "no sockshim", "ns"));
  row("added per setsockopt call, enforced",
      1000 * paired_difference_us(setsockopt_ns, kKernelEnforced, "no sockshim"), "ns CPU", kNoBudget);
}

// The three-engine churn's printout: each variant's median, its difference
// and its ratio over "no engine".
void print_engines(const std::vector<Variant>& variants, const Samples& engines_ns) {
  for (const Variant& variant : variants) {
    std::printf("  %-48s %8.0f  %+6.2f us  x%.3f\n", variant.name.c_str(), median(engines_ns.at(variant.name)),
                paired_difference_us(engines_ns, variant.name, "no engine"),
                paired_ratio(engines_ns, variant.name, "no engine"));
  }
}

// The setsockopt loop, each variant's median.
Samples measure_setsockopt_calls(const std::vector<Variant>& variants, const Options& options) {
  std::printf("\nsetsockopt(SO_KEEPALIVE) calls, %d x %d rounds (median CPU ns per call)\n", options.no_socket_reads,
              options.supervised_rounds);
  Samples samples = setsockopt_calls(variants, options);
  for (const Variant& variant : variants) {
    std::printf("  %-44s %8.0f\n", variant.name.c_str(), median(samples.at(variant.name)));
  }
  return samples;
}

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = "/tmp/sockshim-bench-" + std::to_string(getpid()) + "-" + name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--quick") {
      // Fewer cycles and rounds; the other choices, given before or after, stay.
      options.churn_cycles = 200;
      options.churn_rounds = 3;
      options.starts = 10;
      options.start_rounds = 3;
      options.supervised_cycles = 200;
      options.supervised_rounds = 3;
      options.no_socket_reads = 20000;
    } else if (arg == "--cycles" && has_value) {
      options.churn_cycles = std::atoi(argv[++i]);
    } else if (arg == "--rounds" && has_value) {
      options.churn_rounds = options.start_rounds = std::atoi(argv[++i]);
    } else if (arg == "--starts" && has_value) {
      options.starts = std::atoi(argv[++i]);
    } else if (arg == "--portable" && has_value) {
      options.portable_library = argv[++i];
    } else if (arg == "--musl" && has_value) {
      options.musl_build = argv[++i];
    } else if (arg == "--supervisor-only") {
      options.supervisor_only = true;
    } else if (arg == "--kernel-only") {
      options.kernel_only = true;
    } else if (arg == "--enforce") {
      options.enforce = true;
    } else if (arg == "--write-configs" && has_value) {
      // The large configs, for sockshim check or a profiler.
      const std::string directory = argv[++i];
      std::ofstream(directory + "/many-prefixes.toml") << many_prefixes_config();
      std::ofstream(directory + "/many-rules.toml") << many_rules_config();
      return 0;
    } else {
      std::fprintf(stderr,
                   "usage: run_benchmarks [--quick] [--cycles N] [--rounds R] [--starts N] [--enforce]\n"
                   "                      [--portable LIBRARY] [--musl BUILD_DIR] [--supervisor-only]\n"
                   "                      [--kernel-only]\n"
                   "       run_benchmarks --write-configs DIR   (the large configs, and nothing else)\n"
                   "  --enforce   exit 1 when a ratio is over its budget\n"
                   "  --portable  the portable glibc library (build-portable/shim/libsockshim.so),\n"
                   "              measured beside this build's\n"
                   "  --musl      a musl build directory: its library against its own floor\n"
                   "              preload, with its own trivial program\n"
                   "  --supervisor-only  the supervisor's churn rows and its breakdown, nothing else\n"
                   "  --kernel-only  the kernel engine's churn and setsockopt rows, nothing else\n");
      return 2;
    }
  }
  const std::string shim = std::string("LD_PRELOAD=") + SOCKSHIM_LIBRARY_PATH;
  const std::string floor = std::string("LD_PRELOAD=") + FLOOR_PRELOAD_PATH;
  const std::string typical_file = write_file("typical.toml", kTypical);
  // Files: a 180 KB value is over the kernel's limit for one environment string.
  const std::string many_prefixes_file = write_file("many-prefixes.toml", many_prefixes_config());
  const std::string many_rules_file = write_file("many-rules.toml", many_rules_config());
  // No SOCKSHIM_CONFIG: the shim looks for /etc/sockshim.toml, as it would in a container.
  const std::vector<std::string> base = {"PATH=/usr/bin:/bin"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> environment = base;
    environment.insert(environment.end(), extra.begin(), extra.end());
    return environment;
  };

  utsname system;
  uname(&system);
  std::printf("sockshim benchmarks: %s %s, %ld cores, %s\n", system.sysname, system.release,
              sysconf(_SC_NPROCESSORS_ONLN),
#if defined(__GLIBC__)
              "glibc"
#else
              "musl"
#endif
  );

  const std::vector<Variant> churn_variants = {
      {"no preload", with({}), {}},
      {"shim, config matching nothing", with({shim, std::string("SOCKSHIM_CONFIG_TOML=") + kMatchesNothing}), {}},
      {"floor preload, six options", with({floor}), {}},
      {"shim, six options", with({shim, std::string("SOCKSHIM_CONFIG_TOML=") + kSixOptions}), {}},
      {"shim, 10,000 prefixes matching nothing", with({shim, "SOCKSHIM_CONFIG=" + many_prefixes_file}), {}},
      {"shim, 1,000 rules matching nothing", with({shim, "SOCKSHIM_CONFIG=" + many_rules_file}), {}},
  };
  Samples churn_ns;
  if (!options.supervisor_only && !options.kernel_only) {
    std::printf("\nconnection churn: socket + connect + accept + close, %d cycles x %d rounds (median CPU ns per "
                "cycle)\n",
                options.churn_cycles, options.churn_rounds);
    churn_ns = churn(churn_variants, options);
    for (const Variant& variant : churn_variants) {
      std::printf("  %-44s %8.0f\n", variant.name.c_str(), median(churn_ns.at(variant.name)));
    }
  }

  const std::vector<std::string> supervise = {SOCKSHIM_CLI_PATH, "run", "--supervise", "-e", kSixOptions, "--"};
  std::vector<Variant> supervised_variants = {
      {"static, no sockshim", with({}), {}},
      {"static, supervisor, six options", with({}), supervise},
      {"glibc, preload, six options", with({shim, std::string("SOCKSHIM_CONFIG_TOML=") + kSixOptions}), {}},
      {"glibc, supervisor, six options", with({}), supervise},
  };
  // The same where io_uring is refused (Docker's default profile): the
  // option reads and writes one system call each instead of in batches;
  // beside it, with io_uring under the same filter (whose test costs every
  // system call of the program and the supervisor something).
  const char* without_io_uring_variant = "static, supervisor, io_uring refused";
  const char* with_io_uring_variant = "static, supervisor, io_uring allowed";
  for (const char* mode : {"refuse", "allow"}) {
    std::vector<std::string> prefix = supervise;
    prefix.insert(prefix.begin(), {IO_URING_FILTER_PATH, mode});
    supervised_variants.push_back(
        {std::string(mode) == "refuse" ? without_io_uring_variant : with_io_uring_variant, with({}), prefix});
  }
  // A bare round trip (bench/trap_floor): the floor under the supervisor's rows.
  const char* round_trip_variant = "static, bare round trip";
  supervised_variants.push_back({round_trip_variant, with({}), {TRAP_FLOOR_PATH}});
  // The supervisor again, with its per-part clock on: the breakdown (kept
  // apart so that the clock's own cost stays out of the rows above).
  const char* timed_variant = "static, supervisor, six options, timed";
  supervised_variants.push_back(
      {timed_variant, with({"SOCKSHIM_TRAP_TIMING=/tmp/sockshim-bench-" + std::to_string(getpid()) + "-trap-timing"}),
       supervise});
  // The kernel engine (cgroup BPF), when it runs here (root, cgroup v2):
  // measured below, beside the preload and the supervisor.
  const bool kernel_engine_here =
      !options.supervisor_only &&
      run(command({"", with({}), kernel_engine_prefix({"-e", kTenOptions})}, {"/bin/echo", "ran"}), with({}))
              .find("ran") != std::string::npos;
  if (options.kernel_only) {
    // The kernel engine's rows alone, beside the same loop without it.
    if (!kernel_engine_here) {
      std::printf("\n(the kernel engine cannot run here: sockshim doctor says why)\n");
      return 1;
    }
    std::vector<Variant> variants = {{"no engine", with({}), {}}};
    for (Variant& variant : kernel_churn_variants(with({}), many_prefixes_file, many_rules_file)) {
      variants.push_back(std::move(variant));
    }
    std::printf("\nkernel engine: socket + connect + accept + close, %d cycles x %d rounds (median CPU ns per "
                "cycle, of the program and its parent)\n",
                options.churn_cycles, options.churn_rounds);
    const Samples engines_ns = churn(variants, options, "with-parent");
    print_engines(variants, engines_ns);
    const Samples setsockopt_ns = measure_setsockopt_calls(setsockopt_variants(with({})), options);
    std::vector<TableRow> table;
    add_kernel_rows(&table, engines_ns, setsockopt_ns);
    const bool ok = print_table(table);
    unlink(many_prefixes_file.c_str());
    unlink(many_rules_file.c_str());
    unlink(typical_file.c_str());
    return options.enforce && !ok ? 1 : 0;
  }
  // The same static program as a container of the agent's, beside 19
  // others it serves meanwhile.
  constexpr int kAgentContainers = 20;
  const std::string six_options_file = write_file("six-options.toml", kSixOptions);
  const char* agent_variant = "static, agent of 20 containers, six options";
  const BenchAgent agent(six_options_file, kAgentContainers);
  if (agent.ready()) {
    supervised_variants.push_back({agent_variant, with({}), agent.prefix()});
  } else {
    std::printf("\n(sockshim agent did not come up here: its churn is not measured)\n");
  }
  std::printf("\nsupervisor churn: socket + connect + accept + close, %d cycles x %d rounds (median elapsed ns "
              "per cycle; one trapped call, connect, per cycle)\n",
              options.supervised_cycles, options.supervised_rounds);
  TrapBreakdown trap_breakdown;
  Samples supervised_cpu_ns;
  const Samples supervised_ns = supervised_churn(supervised_variants, options, &trap_breakdown, &supervised_cpu_ns);
  for (const Variant& variant : supervised_variants) {
    std::printf("  %-44s %8.0f\n", variant.name.c_str(), median(supervised_ns.at(variant.name)));
  }
  std::printf("  CPU time added per trapped call, supervisor and program together (start-up included): static "
              "%.1f us over no sockshim (%.1f us for a bare round trip)\n",
              paired_difference_us(supervised_cpu_ns, "static, supervisor, six options", "static, no sockshim"),
              paired_difference_us(supervised_cpu_ns, "static, bare round trip", "static, no sockshim"));
  std::printf("  added per trapped call: static %.1f us over no sockshim; glibc %.1f us over the preload\n",
              paired_difference_us(supervised_ns, "static, supervisor, six options", "static, no sockshim"),
              paired_difference_us(supervised_ns, "glibc, supervisor, six options", "glibc, preload, six options"));
  std::printf("  where io_uring is refused, per trapped call (both under one seccomp filter): %.1f us elapsed and "
              "%.1f us CPU more than with the supervisor's io_uring batches\n",
              paired_difference_us(supervised_ns, without_io_uring_variant, with_io_uring_variant),
              paired_difference_us(supervised_cpu_ns, without_io_uring_variant, with_io_uring_variant));
  print_trap_breakdown(trap_breakdown,
                       paired_difference_us(supervised_ns, "static, supervisor, six options", "static, no sockshim"),
                       paired_difference_us(supervised_ns, round_trip_variant, "static, no sockshim"));
  if (agent.ready()) {
    std::printf("  added per trapped call: static under the agent (%d containers) %.1f us over no sockshim\n",
                kAgentContainers, paired_difference_us(supervised_ns, agent_variant, "static, no sockshim"));
  }
  if (options.supervisor_only) return 0;

  // The three engines on one loop and one config (ten options, all of them
  // within the kernel engine's reach): CPU time of the program and of its
  // parent, which is the supervisor under `sockshim run --supervise` (its
  // work per trapped call counts) and waits idle otherwise. The kernel
  // engine's work is in the program's own system calls and the loopback
  // softirqs they run, so the program's CPU time holds it; with the large
  // configs (matching nothing here) its cost is the map lookups.
  const std::vector<std::string> supervise_ten = {SOCKSHIM_CLI_PATH, "run", "--supervise", "-e", kTenOptions, "--"};
  std::vector<Variant> engine_variants = {
      {"no engine", with({}), {}},
      {"preload, ten options", with({shim, std::string("SOCKSHIM_CONFIG_TOML=") + kTenOptions}), {}},
      {"supervisor, ten options", with({}), supervise_ten},
  };
  if (kernel_engine_here) {
    for (Variant& variant : kernel_churn_variants(with({}), many_prefixes_file, many_rules_file)) {
      engine_variants.push_back(std::move(variant));
    }
  } else {
    std::printf("\n(the kernel engine cannot run here: not measured; sockshim doctor says why)\n");
  }
  std::printf("\nthree engines, ten options: socket + connect + accept + close, %d cycles x %d rounds (median CPU ns "
              "per cycle, of the program and its parent)\n",
              options.churn_cycles, options.churn_rounds);
  const Samples engines_ns = churn(engine_variants, options, "with-parent");
  print_engines(engine_variants, engines_ns);
  Samples setsockopt_ns;
  if (kernel_engine_here) setsockopt_ns = measure_setsockopt_calls(setsockopt_variants(with({})), options);
  const std::vector<Variant> no_socket_variants = {supervised_variants[0], supervised_variants[1]};
  std::printf("\nno-socket program: %d reads of 4 KiB from /dev/zero x %d rounds (median CPU ns per read)\n",
              options.no_socket_reads, options.supervised_rounds);
  const Samples syscall_bound_ns = no_socket(no_socket_variants, options, "syscalls");
  const Samples no_socket_ns = no_socket(no_socket_variants, options, "work");
  for (const Variant& variant : no_socket_variants) {
    std::printf("  %-44s %8.0f (checksum of every byte: %.0f)\n", variant.name.c_str(),
                median(syscall_bound_ns.at(variant.name)), median(no_socket_ns.at(variant.name)));
  }
  std::printf("  added per system call that passes the filter: %.0f ns\n",
              1000 * paired_difference_us(syscall_bound_ns, "static, supervisor, six options", "static, no sockshim"));

  // The large configs once more, each beside its compiled file (`sockshim
  // compile`), which the library reads instead of parsing the TOML.
  const std::string compiled_prefixes_file = write_file("compiled-prefixes.toml", many_prefixes_config());
  const std::string compiled_rules_file = write_file("compiled-rules.toml", many_rules_config());
  run({SOCKSHIM_CLI_PATH, "compile", compiled_prefixes_file}, base);
  run({SOCKSHIM_CLI_PATH, "compile", compiled_rules_file}, base);
  const std::string typical = "SOCKSHIM_CONFIG=" + typical_file;
  std::vector<Variant> start_variants = {
      {"no preload", with({}), {}},
      {"floor preload", with({floor}), {}},
      {"shim, no config", with({shim}), {}},
      {"shim, typical config (top level + 3 rules)", with({shim, typical}), {}},
      {"no preload, one socket", with({}), {}, {"--one-socket"}},
      {"shim, typical config, one socket", with({shim, typical}), {}, {"--one-socket"}},
      {"shim, 10,000 prefixes, one socket", with({shim, "SOCKSHIM_CONFIG=" + many_prefixes_file}), {}, {"--one-socket"}},
      {"shim, 1,000 rules, one socket", with({shim, "SOCKSHIM_CONFIG=" + many_rules_file}), {}, {"--one-socket"}},
      {"shim, 10,000 prefixes compiled, one socket", with({shim, "SOCKSHIM_CONFIG=" + compiled_prefixes_file}), {},
       {"--one-socket"}},
      {"shim, 1,000 rules compiled, one socket", with({shim, "SOCKSHIM_CONFIG=" + compiled_rules_file}), {},
       {"--one-socket"}},
  };
  const bool portable = !options.portable_library.empty();
  const std::string portable_shim = "LD_PRELOAD=" + options.portable_library;
  if (portable) {
    start_variants.push_back({"portable, no config", with({portable_shim}), {}});
    start_variants.push_back({"portable, typical config", with({portable_shim, typical}), {}});
  }
  // A musl library loads only into musl programs: its own trivial program,
  // with its own floor preload.
  const bool musl = !options.musl_build.empty();
  const std::string musl_program = options.musl_build + "/bench/trivial_program";
  const std::string musl_library = options.musl_build + "/shim/libsockshim.so";
  if (musl) {
    start_variants.push_back({"musl: no preload", with({}), {}, {}, musl_program});
    start_variants.push_back(
        {"musl: floor preload", with({"LD_PRELOAD=" + options.musl_build + "/bench/libfloor_preload.so"}), {}, {},
         musl_program});
    start_variants.push_back(
        {"musl: shim, typical config", with({"LD_PRELOAD=" + musl_library, typical}), {}, {}, musl_program});
  }
  std::printf("\nstart-up: posix_spawn + wait of a trivial program, %d starts x %d rounds (median CPU us per start)\n",
              options.starts, options.start_rounds);
  const Samples start_us = startup(start_variants, options);
  for (const Variant& variant : start_variants) {
    std::printf("  %-44s %8.1f\n", variant.name.c_str(), median(start_us.at(variant.name)));
  }

  const long rss_plain = peak_rss_kib(start_variants[0]);
  const long rss_shim = peak_rss_kib(start_variants[3]);
  const long library_bytes = stripped_size(SOCKSHIM_LIBRARY_PATH);
  const long portable_bytes = portable ? stripped_size(options.portable_library) : 0;
  const long musl_bytes = musl ? stripped_size(musl_library) : 0;
  std::printf("\nfootprint\n");
  std::printf("  %-44s %8ld KiB\n", "peak RSS, trivial program, no preload", rss_plain);
  std::printf("  %-44s %8ld KiB\n", "peak RSS, trivial program, shim + typical", rss_shim);
  std::printf("  %-44s %8ld bytes\n", "libsockshim.so, stripped", library_bytes);
  if (portable) std::printf("  %-44s %8ld bytes\n", "portable libsockshim.so, stripped", portable_bytes);
  if (musl) std::printf("  %-44s %8ld bytes\n", "musl libsockshim.so, stripped", musl_bytes);

  // One table: each engine's row, each result a ratio or a difference of
  // this run (medians of the per-round ratios or differences).
  std::vector<TableRow> table;
  auto row = [&](const char* engine, std::string measure, double value, const char* unit, double budget,
                 std::string detail = "") {
    table.push_back({engine, std::move(measure), value, unit, budget, std::move(detail)});
  };
  const char* typical_start = "shim, typical config (top level + 3 rules)";
  row("none", "start-up of a trivial program", median(start_us.at("no preload")), "us CPU", kNoBudget);
  row("none", "churn cycle (socket + connect + accept + close)", median(churn_ns.at("no preload")), "ns CPU",
      kNoBudget);
  row("floor", "start-up / none", paired_ratio(start_us, "floor preload", "no preload"), "x", kNoBudget,
      medians(start_us, "floor preload", "no preload", "us"));
  row("floor", "churn, six options / none", paired_ratio(churn_ns, "floor preload, six options", "no preload"), "x",
      kNoBudget);
  row("native", "start-up, typical config / floor", paired_ratio(start_us, typical_start, "floor preload"), "x", 1.05,
      medians(start_us, typical_start, "floor preload", "us"));
  row("native", "start-up, no config / floor", paired_ratio(start_us, "shim, no config", "floor preload"), "x",
      kNoBudget);
  row("native", "churn, six options / floor", paired_ratio(churn_ns, "shim, six options", "floor preload, six options"),
      "x", 1.02);
  row("native", "churn, config matching nothing / none",
      paired_ratio(churn_ns, "shim, config matching nothing", "no preload"), "x", 1.01);
  row("native", "churn, 10,000 prefixes / none",
      paired_ratio(churn_ns, "shim, 10,000 prefixes matching nothing", "no preload"), "x", 1.02);
  row("native", "churn, 1,000 rules / none",
      paired_ratio(churn_ns, "shim, 1,000 rules matching nothing", "no preload"), "x", 1.02);
  const char* small_socket = "shim, typical config, one socket";
  row("native", "first socket, 10,000 prefixes compiled, above the typical config",
      paired_difference_us(start_us, "shim, 10,000 prefixes compiled, one socket", small_socket), "ms CPU", 1.0);
  row("native", "first socket, 1,000 rules compiled, above the typical config",
      paired_difference_us(start_us, "shim, 1,000 rules compiled, one socket", small_socket), "ms CPU", 1.0);
  row("native", "first socket, 10,000 prefixes parsed, above the typical config",
      paired_difference_us(start_us, "shim, 10,000 prefixes, one socket", small_socket), "ms CPU", kNoBudget);
  row("native", "first socket, 1,000 rules parsed, above the typical config",
      paired_difference_us(start_us, "shim, 1,000 rules, one socket", small_socket), "ms CPU", kNoBudget);
  row("native", "peak RSS above none", (rss_shim - rss_plain) / 1024.0, "MiB", 1.0);
  row("native", "library, stripped", library_bytes / 1048576.0, "MiB", 1.0);
  if (portable) {
    row("portable", "start-up, typical config / floor",
        paired_ratio(start_us, "portable, typical config", "floor preload"), "x", 1.05,
        medians(start_us, "portable, typical config", "floor preload", "us"));
    row("portable", "start-up, no config / floor", paired_ratio(start_us, "portable, no config", "floor preload"),
        "x", kNoBudget);
    row("portable", "start-up, typical config / native's",
        paired_ratio(start_us, "portable, typical config", typical_start), "x", kNoBudget);
    row("portable", "library, stripped", portable_bytes / 1048576.0, "MiB", 1.0);
  }
  if (musl) {
    row("musl", "start-up, typical config / musl floor",
        paired_ratio(start_us, "musl: shim, typical config", "musl: floor preload"), "x", kNoBudget,
        medians(start_us, "musl: shim, typical config", "musl: floor preload", "us"));
    row("musl", "library, stripped", musl_bytes / 1048576.0, "MiB", 1.0);
  }
  row("supervisor", "added per connection, static program",
      paired_difference_us(supervised_ns, "static, supervisor, six options", "static, no sockshim"), "us", 15.0,
      medians(supervised_ns, "static, supervisor, six options", "static, no sockshim", "ns elapsed"));
  row("supervisor", "CPU time added per connection, static program (with the supervisor's)",
      paired_difference_us(supervised_cpu_ns, "static, supervisor, six options", "static, no sockshim"), "us",
      kNoBudget, medians(supervised_cpu_ns, "static, supervisor, six options", "static, no sockshim", "ns CPU"));
  row("supervisor", "floor: a bare round trip per connection (bench/trap_floor)",
      paired_difference_us(supervised_ns, "static, bare round trip", "static, no sockshim"), "us", kNoBudget);
  row("supervisor", "added per connection over the preload, glibc program",
      paired_difference_us(supervised_ns, "glibc, supervisor, six options", "glibc, preload, six options"), "us",
      kNoBudget);
  row("supervisor", "no-socket program / none",
      paired_ratio(no_socket_ns, "static, supervisor, six options", "static, no sockshim"), "x", 1.02);
  row("supervisor", "no-socket, system-call-bound loop / none",
      paired_ratio(syscall_bound_ns, "static, supervisor, six options", "static, no sockshim"), "x", kNoBudget);
  if (agent.ready()) {
    const double agent_added = paired_difference_us(supervised_ns, agent_variant, "static, no sockshim");
    row("agent", "added per connection (20 containers)", agent_added, "us", kNoBudget);
    row("agent", "added per connection / supervisor's",
        agent_added /
            paired_difference_us(supervised_ns, "static, supervisor, six options", "static, no sockshim"),
        "x", 1.5);
  }
  row("none", "churn cycle, CPU of the program and its parent", median(engines_ns.at("no engine")), "ns CPU",
      kNoBudget);
  row("preload", "added CPU per connection, ten options",
      paired_difference_us(engines_ns, "preload, ten options", "no engine"), "us", kNoBudget);
  row("preload", "churn, ten options / none", paired_ratio(engines_ns, "preload, ten options", "no engine"), "x",
      kNoBudget, medians(engines_ns, "preload, ten options", "no engine", "ns CPU"));
  row("supervisor", "added CPU per connection, ten options (its own included)",
      paired_difference_us(engines_ns, "supervisor, ten options", "no engine"), "us", kNoBudget);
  row("supervisor", "churn, ten options / none", paired_ratio(engines_ns, "supervisor, ten options", "no engine"),
      "x", kNoBudget, medians(engines_ns, "supervisor, ten options", "no engine", "ns CPU"));
  if (kernel_engine_here) add_kernel_rows(&table, engines_ns, setsockopt_ns);
  const bool ok = print_table(table);
  unlink(typical_file.c_str());
  unlink(six_options_file.c_str());
  unlink(many_prefixes_file.c_str());
  unlink(many_rules_file.c_str());
  for (const std::string& file : {compiled_prefixes_file, compiled_rules_file}) {
    unlink(file.c_str());
    unlink((file + ".compiled").c_str());
  }
  return options.enforce && !ok ? 1 : 0;
}
