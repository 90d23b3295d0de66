#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# no_iostreams_check.sh LIBRARY
# Fails when LIBRARY (unstripped) carries the C++ library's iostreams or
# locales: every process that preloads it pays at load for their
# relocations and symbol lookups, and the config reader needs none of them
# (config/plain_float.h).
set -u
library=$1
[ -r "$library" ] || { echo "FAIL: $library does not exist"; exit 1; }
symbols=$(nm -C "$library" 2>/dev/null) || { echo "FAIL: nm cannot read $library"; exit 1; }
[ -n "$symbols" ] || { echo "FAIL: nm shows no symbol in $library (stripped?)"; exit 1; }
found=$(printf '%s\n' "$symbols" | grep -E 'std::(__1::)?(locale|ios_base|basic_istream|basic_ostream|basic_stringbuf|money_get|time_get)' | head -5)
if [ -n "$found" ]; then
  echo "FAIL: $library carries iostreams or locales, for example:"
  printf '%s\n' "$found"
  exit 1
fi
echo "ok: no iostreams or locales in $library"
