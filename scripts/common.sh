# Shared by the README's commands: package installation and the builds.
# Sourced, not run.

SOCKSHIM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GLIBC_BUILD_DIR=${GLIBC_BUILD_DIR:-$SOCKSHIM_ROOT/build}
MUSL_BUILD_DIR=${MUSL_BUILD_DIR:-$SOCKSHIM_ROOT/build-musl}

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

BUILD_PACKAGES=(cmake ninja-build g++ libtomlplusplus-dev libgtest-dev libgmock-dev googletest
                binutils python3 curl iproute2)

build_glibc() {
  log "building (glibc) in $GLIBC_BUILD_DIR"
  cmake -S "$SOCKSHIM_ROOT" -B "$GLIBC_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$GLIBC_BUILD_DIR"
}
