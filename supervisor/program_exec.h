// SPDX-License-Identifier: Apache-2.0
// Starting a program as execvp(3) does on glibc, alike on every libc (musl's
// execvp runs no file through /bin/sh), finding beforehand which file that
// will be, and saying in a shell's words, with a shell's exit status, why a
// program could not be started.
#pragma once

#include <limits.h>

#include <string>

namespace sockshim {

// Which file was (or would be) run for a name, or why none could be. A
// plain struct: the child of a fork fills it and sends it to its parent.
struct ExecAttempt {
  // errno as execvp leaves it (ENOENT, EACCES, ...); 0 when a file was found.
  int error = 0;
  // The file |error| is about, or the file found; empty when no file of
  // that name exists anywhere on PATH. With several refused PATH entries,
  // the first that execve refused with EACCES, else the first that exists.
  char path[PATH_MAX] = "";
  // |path| is neither ELF nor a #! script (the kernel refuses it with
  // ENOEXEC), so /bin/sh runs it, as execvp does; |error| is then about
  // /bin/sh.
  bool through_shell = false;
};

// execvp(argv[0], argv), glibc's semantics on every libc: a name with a
// slash is run as it is; otherwise each PATH entry in turn (unset PATH:
// "/bin:/usr/bin"; an empty entry: the current directory), skipping the
// entries that execve refuses with EACCES (remembered: the error at the end
// is EACCES rather than ENOENT), ENOENT, ENOTDIR, ESTALE, ENODEV or
// ETIMEDOUT, and stopping at any other error. A file refused with ENOEXEC
// runs as "/bin/sh FILE ARGS...". Returns only when nothing could be
// started, with |attempt| filled. No allocation, so a child may call it
// between fork and exec: |shell_argv| holds argc + 2 entries.
void exec_program(char* const argv[], char** shell_argv, ExecAttempt* attempt);

// The file exec_program would start for |name|, without starting it: the
// same search, with execve's refusals foreseen from the file (missing,
// a directory or not a regular file, no execute permission for the
// effective user or a noexec mount, a #! interpreter that is missing or
// refused). A file the kernel does not recognise is taken to go through
// /bin/sh; a binfmt_misc handler for it is not foreseen.
ExecAttempt find_program(const char* name);

// Why |name| could not be started, as a shell says it, with the exit status
// a shell gives: 127 when no such file exists, or a file it needs (a #!
// interpreter, an ELF loader) is missing ("cannot execute: required file not
// found"); 126 when the file exists but cannot be run ("Permission denied",
// "Is a directory", ...).
struct ExecFailure {
  std::string message;  // "PATH: Permission denied", without a newline
  int exit_status = 127;
};
ExecFailure describe_exec_failure(const std::string& name, const ExecAttempt& attempt);

}  // namespace sockshim
