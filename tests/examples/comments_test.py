#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The numbers in each example config's comments against its values.

Sentences of these forms, in any examples/*.toml, are checked against the
file's top-level [keepalive] and [tcp] values:
  "idle + interval x count = A + B x C = D s"  A, B, C the values, D their sum
  "a probe after every N s of silence"          N = keepalive idle
  "every N s while unanswered"                  N = keepalive interval
  "a probe every N s"                           N = keepalive interval
  "user_timeout = N s"                          N = tcp.user_timeout
A file with no such sentence is reported as not checked, not as a failure.

  comments_test.py EXAMPLES_DIR
"""
import pathlib
import re
import sys
import tomllib


def seconds(value):
    if isinstance(value, int):
        return value
    number, unit = re.fullmatch(r"(\d+)(ms|s|m|h)", value).groups()
    return int(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]


def check(path):
    text = path.read_text()
    comments = " ".join(line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("#"))
    config = tomllib.loads(text)
    keepalive = config.get("keepalive", {})
    values = {
        "idle": keepalive.get("idle"),
        "interval": keepalive.get("interval"),
        "count": keepalive.get("count"),
        "user_timeout": config.get("tcp", {}).get("user_timeout"),
    }
    values = {key: seconds(value) for key, value in values.items() if value is not None}
    failures, checked = [], 0

    def expect(sentence, key, stated):
        nonlocal checked
        checked += 1
        if key not in values:
            failures.append(f"{path.name}: \"{sentence}\" but the file sets no {key}")
        elif values[key] != stated:
            failures.append(f"{path.name}: \"{sentence}\" but {key} is {values[key]} s")

    for match in re.finditer(r"idle \+ interval x count = (\d+) \+ (\d+) x (\d+) = (\d+) s", comments):
        idle, interval, count, total = map(int, match.groups())
        expect(match.group(0), "idle", idle)
        expect(match.group(0), "interval", interval)
        expect(match.group(0), "count", count)
        if idle + interval * count != total:
            failures.append(f"{path.name}: \"{match.group(0)}\": the sum is {idle + interval * count}")
    for match in re.finditer(r"probe after every (\d+) s of silence", comments, re.I):
        expect(match.group(0), "idle", int(match.group(1)))
    for match in re.finditer(r"every (\d+) s while unanswered", comments, re.I):
        expect(match.group(0), "interval", int(match.group(1)))
    for match in re.finditer(r"\bprobe every (\d+) s", comments, re.I):
        expect(match.group(0), "interval", int(match.group(1)))
    for match in re.finditer(r"user_timeout = (\d+) s", comments):
        expect(match.group(0), "user_timeout", int(match.group(1)))
    return failures, checked


def main():
    failures, total = [], 0
    for path in sorted(pathlib.Path(sys.argv[1]).glob("*.toml")):
        found, checked = check(path)
        failures += found
        total += checked
        print(f"{path.name}: {checked} numbers checked" if checked else f"{path.name}: no checkable sentence")
    for failure in failures:
        print("FAIL:", failure)
    if total == 0:
        failures.append("no sentence checked in any example")
        print("FAIL: no sentence checked in any example")
    return 1 if failures else 0


sys.exit(main())
