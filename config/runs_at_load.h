// SPDX-License-Identifier: Apache-2.0
// Marks the functions the preload runs when it loads, in every process (the
// environment, the config's text, stderr's identity). They are placed
// together, in .text.startup beside the library's constructor, so that
// the page faults that bring in their code are one or two rather than one
// per function scattered through the library. A placement only: nothing
// else changes, and other programs that link them are unaffected.
#pragma once

#define SOCKSHIM_RUNS_AT_LOAD __attribute__((section(".text.startup")))
