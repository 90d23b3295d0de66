# SPDX-License-Identifier: Apache-2.0
"""An ordinary python3 client that talks to an echo server now and then.

    python3 idle_client.py chat HOST PORT IDLE_S [--wait-end] [--answer-wait S]
        exchange a byte, stay idle IDLE_S seconds, then send a byte and wait
        up to S seconds (default 3) for its echo; prints "connected", then one of
        "after idle: alive", "after idle: no answer",
        "after idle: write failed: ERRNO", "after idle: read failed: ERRNO".
        With --wait-end, a connection still alive then waits in recv() and
        prints "ended: ERRNO after_ms=N" when the kernel gives up on it.
    python3 idle_client.py inflight HOST PORT
        exchange a byte; on a line (or the end) of stdin, send 16 KiB and
        wait for an answer; prints "connected", then
        "recv result=-1 errno=ERRNO after_ms=N" (or "recv result=N ...").

The same output as peer_program's `chat`, so one test reads both. Nothing
here touches a socket option: whatever the connection gets, it gets from
outside.
"""
import errno
import socket
import sys
import time


def name(error):
    return errno.errorcode.get(error.errno, str(error)) if error.errno else str(error)


def connect(host, port):
    sock = socket.create_connection((host, int(port)))
    sock.sendall(b"x")
    sock.recv(1)
    print("connected", flush=True)
    return sock


def chat(host, port, idle_s, wait_end, answer_wait_s):
    sock = connect(host, port)
    time.sleep(float(idle_s))
    try:
        sock.sendall(b"x")
    except OSError as error:
        print(f"after idle: write failed: {name(error)}", flush=True)
        return
    sock.settimeout(answer_wait_s)
    try:
        answer = sock.recv(1)
    except socket.timeout:
        print("after idle: no answer", flush=True)
        return
    except OSError as error:
        print(f"after idle: read failed: {name(error)}", flush=True)
        return
    print("after idle: alive" if answer else "after idle: closed by peer", flush=True)
    if answer and wait_end:
        sock.settimeout(None)
        start = time.monotonic()
        try:
            sock.recv(1)
            print("ended: closed by peer", flush=True)
        except OSError as error:
            print(f"ended: {name(error)} after_ms={int((time.monotonic() - start) * 1000)}", flush=True)


def inflight(host, port):
    sock = connect(host, port)
    sys.stdin.readline()
    start = time.monotonic()
    sock.sendall(b"x" * 16384)
    after_ms = lambda: int((time.monotonic() - start) * 1000)
    try:
        print(f"recv result={len(sock.recv(1))} errno=- after_ms={after_ms()}", flush=True)
    except OSError as error:
        print(f"recv result=-1 errno={name(error)} after_ms={after_ms()}", flush=True)


if __name__ == "__main__":
    options = sys.argv[5:]
    answer_wait_s = 3.0
    if options[-2:-1] == ["--answer-wait"]:
        answer_wait_s = float(options[-1])
        options = options[:-2]
    if sys.argv[1:2] == ["chat"] and len(sys.argv) >= 5 and options in ([], ["--wait-end"]):
        chat(*sys.argv[2:5], wait_end=options == ["--wait-end"], answer_wait_s=answer_wait_s)
    elif sys.argv[1:2] == ["inflight"] and len(sys.argv) == 4:
        inflight(*sys.argv[2:4])
    else:
        sys.exit(__doc__)
