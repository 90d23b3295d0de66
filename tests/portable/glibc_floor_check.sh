#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# glibc_floor_check.sh LIBRARY [FLOOR]
# Fails unless LIBRARY loads under every glibc from FLOOR (default 2.17) on:
# no symbol version above FLOOR, and no needed library but libc.so.6. Every
# glibc ships libdl.so.2 and libpthread.so.0 too, but needing them makes
# every process that preloads the library load them (shim/libc_link_stub.c).
set -u
library=$1
floor=${2:-2.17}
[ -r "$library" ] || { echo "FAIL: $library does not exist (scripts/common.sh: build_portable)"; exit 1; }
status=0

highest=$(objdump -T "$library" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
if [ -z "$highest" ]; then
  echo "FAIL: objdump -T shows no GLIBC_ version in $library"
  status=1
elif [ "$(printf '%s\n%s\n' "$highest" "$floor" | sort -V | tail -1)" != "$floor" ]; then
  echo "FAIL: $library requires GLIBC_$highest, above GLIBC_$floor:"
  objdump -T "$library" | grep -E "GLIBC_$highest( |\))"
  status=1
else
  echo "ok: highest required symbol version GLIBC_$highest (floor GLIBC_$floor)"
fi

needed=$(readelf -d "$library" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
[ -n "$needed" ] || { echo "FAIL: readelf -d shows no NEEDED entry"; status=1; }
for name in $needed; do
  case "$name" in
    libc.so.6) ;;
    libdl.so.2 | libpthread.so.0)
      echo "FAIL: $library needs $name, which every process that preloads it would then load"
      status=1 ;;
    *) echo "FAIL: $library needs $name, which is not part of glibc"; status=1 ;;
  esac
done
[ $status -eq 0 ] && echo "ok: needs only" $needed
exit $status
