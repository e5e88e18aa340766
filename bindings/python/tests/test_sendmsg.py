"""Differential tests of the send drop-ins: the same call is made with
CPython's own ``sock.sendmsg`` / ``socket.send_fds`` and with
``rmsg.sendmsg`` / ``rmsg.send_fds``; what the receiver gets (data,
ancillary items, flags, source address; descriptors compared by what they
refer to) and what the calls return or raise (type and message) must be
identical."""

import array
import os
import signal
import socket
import threading
import time

import pytest

import rmsg
from test_typed import fill
from test_differential import compare, normalize, record

INT = array.array("i").itemsize


def received(sock, ancbufsize=1024):
    return normalize(sock.recvmsg(4096, ancbufsize))


def compare_send(rx, tx, args, cpython=None, ours=None, ancbufsize=1024):
    """Sends with CPython then with rmsg (``args`` after the socket), and
    compares the outcomes and, when both sent, what arrived."""
    cpython = cpython or (lambda: tx.sendmsg(*args))
    ours = ours or (lambda: rmsg.sendmsg(tx, *args))
    want, want_w = record(cpython)
    got, got_w = record(ours)
    assert got == want
    assert got_w == want_w
    if want[0] == "ok":
        assert received(rx, ancbufsize) == received(rx, ancbufsize)
    return want


# --- identical traffic ------------------------------------------------------------


def test_buffers_of_every_kind(unix_pair):
    a, b = unix_pair
    for buffers in (
        [b"one"],
        [b"ga", bytearray(b"th"), memoryview(b"ered"), array.array("b", [1, 2])],
        [],
        [b""],
        (b"tuple", b"too"),
        iter([b"an ", b"iterator"]),
        [memoryview(b"0123456789")[2:5]],
    ):
        items = list(buffers) if not isinstance(buffers, (list, tuple)) else buffers
        compare_send(a, b, (items,))


def test_fds_and_other_items(unix_pair, pipe):
    a, b = unix_pair
    a.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    r, w = pipe
    creds = array.array("i", [os.getpid(), os.getuid(), os.getgid()])
    for anc in (
        [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [r, w]))],
        [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [r])),
         (socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [w, r]))],
        [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, creds)],
        [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [r]).tobytes()),
         (socket.SOL_SOCKET, socket.SCM_CREDENTIALS, bytearray(creds.tobytes()))],
        [(socket.SOL_SOCKET, socket.SCM_RIGHTS, b"")],
        (),
    ):
        compare_send(a, b, ([b"fds"], anc))
        compare_send(a, b, ([b"fds"], anc, 0))


def test_stream_socket(pipe):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with a, b:
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [pipe[0]]))]
        # A stream merges messages: receive each right after its send.
        for send in (lambda: b.sendmsg([b"st"], anc), lambda: rmsg.sendmsg(b, [b"st"], anc)):
            assert send() == 2
            got = received(a)
            assert got[0] == b"st" and got[1][0][3] and got[2] == 0


def test_udp_destination_and_options(udp4):
    r, s = udp4
    s.bind(("127.0.0.1", 0))
    r.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_RECVTTL", 12), 1)
    r.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
    dest = r.getsockname()
    ttl = array.array("i", [9]).tobytes()
    for args in (
        ([b"to"], [], 0, dest),
        ([b"to"], [(socket.IPPROTO_IP, socket.IP_TTL, ttl)], 0, dest),
        ([b"to"], [], 0, ("localhost", dest[1])),
        ([b"to"], [], 0, (b"127.0.0.1", dest[1])),
        ([b"to"], [], 0, (bytearray(b"127.0.0.1"), dest[1])),
    ):
        compare_send(r, s, args)


def test_udp6_destination(udp6):
    r, s = udp6
    s.bind(("::1", 0))
    port = r.getsockname()[1]
    for address in (("::1", port), ("::1", port, 0), ("::1", port, 5, 0), ("::1", port, 2**32)):
        compare_send(r, s, ([b"six"], [], 0, address))


def test_unix_destinations(tmp_path):
    path = str(tmp_path / "rx")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as rx, \
            socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as tx, \
            socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as arx:
        rx.bind(path)
        abstract = b"\0rmsg-sendmsg-%d" % os.getpid()
        arx.bind(abstract)
        tx.bind(str(tmp_path / "tx"))
        for address in (path, os.fsencode(path), bytearray(os.fsencode(path))):
            compare_send(rx, tx, ([b"p"], [], 0, address))
        compare_send(arx, tx, ([b"a"], [], 0, abstract))


def test_send_fds(unix_pair, pipe):
    a, b = unix_pair
    r, w = pipe
    for fds in ([r], [r, w, r], []):
        compare_send(
            a, b, None,
            cpython=lambda: socket.send_fds(b, [b"x", b"y"], fds),
            ours=lambda: rmsg.send_fds(b, [b"x", b"y"], fds),
        )


def test_send_fds_honours_address(tmp_path, pipe):
    # CPython's send_fds ignores flags and address; rmsg's passes them on.
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as rx, \
            socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as tx:
        rx.bind(str(tmp_path / "rx"))
        assert rmsg.send_fds(tx, [b"to"], [pipe[0]], 0, str(tmp_path / "rx")) == 2
        data, anc, flags, addr = received(rx)
        assert data == b"to" and len(anc[0][3]) == 1


# --- arguments and errors ----------------------------------------------------------

BAD_SENDMSG_ARGS = [
    ("x",),
    ([1],),
    (5,),
    ([memoryview(b"abcd")[::2]],),
    ([b"x"], 5),
    ([b"x"], [1]),
    ([b"x"], [(1, 2)]),
    ([b"x"], [(1, 2, 3, 4)]),
    ([b"x"], [(1, 2, "s")]),
    ([b"x"], [("a", 2, b"")]),
    ([b"x"], [(1, 2.0, b"")]),
    ([b"x"], [(2**31, 2, b"")]),
    ([b"x"], [(-(2**31) - 1, 2, b"")]),
    ([b"x"], [(1, 2, memoryview(b"abcd")[::2])]),
    ([b"x"], [socket.SOL_SOCKET]),
    ([b"x"], [], 1.5),
    ([b"x"], [], 2**31),
    ([b"x"], [], 2**64),
    ([b"x"], "bad", 0, 5),
    (5, "bad", 0.5, 5),
    ([b"x"], [], 0, 5),
    ([b"x"], [], 0, "x" * 200),
    ([b"x"], [], 0, "/nonexistent/rmsg"),
    ([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [-1]))]),
    ([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [0] * 254))]),
    ([b"x"], [(socket.SOL_SOCKET, 999, b"")]),
    ([b"x"], [], socket.MSG_OOB),
]


@pytest.mark.parametrize("args", BAD_SENDMSG_ARGS)
def test_sendmsg_argument_errors(unix_pair, args):
    a, b = unix_pair
    compare_send(a, b, args)


BAD_ADDRESSES = [
    5,
    ["127.0.0.1", 9],
    ("127.0.0.1",),
    ("127.0.0.1", 9, 0),
    ("127.0.0.1", 70000),
    ("127.0.0.1", -1),
    ("127.0.0.1", 2**40),
    ("127.0.0.1", "x"),
    ("127.0.0.1", 1.5),
    (5, 5),
    ("no-such-host.invalid", 5),
    ("no-such-host.invalid", 70000),
    ("bad\0host", 5),
]


@pytest.mark.parametrize("address", BAD_ADDRESSES)
def test_sendmsg_bad_inet_addresses(udp4, address):
    r, s = udp4
    compare_send(r, s, ([b"x"], [], 0, address))


@pytest.mark.parametrize("address", [
    ("::1",), ("::1", 1, 2, 3, 4), ("::1", 1, 2**20), ("::1", 1, -1), ("::1", 1.0),
    ("::1", 70000), ["::1", 5], ("<broadcast>", 5),
])
def test_sendmsg_bad_inet6_addresses(udp6, address):
    r, s = udp6
    compare_send(r, s, ([b"x"], [], 0, address))


def test_send_fds_argument_errors(unix_pair):
    a, b = unix_pair
    for fds in ([2**31], ["x"], 5, [1.0]):
        compare(
            lambda: socket.send_fds(b, [b"x"], fds),
            lambda: rmsg.send_fds(b, [b"x"], fds),
            norm=lambda v: v,
        )


def test_closed_socket(unix_pair):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    a.close()
    b.close()
    compare(lambda: b.sendmsg([b"x"]), lambda: rmsg.sendmsg(b, [b"x"]), norm=lambda v: v)


# --- waiting, signals -----------------------------------------------------------------


def test_timeouts(unix_pair):
    a, b = unix_pair
    fill(b)
    b.settimeout(0)
    compare(lambda: b.sendmsg([b"x" * 1024]), lambda: rmsg.sendmsg(b, [b"x" * 1024]),
            norm=lambda v: v)
    b.settimeout(0.2)
    t0 = time.monotonic()
    compare(lambda: b.sendmsg([b"x" * 1024]), lambda: rmsg.sendmsg(b, [b"x" * 1024]),
            norm=lambda v: v)
    assert time.monotonic() - t0 >= 0.38


def test_blocking_send_waits_for_room(unix_pair):
    a, b = unix_pair
    fill(b)
    b.setblocking(True)
    def drain():
        try:
            while True:
                a.recv(2048, socket.MSG_DONTWAIT)
        except BlockingIOError:
            pass

    t = threading.Timer(0.2, drain)
    t.start()
    try:
        assert rmsg.sendmsg(b, [b"y" * 1024]) == 1024  # the GIL was released
    finally:
        t.join()


class Interrupted(Exception):
    pass


def test_signal_handler_exception_propagates(unix_pair):
    a, b = unix_pair
    fill(b)
    b.setblocking(True)

    def handler(signum, frame):
        raise Interrupted()

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 0.1)
    try:
        with pytest.raises(Interrupted):
            rmsg.sendmsg(b, [b"x" * 1024])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_broken_pipe():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with a:
        b.close()
        compare(lambda: a.sendmsg([b"x"]), lambda: rmsg.sendmsg(a, [b"x"]), norm=lambda v: v)


# --- AF_PACKET, AF_NETLINK and AF_VSOCK destinations --------------------------

# An EtherType for local experiments, so that nothing else on lo is seen.
ETHERTYPE = 0x88B7


@pytest.fixture
def packet_pair():
    """Two SOCK_DGRAM packet sockets for ETHERTYPE (root needed), the
    receiver bound to lo."""
    try:
        rx = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETHERTYPE))
    except PermissionError:
        pytest.skip("AF_PACKET needs CAP_NET_RAW")
    tx = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETHERTYPE))
    rx.bind(("lo", ETHERTYPE))
    rx.settimeout(5)
    with rx, tx:
        yield rx, tx


def test_packet_destinations(packet_pair):
    rx, tx = packet_pair
    for address in (
        ("lo", ETHERTYPE, 0, 0, b"\0" * 6),
        ("lo", ETHERTYPE, 0, 772, bytearray(6)),
    ):
        compare_send(rx, tx, ([b"pkt"], [], 0, address))
    # Without a hardware address the kernel still reads sll_addr (for a
    # SOCK_DGRAM socket, dev->addr_len bytes of it): CPython leaves that
    # memory as it was, rmsg zeroes it, so the frames' destination (and so
    # the receiver's pkttype) may differ. The calls and the data agree.
    for address in (("lo", ETHERTYPE), ("lo", ETHERTYPE, 0), ("lo", ETHERTYPE, 0, 772)):
        compare(lambda: tx.sendmsg([b"short"], [], 0, address),
                lambda: rmsg.sendmsg(tx, [b"short"], [], 0, address), norm=lambda v: v)
        for _ in range(2):
            data, _anc, _flags, source = rx.recvmsg(64)
            assert data == b"short" and source[:2] == ("lo", ETHERTYPE)


@pytest.mark.parametrize("address", [
    "lo", ("lo",), ("lo", ETHERTYPE, 0, 0, b"", 1), ("no-such-if0", ETHERTYPE),
    ("x" * 16, ETHERTYPE), ("lo", 70000), ("lo", -1), ("lo", ETHERTYPE, 0, 0, b"123456789"),
    (b"lo", ETHERTYPE), ("lo", "proto"), ["lo", ETHERTYPE],
])
def test_bad_packet_addresses(packet_pair, address):
    rx, tx = packet_pair
    compare_send(rx, tx, ([b"x"], [], 0, address))


def test_packet_source_address(packet_pair):
    """A received packet address reads as CPython's (ifname, proto,
    pkttype, hatype, addr)."""
    rx, tx = packet_pair
    tx.sendto(b"one", ("lo", ETHERTYPE, 0, 0, b"\0" * 6))
    tx.sendto(b"two", ("lo", ETHERTYPE, 0, 0, b"\0" * 6))
    want = rx.recvmsg(64)
    got = rmsg.recvmsg(rx, 64)
    assert want[0] == b"one" and got[0] == b"two"
    assert got[1:] == want[1:]
    assert got[3] == ("lo", ETHERTYPE, socket.PACKET_HOST, 772, b"\0" * 6)


def test_netlink_destinations():
    """A request the kernel answers with an error that echoes it (no
    interface 2**31-1), so that both answers are the same bytes."""
    import struct

    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as s:
        s.bind((0, 0))
        s.settimeout(5)
        request = struct.pack("=IHHII", 32, 18, 0x5, 9, 0)  # RTM_GETLINK, REQUEST|ACK
        request += struct.pack("=BxHiII", 0, 0, 2**31 - 1, 0, 0)
        for address in ((0, 0), (0, 2**32)):
            want = compare_send(s, s, ([request], [], 0, address), ancbufsize=0)
            assert want[0] == "ok"


@pytest.mark.parametrize("address", [0, (0,), (0, 0, 0), (0, "x"), (-1, 0), [0, 0]])
def test_bad_netlink_addresses(address):
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as s:
        compare(lambda: s.sendmsg([b"x"], [], 0, address),
                lambda: rmsg.sendmsg(s, [b"x"], [], 0, address), norm=lambda v: v)


@pytest.mark.parametrize("address", [(1, 1234), (2**32, 5), 0, (1,), (1, "x"), [1, 2]])
def test_vsock_addresses(address):
    """Without a vsock transport the sends fail; they must fail alike (the
    conversion of the tuple comes first)."""
    try:
        s = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
    except OSError:
        pytest.skip("no AF_VSOCK here")
    with s:
        compare(lambda: s.sendmsg([b"x"], [], 0, address),
                lambda: rmsg.sendmsg(s, [b"x"], [], 0, address), norm=lambda v: v)
