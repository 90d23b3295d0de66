// SPDX-License-Identifier: Apache-2.0
#include "supervisor/program_exec.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace sockshim {
namespace {

constexpr char kShell[] = "/bin/sh";
// glibc's confstr(_CS_PATH), which its execvp searches when PATH is unset.
constexpr char kDefaultPath[] = "/bin:/usr/bin";
// Interpreters of interpreters the kernel follows (BINPRM_MAX_RECURSION).
constexpr int kMaxInterpreterDepth = 4;

// Copies |text| into a PATH_MAX buffer; false when it does not fit.
bool copy_path(char* to, const char* text, size_t length) {
  if (length >= PATH_MAX) return false;
  std::memcpy(to, text, length);
  to[length] = '\0';
  return true;
}

// The execvp search, with |try_file| (the real execve or a forecast of it)
// returning 0 when the file starts, else the errno execve gives. Async-
// signal-safe as long as |try_file| is.
template <typename TryFile>
void search(const char* name, TryFile try_file, ExecAttempt* attempt) {
  *attempt = ExecAttempt();
  if (*name == '\0') {
    attempt->error = ENOENT;
    return;
  }
  if (std::strchr(name, '/')) {
    if (!copy_path(attempt->path, name, std::strlen(name))) {
      attempt->error = ENAMETOOLONG;
      return;
    }
    attempt->error = try_file(attempt->path, &attempt->through_shell);
    return;
  }
  const char* path = std::getenv("PATH");
  if (!path) path = kDefaultPath;
  const size_t name_length = std::strlen(name);
  bool refused_access = false, found_existing = false;
  for (const char* entry = path;; ++entry) {
    const char* end = std::strchr(entry, ':');
    if (!end) end = entry + std::strlen(entry);
    const size_t dir_length = static_cast<size_t>(end - entry);
    char candidate[PATH_MAX];
    // An empty entry is the current directory: the name as it is.
    if (dir_length + 1 + name_length < PATH_MAX) {
      std::memcpy(candidate, entry, dir_length);
      size_t length = dir_length;
      if (dir_length > 0) candidate[length++] = '/';
      std::memcpy(candidate + length, name, name_length + 1);
      bool through_shell = false;
      const int error = try_file(candidate, &through_shell);
      switch (error) {
        case 0:
          copy_path(attempt->path, candidate, std::strlen(candidate));
          attempt->through_shell = through_shell;
          return;
        case EACCES:
          if (!refused_access) {
            copy_path(attempt->path, candidate, std::strlen(candidate));
            attempt->through_shell = through_shell;
          }
          refused_access = true;
          break;
        case ENOENT:
        case ESTALE:
        case ENOTDIR:
        case ENODEV:
        case ETIMEDOUT:
          // A file that is there but needs one that is not (a #!
          // interpreter, an ELF loader) is worth naming if nothing better
          // turns up.
          if (!refused_access && !found_existing && access(candidate, F_OK) == 0) {
            copy_path(attempt->path, candidate, std::strlen(candidate));
            attempt->through_shell = through_shell;
            found_existing = true;
          }
          break;
        default:
          copy_path(attempt->path, candidate, std::strlen(candidate));
          attempt->through_shell = through_shell;
          attempt->error = error;
          return;
      }
    }
    if (*end == '\0') break;
    entry = end;
  }
  attempt->error = refused_access ? EACCES : ENOENT;
}

// The interpreter a "#!" line names, into |interpreter|; false when |head|
// does not start with "#!" (or names nothing).
bool shebang_interpreter(const char* head, size_t length, char* interpreter) {
  if (length < 2 || head[0] != '#' || head[1] != '!') return false;
  size_t start = 2;
  while (start < length && (head[start] == ' ' || head[start] == '\t')) ++start;
  size_t end = start;
  while (end < length && head[end] != ' ' && head[end] != '\t' && head[end] != '\n' && head[end] != '\0') ++end;
  return end > start && copy_path(interpreter, head + start, end - start);
}

// What execve would give for |path|: 0 when it starts, ENOEXEC when the
// kernel does not recognise it, else the errno of the refusal.
int forecast_execve(const char* path, int depth) {
  struct stat status;
  if (stat(path, &status) != 0) return errno;
  if (!S_ISREG(status.st_mode)) return EACCES;  // directories too
  if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) != 0) return errno;
  char head[256];
  ssize_t length = 0;
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;  // execute-only: the kernel reads it anyway; an ELF program runs
  length = read(fd, head, sizeof head);
  close(fd);
  if (length >= 4 && std::memcmp(head, "\x7f" "ELF", 4) == 0) return 0;
  char interpreter[PATH_MAX];
  if (length > 0 && shebang_interpreter(head, static_cast<size_t>(length), interpreter)) {
    if (depth >= kMaxInterpreterDepth) return ELOOP;
    return forecast_execve(interpreter, depth + 1);
  }
  return ENOEXEC;
}

// The interpreter on the #! line of |path|, or empty: for a message.
std::string script_interpreter(const char* path) {
  char head[256];
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  const ssize_t length = read(fd, head, sizeof head);
  close(fd);
  char interpreter[PATH_MAX];
  if (length <= 0 || !shebang_interpreter(head, static_cast<size_t>(length), interpreter)) return "";
  return interpreter;
}

}  // namespace

void exec_program(char* const argv[], char** shell_argv, ExecAttempt* attempt) {
  search(
      argv[0],
      [argv, shell_argv](const char* path, bool* through_shell) {
        execv(path, argv);
        if (errno != ENOEXEC) return errno;
        // No ELF header and no #!: a shell script without its first line.
        *through_shell = true;
        size_t count = 0;
        shell_argv[count++] = const_cast<char*>(kShell);
        shell_argv[count++] = const_cast<char*>(path);
        for (size_t i = 1; argv[i]; ++i) shell_argv[count++] = argv[i];
        shell_argv[count] = nullptr;
        execv(kShell, shell_argv);
        return errno;
      },
      attempt);
}

ExecAttempt find_program(const char* name) {
  ExecAttempt attempt;
  search(
      name,
      [](const char* path, bool* through_shell) {
        const int error = forecast_execve(path, 0);
        if (error != ENOEXEC) return error;
        *through_shell = true;
        return forecast_execve(kShell, 0);
      },
      &attempt);
  return attempt;
}

ExecFailure describe_exec_failure(const std::string& name, const ExecAttempt& attempt) {
  ExecFailure failure;
  const std::string path = attempt.path[0] ? attempt.path : name;
  if (!attempt.path[0]) {
    failure.message = name.find('/') == std::string::npos ? name + ": command not found"
                                                          : name + ": " + std::strerror(attempt.error);
    failure.exit_status = attempt.error == ENOENT ? 127 : 126;
    return failure;
  }
  struct stat status;
  const bool exists = stat(path.c_str(), &status) == 0;
  if (attempt.through_shell) {
    failure.message = path + ": neither an ELF program nor a #! script, and " + kShell +
                      ", which runs such a file, cannot be run: " + std::strerror(attempt.error);
    failure.exit_status = attempt.error == ENOENT ? 127 : 126;
  } else if (attempt.error == ENOENT && exists) {
    const std::string interpreter = script_interpreter(path.c_str());
    failure.message = path + ": cannot execute: required file not found";
    failure.message += interpreter.empty() ? " (the ELF loader it names is missing)"
                                           : " (its #! line names " + interpreter + ")";
    failure.exit_status = 127;
  } else if (attempt.error == ENOENT) {
    failure.message = path + ": " + std::strerror(ENOENT);
    failure.exit_status = 127;
  } else if (exists && S_ISDIR(status.st_mode)) {
    failure.message = path + ": " + std::strerror(EISDIR);
    failure.exit_status = 126;
  } else {
    failure.message = path + ": " + std::strerror(attempt.error);
    failure.exit_status = 126;
  }
  return failure;
}

}  // namespace sockshim
