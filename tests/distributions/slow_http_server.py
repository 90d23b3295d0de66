# SPDX-License-Identifier: Apache-2.0
# slow_http_server.py PORT_FILE: an HTTP server for one request on a free
# loopback port (written to PORT_FILE), which holds the connection 1.5 s
# before answering "ok", so that ss can see the client's socket meanwhile.
import socket
import sys
import time

server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(1)
server.settimeout(10)
with open(sys.argv[1], "w") as port_file:
    port_file.write(str(server.getsockname()[1]))
try:
    connection, _ = server.accept()
except socket.timeout:
    raise SystemExit("no connection")
time.sleep(1.5)
connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
connection.close()
