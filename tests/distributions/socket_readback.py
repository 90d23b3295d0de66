# SPDX-License-Identifier: Apache-2.0
# Run by the distribution's own python3 (tests/distributions/run): connects
# a TCP socket to a listener in the same process and prints what the kernel
# says of the connecting socket, one line, for the caller to compare with
# the config it preloaded libsockshim.so with.
import socket

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(("127.0.0.1", 0))
listener.listen(1)
client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(listener.getsockname())
accepted, _ = listener.accept()


def option(level, name):
    return client.getsockopt(level, name)


print("keepalive=%d idle=%d interval=%d count=%d rcvbuf=%d sndbuf=%d" % (
    option(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
    option(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
    option(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
    option(socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
    option(socket.SOL_SOCKET, socket.SO_RCVBUF),
    option(socket.SOL_SOCKET, socket.SO_SNDBUF)))
