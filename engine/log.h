// SPDX-License-Identifier: Apache-2.0
// sockshim's own messages, from whichever front-end runs the engine: levels,
// destination, and "report once" flags. Writes with write(2); no stdio or
// iostreams, which may not be ready (or may be in use by the program) when a
// preload hook runs.
#pragma once

namespace sockshim {

enum class LogLevel { off, error, warn, info, debug };

// SOCKSHIM_LOG and SOCKSHIM_LOG_FILE; an unwritable file falls back to stderr.
void configure_log(const char* level_text, const char* file_path);

bool log_enabled(LogLevel level);

void log_message(LogLevel level, const char* format, ...) __attribute__((format(printf, 2, 3)));

// True the first time it is called with this (topic, detail) pair in this
// process; lock-free, for the hot path. topic < 64, detail < 256.
bool first_report(unsigned topic, unsigned detail);

}  // namespace sockshim
