"""The Python side of the Java binding's interop test (InteropTests.java):
connects to the SOCK_SEQPACKET abstract address named by argv[1], receives
"to-peer" with a descriptor through the Python binding and writes "written
by python" into it, then sends "to-java" with its own pipe's write end and
checks that Java wrote "written by java" into it. Prints "peer ok"."""

import os
import socket
import sys

import rmsg

name = sys.argv[1].encode()
with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
    s.connect(b"\0" + name)
    with rmsg.receive(s, 64) as m:
        assert m.data == b"to-peer", m.data
        rights = [i for i in m.items if isinstance(i, rmsg.Rights)]
        assert len(rights) == 1 and len(rights[0].fds) == 1, m.items
        fd = rights[0].fds[0].detach()
    os.write(fd, b"written by python")
    os.close(fd)
    r, w = os.pipe()
    rmsg.send(s, b"to-java", [w])
    os.close(w)
    got = b""
    while True:
        chunk = os.read(r, 4096)
        if not chunk:
            break
        got += chunk
    os.close(r)
    assert got == b"written by java", got
print("peer ok")
