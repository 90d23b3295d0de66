// SPDX-License-Identifier: Apache-2.0
// Placements for what the preload does when it loads, in every process (the
// environment, the config's text, stderr's identity). A placement only:
// nothing else changes, and other programs that link these files are
// unaffected.
#pragma once

// The functions run at load are placed together, in .text.startup beside
// the library's constructor, so that the page faults that bring in their
// code are one or two rather than one per function scattered through the
// library.
#define SOCKSHIM_RUNS_AT_LOAD __attribute__((section(".text.startup")))

// The variables written at load are kept together in .data (even those that
// start as zeros, which would otherwise go to .bss, anywhere in its 500
// KiB). .data is small, and the page where it begins is written at load
// anyway: the dynamic loader relocates it (GNU ld puts __dso_handle there)
// or zero-fills the part of it where .bss begins (lld), so these cost no
// page fault of their own as long as .data stays within that page
// (LibraryTest.LoadingWritesTheRelocatedPagesAndOneMore checks it). A
// section name, unlike a zero initialiser, also survives link-time
// optimisation splitting an object into one variable per field.
#define SOCKSHIM_WRITTEN_AT_LOAD __attribute__((section(".data.sockshim_written_at_load")))
