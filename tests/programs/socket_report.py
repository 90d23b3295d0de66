# SPDX-License-Identifier: Apache-2.0
"""Opens a loopback listener, connects to it and accepts, then prints what the
kernel reports for each socket, in sockprobe's format (with --hold, keeps
them open until stdin closes). Plain Python: it knows nothing of sockshim."""
import socket
import sys

def report(label, sock):
    tcp = socket.IPPROTO_TCP
    values = {
        "keepalive": sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
        "idle": sock.getsockopt(tcp, socket.TCP_KEEPIDLE),
        "interval": sock.getsockopt(tcp, socket.TCP_KEEPINTVL),
        "count": sock.getsockopt(tcp, socket.TCP_KEEPCNT),
        "rcvbuf": sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF),
        "sndbuf": sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF),
        "user_timeout": sock.getsockopt(tcp, socket.TCP_USER_TIMEOUT),
        "nodelay": sock.getsockopt(tcp, socket.TCP_NODELAY),
    }
    print(label, " ".join(f"{k}={v}" for k, v in values.items()))

family = socket.AF_INET6 if "-6" in sys.argv else socket.AF_INET
host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
with socket.socket(family, socket.SOCK_STREAM) as listener:
    listener.bind((host, 0))
    listener.listen()
    with socket.create_connection(listener.getsockname()[:2]) as client:
        accepted, _ = listener.accept()
        with accepted:
            report("listener", listener)
            report("client", client)
            report("accepted", accepted)
            if "--hold" in sys.argv:  # keep the sockets open until stdin closes
                sys.stdout.flush()
                sys.stdin.read()
