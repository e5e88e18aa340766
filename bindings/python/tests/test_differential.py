"""Differential tests: the same traffic is sent twice; one copy is received
with CPython's own socket method, the other with rmsg, and the results
(values, types, shapes, warnings, exceptions) must be identical. Received
descriptors differ by number, so they are compared by what they refer to
(st_dev, st_ino of fstat) and then closed."""

import array
import contextlib
import os
import socket
import struct
import tempfile
import warnings

import pytest

import rmsg

INT = array.array("i").itemsize


# --- helpers ----------------------------------------------------------------


def fd_identity(fd):
    st = os.fstat(fd)
    return (st.st_dev, st.st_ino)


def is_rights(level, kind):
    return level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS


def normalize(result):
    """Replaces the descriptors in SCM_RIGHTS items by their identities and
    closes them; checks the types of every field on the way."""
    first, anc, flags, addr = result
    assert isinstance(anc, list)
    assert type(flags) is int
    out = []
    for item in anc:
        assert type(item) is tuple and len(item) == 3
        level, kind, data = item
        assert type(level) is int and type(kind) is int and type(data) is bytes
        if is_rights(level, kind):
            fds = array.array("i")
            fds.frombytes(data[: len(data) - len(data) % INT])
            ids = []
            for fd in fds:
                ids.append(fd_identity(fd))
                os.close(fd)
            out.append((level, kind, len(data), tuple(ids)))
        else:
            out.append(item)
    return (first, out, flags, addr)


def record(fn):
    """Calls fn with every warning recorded; returns (outcome, warnings)
    where outcome is ("ok", value) or ("raise", type, args)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            outcome = ("ok", fn())
        except Exception as e:  # compared, not swallowed
            outcome = ("raise", type(e), e.args)
    return outcome, [(w.category, str(w.message)) for w in caught]


def compare(cpython_fn, rmsg_fn, norm=normalize):
    want, want_w = record(cpython_fn)
    got, got_w = record(rmsg_fn)
    if want[0] == "ok":
        want = ("ok", norm(want[1]))
    if got[0] == "ok":
        got = ("ok", norm(got[1]))
    assert got == want
    assert got_w == want_w
    return want, want_w


@contextlib.contextmanager
def closing_all(*socks):
    try:
        yield socks
    finally:
        for s in socks:
            s.close()


def send_fds(sock, data, fds, addr=None):
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
    if addr is None:
        return sock.sendmsg([data], anc)
    return sock.sendmsg([data], anc, 0, addr)


def compare_recvmsg(sock, *args):
    """compare() of ``sock.recvmsg(*args)`` and ``rmsg.recvmsg(sock, *args)``."""
    return compare(lambda: sock.recvmsg(*args), lambda: rmsg.recvmsg(sock, *args))


def unix_socketpair(kind):
    a, b = socket.socketpair(socket.AF_UNIX, kind)
    return a, b


# --- AF_UNIX with descriptors ------------------------------------------------


@pytest.mark.parametrize("kind", [socket.SOCK_STREAM, socket.SOCK_DGRAM])
def test_unix_fds(kind, pipe):
    a, b = unix_socketpair(kind)
    with closing_all(a, b):
        for ancbufsize in (0, socket.CMSG_SPACE(2 * INT), 1024):
            for _ in range(2):
                send_fds(b, b"hello", list(pipe))
            compare_recvmsg(a, 5, ancbufsize)


def test_unix_fds_and_credentials_every_truncation(pipe):
    a, b = unix_socketpair(socket.SOCK_DGRAM)
    with closing_all(a, b):
        a.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        full = socket.CMSG_SPACE(3 * INT) + socket.CMSG_SPACE(12)
        for ancbufsize in range(0, full + 2 * socket.CMSG_SPACE(0)):
            for _ in range(2):
                send_fds(b, b"payload", [pipe[0], pipe[1], pipe[0]])
            (outcome, value), _ = compare_recvmsg(a, 100, ancbufsize)
            assert outcome == "ok"


def test_two_rights_items_in_one_message(pipe):
    a, b = unix_socketpair(socket.SOCK_DGRAM)
    with closing_all(a, b):
        anc = [
            (socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [pipe[0]])),
            (socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [pipe[1], pipe[0]])),
        ]
        for ancbufsize in range(0, 3 * socket.CMSG_SPACE(3 * INT)):
            for _ in range(2):
                b.sendmsg([b"x"], anc)
            compare_recvmsg(a, 10, ancbufsize)


def test_peek_installs_descriptors_again(pipe):
    a, b = unix_socketpair(socket.SOCK_DGRAM)
    with closing_all(a, b):
        send_fds(b, b"peek", [pipe[0]])
        want = normalize(a.recvmsg(10, 64, socket.MSG_PEEK))
        got = normalize(rmsg.recvmsg(a, 10, 64, socket.MSG_PEEK))
        assert got == want
        # The message is still there for a real receive.
        final = normalize(rmsg.recvmsg(a, 10, 64))
        assert final == want


def test_recv_fds(pipe):
    a, b = unix_socketpair(socket.SOCK_DGRAM)
    with closing_all(a, b):

        def norm(r):
            data, fds, flags, addr = r
            ids = [fd_identity(fd) for fd in fds]
            for fd in fds:
                os.close(fd)
            return data, ids, flags, addr

        for maxfds in (0, 1, 2, 3):
            for _ in range(2):
                send_fds(b, b"fds", [pipe[0], pipe[1]])
            compare(
                lambda: socket.recv_fds(a, 10, maxfds),
                lambda: rmsg.recv_fds(a, 10, maxfds),
                norm,
            )


def test_recvmsg_into(pipe):
    a, b = unix_socketpair(socket.SOCK_DGRAM)
    with closing_all(a, b):
        layouts = [[1, 2, 3], [0], [], [10], [2, 0, 100]]
        for sizes in layouts:
            for ancbufsize in (0, socket.CMSG_LEN(INT), socket.CMSG_SPACE(2 * INT)):
                for _ in range(2):
                    send_fds(b, b"abcdefgh", [pipe[0], pipe[1]])
                bufs_c = [bytearray(n) for n in sizes]
                bufs_r = [bytearray(n) for n in sizes]
                compare(
                    lambda: a.recvmsg_into(bufs_c, ancbufsize),
                    lambda: rmsg.recvmsg_into(a, bufs_r, ancbufsize),
                )
                assert bufs_r == bufs_c


def test_recvmsg_into_other_buffer_types():
    a, b = unix_socketpair(socket.SOCK_DGRAM)
    with closing_all(a, b):
        for _ in range(2):
            b.send(b"0123456789abcdef")
        arr_c, arr_r = array.array("i", [0, 0]), array.array("i", [0, 0])
        mv_c, mv_r = memoryview(bytearray(20))[4:9], memoryview(bytearray(20))[4:9]
        compare(
            lambda: a.recvmsg_into((arr_c, mv_c)),
            lambda: rmsg.recvmsg_into(a, (arr_r, mv_r)),
        )
        assert arr_r == arr_c and bytes(mv_r) == bytes(mv_c)


def test_message_truncated_flag():
    a, b = unix_socketpair(socket.SOCK_DGRAM)
    with closing_all(a, b):
        for flags in (0, socket.MSG_TRUNC):
            for _ in range(2):
                b.send(b"a long datagram")
            compare_recvmsg(a, 4, 0, flags)
            for _ in range(2):
                b.send(b"a long datagram")
            compare(
                lambda: a.recvmsg_into([bytearray(3)], 0, flags),
                lambda: rmsg.recvmsg_into(a, [bytearray(3)], 0, flags),
            )


# --- addresses ----------------------------------------------------------------


def test_unix_addresses():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "src")
        name = "\0rmsg-test-%d" % os.getpid()
        dst = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        dst.bind(name + "-dst")
        senders = []
        try:
            s1 = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            senders.append(s1)
            s1.bind(path)
            s2 = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            senders.append(s2)
            s2.bind(name + "-src")
            s3 = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)  # unbound
            senders.append(s3)
            s4 = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)  # autobind
            senders.append(s4)
            s4.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
            for s in senders:
                for _ in range(2):
                    s.sendto(b"a", name + "-dst")
                (_, value), _ = compare_recvmsg(dst, 4)
            # A connected stream gives no address.
            a, b = unix_socketpair(socket.SOCK_STREAM)
            with closing_all(a, b):
                for _ in range(2):
                    b.send(b"z")
                compare_recvmsg(a, 1)
        finally:
            dst.close()
            for s in senders:
                s.close()


def test_tcp_gives_no_address():
    ls = socket.socket()
    with closing_all(ls):
        ls.bind(("127.0.0.1", 0))
        ls.listen()
        c = socket.create_connection(ls.getsockname())
        s, _ = ls.accept()
        with closing_all(c, s):
            for _ in range(2):
                c.send(b"t")
            compare_recvmsg(s, 1)


# --- UDP with IP and IPv6 options ---------------------------------------------


def udp_pair(family, host):
    rx = socket.socket(family, socket.SOCK_DGRAM)
    tx = socket.socket(family, socket.SOCK_DGRAM)
    rx.bind((host, 0))
    tx.bind((host, 0))
    return rx, tx


def ipv6_available():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    except OSError:
        return False
    try:
        s.bind(("::1", 0))
        return True
    except OSError:
        return False
    finally:
        s.close()


def udp_truncations(rx, tx, full):
    for ancbufsize in range(0, full + 24):
        for _ in range(2):
            tx.sendto(b"datagram", rx.getsockname())
        (outcome, _), _ = compare_recvmsg(rx, 64, ancbufsize)
        assert outcome == "ok"


def test_udp4_options_every_truncation():
    rx, tx = udp_pair(socket.AF_INET, "127.0.0.1")
    with closing_all(rx, tx):
        # Linux numbers: Python 3.11 lacks some of these names.
        rx.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_PKTINFO", 8), 1)
        rx.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_RECVTTL", 12), 1)
        rx.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_RECVTOS", 13), 1)
        tx.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0x20)
        # in_pktinfo is 12 bytes, TTL an int, TOS a byte.
        full = socket.CMSG_SPACE(12) + socket.CMSG_SPACE(4) + socket.CMSG_SPACE(1)
        udp_truncations(rx, tx, full)


@pytest.mark.skipif(not ipv6_available(), reason="no IPv6 loopback")
def test_udp6_options_every_truncation():
    rx, tx = udp_pair(socket.AF_INET6, "::1")
    with closing_all(rx, tx):
        for opt in ("IPV6_RECVHOPLIMIT", "IPV6_RECVTCLASS", "IPV6_RECVPKTINFO"):
            rx.setsockopt(socket.IPPROTO_IPV6, getattr(socket, opt), 1)
        tx.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, 0x28)
        # in6_pktinfo is 20 bytes; hop limit and traffic class are ints.
        full = socket.CMSG_SPACE(20) + 2 * socket.CMSG_SPACE(4)
        udp_truncations(rx, tx, full)
        # And the address with flow information and scope id.
        for _ in range(2):
            tx.sendto(b"x", rx.getsockname())
        (_, value), _ = compare_recvmsg(rx, 4)
        assert len(value[3]) == 4


# --- arguments and errors ------------------------------------------------------

BAD_RECVMSG_ARGS = [
    (-1,),
    (-1, -1),
    (-1, 1.0),
    (1, -1),
    (1, 2**31),
    (1, 2**31 - 1, socket.MSG_DONTWAIT),
    (1.0,),
    ("x",),
    (None,),
    (2**63,),
    (-(2**63) - 1,),
    (1, 0, 2**31),
    (1, 0, -(2**31) - 1),
    (1, 0, 2**63),
    (1, 0, 1.0),
    (1, 1.0),
    (0,),
    (1, 0, socket.MSG_DONTWAIT),
    (2**62,),
]


@pytest.mark.parametrize("args", BAD_RECVMSG_ARGS)
def test_recvmsg_argument_errors(args):
    a, b = unix_socketpair(socket.SOCK_DGRAM)
    with closing_all(a, b):
        a.setblocking(False)
        compare_recvmsg(a, *args)


BAD_INTO_ARGS = [
    (5,),
    ([b"x"],),
    ([b"x"], -1),
    ([memoryview(bytearray(8))[::2]],),
    ([bytearray(1)], -1),
    ([bytearray(1)], 2**31),
    ([bytearray(1)], 0, 1.5),
    ([bytearray(1)], 0, 2**31),
    ("ab",),
    ([1],),
    (iter([bytearray(1)]), 0, socket.MSG_DONTWAIT),
    ([bytearray(0)], 2**31 - 1),
    ([],),
]


@pytest.mark.parametrize("args", BAD_INTO_ARGS)
def test_recvmsg_into_argument_errors(args):
    a, b = unix_socketpair(socket.SOCK_DGRAM)
    with closing_all(a, b):
        a.setblocking(False)
        compare(lambda: a.recvmsg_into(*args), lambda: rmsg.recvmsg_into(a, *args))


@pytest.mark.parametrize(
    "n", [-1, 0, 1, 4, 7, 8, 2**31 - 1 - 16, 2**31 - 16, 2**31 - 24, 2**31 - 25,
          2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**70), 1.0, "1", True]
)
def test_cmsg_len_space(n):
    for name in ("CMSG_LEN", "CMSG_SPACE"):
        compare(
            lambda: getattr(socket, name)(n),
            lambda: getattr(rmsg, name)(n),
            norm=lambda v: (v, type(v)),
        )


def test_recv_fds_argument_errors():
    a, b = unix_socketpair(socket.SOCK_DGRAM)
    with closing_all(a, b):
        a.setblocking(False)
        for args in [(1, -1), (-1, 1), (1, 1.0), (1, 2**31)]:
            compare(lambda: socket.recv_fds(a, *args), lambda: rmsg.recv_fds(a, *args))


def test_closed_socket():
    a, b = unix_socketpair(socket.SOCK_DGRAM)
    a.close()
    b.close()
    compare_recvmsg(a, 1)
    compare(
        lambda: a.recvmsg_into([bytearray(1)]),
        lambda: rmsg.recvmsg_into(a, [bytearray(1)]),
    )


def test_not_a_socket_errno():
    # A socket object whose descriptor is really a pipe: ENOTSOCK, as CPython
    # reports it.
    r, w = os.pipe()
    os.close(w)
    fake = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    with closing_all(fake):
        os.dup2(r, fake.fileno())
        os.close(r)
        compare_recvmsg(fake, 1)


def test_stream_end_of_file():
    a, b = unix_socketpair(socket.SOCK_STREAM)
    with closing_all(a):
        b.close()
        compare_recvmsg(a, 4, 64)
