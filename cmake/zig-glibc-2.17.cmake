# The portable glibc build: libsockshim.so linked with zig against glibc
# 2.17's symbol versions and with zig's libc++ inside, so that one file loads
# into programs of any glibc distribution from 2.17 on (CentOS 7, Debian 8
# and later). Used by scripts/common.sh (build_portable); the zig binary comes
# from toolchains/zig (npm ci), or SOCKSHIM_ZIG names another one.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(CMAKE_C_COMPILER ${CMAKE_CURRENT_LIST_DIR}/zig-glibc-cc)
set(CMAKE_CXX_COMPILER ${CMAKE_CURRENT_LIST_DIR}/zig-glibc-c++)
set(CMAKE_AR ${CMAKE_CURRENT_LIST_DIR}/zig-glibc-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${CMAKE_CURRENT_LIST_DIR}/zig-glibc-ranlib CACHE FILEPATH "")
# The checks only compile, as in zig-musl.cmake: a linked test executable
# would make zig build a set of its runtime (libc++, compiler-rt, ...) for
# flags that no target of the build uses. The target is the wrappers' own
# (zig-glibc-tool: SOCKSHIM_GLIBC_FLOOR, default 2.17).
if(DEFINED ENV{SOCKSHIM_GLIBC_FLOOR})
  set(SOCKSHIM_ZIG_GLIBC_TARGET x86_64-linux-gnu.$ENV{SOCKSHIM_GLIBC_FLOOR})
else()
  set(SOCKSHIM_ZIG_GLIBC_TARGET x86_64-linux-gnu.2.17)
endif()
set(CMAKE_C_COMPILER_TARGET ${SOCKSHIM_ZIG_GLIBC_TARGET})
set(CMAKE_CXX_COMPILER_TARGET ${SOCKSHIM_ZIG_GLIBC_TARGET})
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Never pick up the host's glibc headers or libraries: they are newer.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_FIND_ROOT_PATH /nonexistent-glibc-2.17-sysroot)

# zig links libc++ statically into shared libraries by itself (its linker
# has no --exclude-libs: the version script keeps everything else local).
set(SOCKSHIM_PRELOAD_LINK_FLAGS "")
set(CMAKE_CROSSCOMPILING_EMULATOR "")
# Bind every C library import to libc.so.6, none to libpthread.so.0
# (shim/libc_link_stub.c).
set(SOCKSHIM_LIBC_LINK_STUB ON)
# Only the library is built from this tree; the tests run in the glibc build.
set(SOCKSHIM_BUILD_TESTS OFF CACHE BOOL "" FORCE)
set(SOCKSHIM_TEST_HOST_PROGRAMS OFF CACHE BOOL "" FORCE)
