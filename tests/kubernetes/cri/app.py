# SPDX-License-Identifier: Apache-2.0
# The application of scripts/test-cri's app image (/usr/local/bin/sockshim-test-app),
# an unmodified program as far as sockshim is concerned.
#
#   app.py serve [PORT]    listens on PORT (8080), connects a socket of its
#                          own to it, writes what the kernel says of that
#                          connecting socket to /tmp/readback (one line),
#                          and holds both open, accepting more connections.
#   app.py connect PORT    connects to 127.0.0.1:PORT and prints the same
#                          line for its socket (a probe run with ExecSync).
import os
import socket
import sys


def readback(sock):
    option = sock.getsockopt
    return "keepalive=%d idle=%d interval=%d count=%d user_timeout=%d" % (
        option(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
        option(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
        option(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
        option(socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
        option(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT))


def connect(port):
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.connect(("127.0.0.1", port))
    return client


mode = sys.argv[1] if len(sys.argv) > 1 else "serve"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 8080
if mode == "connect":
    print(readback(connect(port)))
    sys.exit(0)
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("0.0.0.0", port))
listener.listen(16)
client = connect(port)
held = [client, listener.accept()[0]]
with open("/tmp/readback.tmp", "w") as f:
    f.write(readback(client) + "\n")
os.rename("/tmp/readback.tmp", "/tmp/readback")
print(readback(client), flush=True)
while True:
    held.append(listener.accept()[0])
