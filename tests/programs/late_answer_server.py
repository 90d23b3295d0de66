# SPDX-License-Identifier: Apache-2.0
"""An HTTP server that answers each request after a delay, like a long poll.

    python3 late_answer_server.py ADDR PORT DELAY_S

Prints "listening", then "request" for each request as it comes (the
connection is idle from then on), and answers it with "alive\\n" DELAY_S
seconds later.
"""
import socket
import sys
import threading
import time


def answer(connection, delay_s):
    with connection:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = connection.recv(4096)
            if not chunk:
                return
            request += chunk
        print("request", flush=True)
        time.sleep(delay_s)
        try:
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nalive\n")
        except OSError:
            pass


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((sys.argv[1], int(sys.argv[2])))
    listener.listen()
    print("listening", flush=True)
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=answer, args=(connection, float(sys.argv[3])), daemon=True).start()


main()
