// SPDX-License-Identifier: Apache-2.0
// The C++ runtime pieces the library needs, without exceptions: every
// allocation failure or broken invariant aborts, as a -fno-exceptions build
// must. Defining them here keeps libstdc++'s exception machinery (throw,
// unwinder, demangler) out of the library, which makes it smaller and
// quicker to load into every process. All of it stays local to the library
// (exports.map): the host program keeps its own operator new.
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <new>
#include <string>

#include "config/plain_float.h"

namespace {

[[noreturn]] void fail(const char* what) {
  static const char kPrefix[] = "sockshim: fatal: ";
  ssize_t ignored = write(STDERR_FILENO, kPrefix, sizeof kPrefix - 1);
  size_t length = 0;
  while (what[length]) ++length;
  ignored = write(STDERR_FILENO, what, length);
  ignored = write(STDERR_FILENO, "\n", 1);
  (void)ignored;
  abort();
}

void* allocate(std::size_t size) {
  if (void* memory = std::malloc(size ? size : 1)) return memory;
  fail("out of memory");
}

void* allocate_aligned(std::size_t size, std::align_val_t alignment) {
  const std::size_t align = static_cast<std::size_t>(alignment);
  const std::size_t rounded = (size + align - 1) / align * align;
  if (void* memory = std::aligned_alloc(align, rounded ? rounded : align)) return memory;
  fail("out of memory");
}

}  // namespace

void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void* operator new(std::size_t size, std::align_val_t alignment) { return allocate_aligned(size, alignment); }
void* operator new[](std::size_t size, std::align_val_t alignment) { return allocate_aligned(size, alignment); }
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete[](void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::size_t) noexcept { std::free(memory); }
void operator delete(void* memory, std::align_val_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::align_val_t) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t, std::align_val_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::size_t, std::align_val_t) noexcept { std::free(memory); }

// Called only through a broken vtable; defined here so that it is not one
// more symbol for the dynamic loader to look up in every process.
extern "C" void __cxa_pure_virtual() { fail("pure virtual function called"); }

#if defined(__GLIBCXX__)
// What libstdc++ calls where it would throw: all of its functexcept.o, so
// that the archive's copy (and the exception machinery behind it) is never
// linked in. (libc++, in the musl build, aborts inline already.)
namespace std {
void __throw_bad_alloc() { fail("out of memory"); }
void __throw_bad_array_new_length() { fail("bad array length"); }
void __throw_bad_cast() { fail("bad cast"); }
void __throw_bad_exception() { fail("bad exception"); }
void __throw_bad_typeid() { fail("bad typeid"); }
void __throw_domain_error(const char* what) { fail(what); }
void __throw_invalid_argument(const char* what) { fail(what); }
void __throw_length_error(const char* what) { fail(what); }
void __throw_logic_error(const char* what) { fail(what); }
void __throw_out_of_range(const char* what) { fail(what); }
void __throw_out_of_range_fmt(const char* what, ...) { fail(what); }
void __throw_overflow_error(const char* what) { fail(what); }
void __throw_range_error(const char* what) { fail(what); }
void __throw_runtime_error(const char* what) { fail(what); }
void __throw_underflow_error(const char* what) { fail(what); }

// _GLIBCXX_ASSERTIONS (config/CMakeLists.txt) reports a broken invariant here.
void __glibcxx_assert_fail(const char*, int, const char*, const char* condition) noexcept { fail(condition); }
}  // namespace std
#endif

#if defined(__GLIBCXX__)

// toml++ reads floating-point values with std::from_chars. libstdc++'s
// version pulls in libm (fesetround) as a needed library of the preload:
// this one replaces it (config/plain_float.h). libc++ has none; the config
// library defines it there.
namespace std {
from_chars_result from_chars(const char* first, const char* last, double& value, chars_format) noexcept {
  return sockshim::parse_plain_double(first, last, value);
}
}  // namespace std
#endif

#if defined(_LIBCPP_VERSION)
// libc++ defines std::to_string in the same object as std::stoi and the
// rest, which throw: linking it brought libc++abi's exception machinery and
// the unwinder into the preload. These are all the library uses; and
// std::string's members, which libc++ declares extern templates defined
// there, are instantiated here.
namespace {
template <typename Integer>
std::string integer_text(Integer value) {
  char digits[24];
  const std::to_chars_result written = std::to_chars(digits, digits + sizeof digits, value);
  return std::string(digits, written.ptr);
}
}  // namespace

_LIBCPP_BEGIN_NAMESPACE_STD
string to_string(int value) { return integer_text(value); }
string to_string(unsigned value) { return integer_text(value); }
string to_string(long value) { return integer_text(value); }
string to_string(unsigned long value) { return integer_text(value); }
string to_string(long long value) { return integer_text(value); }
string to_string(unsigned long long value) { return integer_text(value); }
_LIBCPP_END_NAMESPACE_STD

template class std::basic_string<char>;
template std::string std::operator+(const char*, const std::string&);
#endif
