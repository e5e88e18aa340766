"""Batch receive: ``rmsg.recvmsg_batch`` returns, for every message, what
``sock.recvmsg`` returns for it (the same traffic is sent twice, once for
CPython's method called per message, once for the batch), and
``rmsg.receive_batch`` the ``Message`` objects ``rmsg.receive`` makes. A
failure after the syscall closes every descriptor of the batch (the
autouse fixture checks that nothing is left open)."""

import array
import os
import socket
import threading
import time

import pytest

import rmsg
from test_differential import normalize

INT = array.array("i").itemsize


def send_fds(sock, data, fds):
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
    sock.sendmsg([data], anc)


def traffic(b, pipe):
    """Six datagrams of different shapes; sent once per call."""
    send_fds(b, b"first", [])
    send_fds(b, b"two fds", [pipe[0], pipe[1]])
    send_fds(b, b"", [])
    send_fds(b, b"a longer datagram than the buffer", [pipe[0]])
    send_fds(b, b"five", [pipe[1]] * 5)
    send_fds(b, b"last", [])


@pytest.mark.parametrize("ancbufsize", [0, socket.CMSG_SPACE(INT), socket.CMSG_SPACE(2 * INT), 256])
@pytest.mark.parametrize("flags", [0, socket.MSG_TRUNC])
def test_batch_equals_recvmsg_per_message(unix_pair, pipe, ancbufsize, flags):
    a, b = unix_pair
    a.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    traffic(b, pipe)
    want = [normalize(a.recvmsg(16, ancbufsize, flags)) for _ in range(6)]
    traffic(b, pipe)
    got = [normalize(r) for r in rmsg.recvmsg_batch(a, 32, 16, ancbufsize, flags)]
    assert got == want


def test_batch_takes_at_most_count(unix_pair):
    a, b = unix_pair
    for i in range(10):
        b.send(b"m%d" % i)
    first = rmsg.recvmsg_batch(a, 4, 8)
    assert [r[0] for r in first] == [b"m0", b"m1", b"m2", b"m3"]
    rest = rmsg.recvmsg_batch(a, 32, 8)
    assert [r[0] for r in rest] == [b"m%d" % i for i in range(4, 10)]


def test_batch_addresses_and_udp_options(udp4):
    r, s = udp4
    r.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_PKTINFO", 8), 1)
    r.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_RECVTTL", 12), 1)
    others = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(3)]
    try:
        for round_ in range(2):
            for o in others:
                o.sendto(b"from", r.getsockname())
        want = [r.recvmsg(16, 64) for _ in range(3)]
        got = rmsg.recvmsg_batch(r, 8, 16, 64)
        assert got == want
        assert [g[3][1] for g in got] == [o.getsockname()[1] for o in others]
    finally:
        for o in others:
            o.close()


def test_batch_blocks_for_the_first_then_takes_what_is_queued(unix_pair):
    a, b = unix_pair

    def later():
        b.send(b"one")
        b.send(b"two")

    t = threading.Timer(0.2, later)
    t.start()
    try:
        got = rmsg.recvmsg_batch(a, 8, 8)  # the GIL is released meanwhile
    finally:
        t.join()
    assert got[0][0] == b"one" and 1 <= len(got) <= 2


def test_batch_timeout_and_nonblocking(unix_pair):
    a, _ = unix_pair
    a.settimeout(0)
    with pytest.raises(BlockingIOError):
        rmsg.recvmsg_batch(a, 8, 8)
    a.settimeout(0.2)
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        rmsg.recvmsg_batch(a, 8, 8)
    assert time.monotonic() - t0 >= 0.19


def test_batch_failure_closes_every_descriptor(tmp_path, pipe, failing_address_format):
    rx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    tx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    with rx, tx:
        rx.bind(str(tmp_path / "rx"))
        tx.bind(str(tmp_path / "tx"))
        tx.connect(str(tmp_path / "rx"))
        for _ in range(4):
            send_fds(tx, b"fds", [pipe[0], pipe[1]])
        with pytest.raises(failing_address_format):
            rmsg.recvmsg_batch(rx, 8, 16, 64)
        # All four messages were received and all eight descriptors closed.
        rx.setblocking(False)
        with pytest.raises(BlockingIOError):
            rx.recv(16)


def test_typed_batch(unix_pair, pipe):
    a, b = unix_pair
    a.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    for i in range(3):
        rmsg.send(b, b"t%d" % i, [pipe[0]] * (i + 1))
    msgs = rmsg.receive_batch(a, 8, 16)
    try:
        assert [m.data for m in msgs] == [b"t0", b"t1", b"t2"]
        assert [len(m.fds) for m in msgs] == [1, 2, 3]
        for m in msgs:
            assert m.get(rmsg.Credentials).pid == os.getpid()
            assert not m.control_truncated
            for f in m.fds:
                st_a, st_b = os.fstat(f.fileno()), os.fstat(pipe[0])
                assert (st_a.st_dev, st_a.st_ino) == (st_b.st_dev, st_b.st_ino)
    finally:
        for m in msgs:
            m.close()


def test_typed_batch_failure_closes_every_descriptor(unix_pair, pipe, monkeypatch):
    a, b = unix_pair
    for _ in range(3):
        rmsg.send(b, b"x", [pipe[0], pipe[1]])
    real = rmsg._typed._decode
    calls = []

    class Boom(Exception):
        pass

    def broken(m, index, view, fds):
        calls.append(index)
        if len(calls) == 2:
            raise Boom()  # in the second message, after the first was built
        return real(m, index, view, fds)

    monkeypatch.setattr(rmsg._typed, "_decode", broken)
    with pytest.raises(Boom):
        rmsg.receive_batch(a, 8, 16)


def test_batch_keyword_and_count_errors(unix_pair):
    a, _ = unix_pair
    a.setblocking(False)
    with pytest.raises(TypeError, match="recvmsg_batch"):
        rmsg.recvmsg_batch(a, 4)
    with pytest.raises(TypeError, match="unexpected keyword"):
        rmsg.recvmsg_batch(a, 4, 16, nope=1)
    with pytest.raises(BlockingIOError):
        rmsg.recvmsg_batch(a, count=4, bufsize=16, cloexec=False)
    with pytest.raises(ValueError, match="count"):
        rmsg.recvmsg_batch(a, 0, 16)
