// SPDX-License-Identifier: Apache-2.0
// What dlsym(RTLD_NEXT, name) answers, found without libdl: the loaded
// objects are walked in the dynamic loader's order (dl_iterate_phdr, in
// libc.so.6 since glibc 2.2.5) and the first one after the object holding
// |caller| that defines |name| (its default version) gives the address.
// The portable library is linked against glibc 2.17, where dlsym lives in
// libdl.so.2: using it would make every process load one more library.
#pragma once

namespace sockshim {

// The address, or null when no later object defines |name|.
void* next_definition(const char* name, const void* caller);

}  // namespace sockshim
