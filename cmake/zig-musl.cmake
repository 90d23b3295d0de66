# Cross build for x86_64-linux-musl with zig (musl and libc++ bundled).
# Used by scripts/test through scripts/build-musl; the zig binary comes from
# toolchains/zig (npm ci), or SOCKSHIM_ZIG names another one.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(CMAKE_C_COMPILER ${CMAKE_CURRENT_LIST_DIR}/zig-musl-cc)
set(CMAKE_CXX_COMPILER ${CMAKE_CURRENT_LIST_DIR}/zig-musl-c++)
set(CMAKE_AR ${CMAKE_CURRENT_LIST_DIR}/zig-musl-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${CMAKE_CURRENT_LIST_DIR}/zig-musl-ranlib CACHE FILEPATH "")
# zig builds its runtime (libc++, libc++abi, libunwind, compiler-rt, and
# musl's libc.a for a static link) for each combination of flags an
# executable is linked with, and keeps it in its global cache. CMake's checks
# link test executables without the build's flags: a set of that runtime
# (about 100 s of CPU time) that no target of the build links. So the checks
# only compile: the compiler is identified from an object (that is what a
# COMPILER_TARGET makes CMake try first; the wrappers pass the same target)
# and the ABI and feature checks build static libraries.
set(CMAKE_C_COMPILER_TARGET x86_64-linux-musl)
set(CMAKE_CXX_COMPILER_TARGET x86_64-linux-musl)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Never pick up the host's glibc headers or libraries.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_FIND_ROOT_PATH /nonexistent-musl-sysroot)

# zig links libc++ statically into shared libraries by itself.
set(SOCKSHIM_PRELOAD_LINK_FLAGS "")
# Test programs run under Debian's musl loader.
set(CMAKE_CROSSCOMPILING_EMULATOR "")
# Executables are linked dynamically against musl by zig-musl-tool.
# Debian's python3, curl, redis-server and nginx are glibc programs.
set(SOCKSHIM_TEST_HOST_PROGRAMS OFF CACHE BOOL "" FORCE)
