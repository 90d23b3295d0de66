// SPDX-License-Identifier: Apache-2.0
#include "cli/compile_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/exit_codes.h"
#include "config/compiled_file.h"
#include "config/config_source.h"
#include "config/policy_loader.h"

namespace sockshim::cli {
namespace {

constexpr char kUsage[] =
    "usage: sockshim compile FILE\n"
    "\n"
    "Validates the config FILE as `sockshim check` does and writes its policy in\n"
    "binary to FILE.compiled, which the library reads instead of parsing FILE:\n"
    "a config of hundreds of rules or thousands of prefixes then costs a\n"
    "process's first socket several times less. FILE stays the\n"
    "config: the compiled file is used only while it was made from FILE's exact\n"
    "text by the same sockshim version; otherwise the library logs one line and\n"
    "parses FILE. Run it again after each change of FILE (or delete\n"
    "FILE.compiled). The file is written with FILE's permission bits, through a\n"
    "temporary file renamed into place.\n"
    "\n"
    "Exit status: 0 written, 1 invalid config or cannot write, 2 usage error.\n";

// Written beside the final path and renamed over it: a process reading the
// compiled file never sees half of it.
bool write_atomically(const std::string& path, const std::string& bytes, mode_t mode, std::string* error) {
  const std::string temporary = path + ".tmp." + std::to_string(getpid());
  const int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    *error = temporary + ": cannot create: " + std::strerror(errno);
    return false;
  }
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  const bool ok = written == bytes.size() && fchmod(fd, mode) == 0 && fsync(fd) == 0;
  const int saved = errno;
  close(fd);
  if (!ok || rename(temporary.c_str(), path.c_str()) != 0) {
    *error = path + ": cannot write: " + std::strerror(ok ? errno : saved);
    unlink(temporary.c_str());
    return false;
  }
  return true;
}

}  // namespace

int compile_command(int argc, char** argv) {
  if (argc == 1 && (std::strcmp(argv[0], "--help") == 0 || std::strcmp(argv[0], "-h") == 0)) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (argc != 1 || argv[0][0] == '-') {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const std::string path = argv[0];
  std::string text;
  ConfigError error;
  if (!read_config_file(path, library_file_checks(), &text, &error)) {
    std::fprintf(stderr, "%s\n", error.to_string().c_str());
    return kExitFailure;
  }
  const LoadResult loaded = load_policy(text, path);
  if (!loaded.policy) {
    for (const std::string& line : error_lines(loaded)) std::fprintf(stderr, "%s\n", line.c_str());
    return kExitFailure;
  }
  struct stat info{};
  const mode_t mode = stat(path.c_str(), &info) == 0 ? (info.st_mode & 0777) : 0644;
  const std::string output = compiled_file_path(path);
  const std::string bytes = encode_compiled_file(*loaded.policy, text);
  std::string write_error;
  if (!write_atomically(output, bytes, mode, &write_error)) {
    std::fprintf(stderr, "sockshim compile: %s\n", write_error.c_str());
    return kExitFailure;
  }
  std::printf("%s: %zu rule(s), %zu bytes\n", output.c_str(), loaded.policy->rules.size(), bytes.size());
  return kExitOk;
}

}  // namespace sockshim::cli
