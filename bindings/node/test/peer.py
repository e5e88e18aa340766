"""A peer process for test/fds.test.js, on the Python binding: its
descriptor 3 is one end of an AF_UNIX datagram socket pair. It receives
"ping" with one descriptor, writes "pong:python" into it, then sends
"reply" with the read end of a pipe holding "back:python"."""
import os
import socket

import rmsg

sock = socket.socket(fileno=3)
sock.setblocking(True)
with rmsg.receive(sock, 1024) as ping:
    assert ping.data == b"ping", ping.data
    fd = ping.fds[0].detach()
os.write(fd, b"pong:python")
os.close(fd)
r, w = os.pipe()
os.write(w, b"back:python")
os.close(w)
rmsg.send(sock, b"reply", [r])
os.close(r)
sock.close()
