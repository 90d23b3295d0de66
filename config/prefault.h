// SPDX-License-Identifier: Apache-2.0
// Fresh memory about to be written whole (a large config's text, the rules
// of a compiled policy) faulted in with one system call rather than one
// page fault per page: the library does this at the first socket of every
// process, and on a virtual machine a page fault costs some 2 us, the
// same page populated this way some 1.4 us.
#pragma once

#include <cstddef>

namespace sockshim {

// Asks the kernel to back the whole pages inside [begin, begin + length)
// for writing now (MADV_POPULATE_WRITE, Linux 5.14). Only a hint: on an
// older kernel, or for a range of less than a few pages, nothing happens
// and the pages fault in as they are written. The contents are untouched.
void prefault_for_writing(void* begin, size_t length);

}  // namespace sockshim
