# Cross build for x86_64-linux-musl with zig (musl and libc++ bundled).
# Used by scripts/test through scripts/build-musl; the zig binary comes from
# toolchains/zig (npm ci), or SOCKSHIM_ZIG names another one.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(CMAKE_C_COMPILER ${CMAKE_CURRENT_LIST_DIR}/zig-musl-cc)
set(CMAKE_CXX_COMPILER ${CMAKE_CURRENT_LIST_DIR}/zig-musl-c++)
set(CMAKE_AR ${CMAKE_CURRENT_LIST_DIR}/zig-musl-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${CMAKE_CURRENT_LIST_DIR}/zig-musl-ranlib CACHE FILEPATH "")

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
