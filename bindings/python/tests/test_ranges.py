"""Every integer the binding hands to C is checked for range first, as
CPython's argument parsing checks it: a value that does not fit the C type
raises (OverflowError, mostly) instead of reaching C with its high bits
cut off, as ctypes would pass it. On both paths (the compiled module and
the ctypes fallback), since the suite runs against each."""

import os
import select
import socket

import pytest

import rmsg


class Wrapped:
    """A socket-like object whose fileno() is the real descriptor plus
    ``offset``: with 2**32 it names the same descriptor modulo 2**32."""

    def __init__(self, sock, offset):
        self._sock = sock
        self._offset = offset
        self.family = sock.family
        self.type = sock.type

    def fileno(self):
        return self._sock.fileno() + self._offset

    def gettimeout(self):
        return self._sock.gettimeout()


def outcome(fn):
    try:
        return ("ok", fn())
    except Exception as e:
        return (type(e), str(e))


CALLS = {
    "recvmsg": lambda s: rmsg.recvmsg(s, 16, 64),
    "recvmsg_into": lambda s: rmsg.recvmsg_into(s, [bytearray(16)], 64),
    "recv_fds": lambda s: rmsg.recv_fds(s, 16, 2),
    "recvmsg_batch": lambda s: rmsg.recvmsg_batch(s, 4, 16),
    "receive": lambda s: rmsg.receive(s, 16),
    "receive_batch": lambda s: rmsg.receive_batch(s, 4, 16),
    "send": lambda s: rmsg.send(s, b"x"),
    "sendmsg": lambda s: rmsg.sendmsg(s, [b"x"]),
    "send_fds": lambda s: rmsg.send_fds(s, [b"x"], [0]),
}


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("offset", [2**32, -(2**32), 2**64])
def test_fileno_out_of_int_range_is_overflow_error(unix_pair, name, offset):
    a, b = unix_pair
    b.send(b"queued")  # a truncated descriptor would receive it
    fake = Wrapped(a, offset)
    # What CPython's own descriptor conversion raises for the same object.
    want = outcome(lambda: select.select([fake], [], [], 0))
    assert want[0] is OverflowError
    assert outcome(lambda: CALLS[name](fake)) == want
    assert a.recv(16) == b"queued"  # nothing was received or sent


def test_fileno_not_an_int(unix_pair):
    a, _ = unix_pair

    class Odd(Wrapped):
        def fileno(self):
            return 3.0

    for name, call in CALLS.items():
        with pytest.raises(TypeError, match="fileno"):
            call(Odd(a, 0))


def test_closed_socket_fileno_minus_one_is_ebadf(unix_pair):
    a, _ = unix_pair
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    dead.close()
    for name in ("recvmsg", "recvmsg_batch", "receive", "sendmsg"):
        with pytest.raises(OSError) as e:
            CALLS[name](dead)
        assert e.value.errno == 9, name


@pytest.mark.parametrize("kwargs", [
    {"fds": [2**32]},
    {"fds": [-(2**31) - 1]},
    {"credentials": (os.getpid(), 2**32, 0)},
    {"credentials": (2**31, 0, 0)},
    {"credentials": (os.getpid(), -1, 0)},
])
def test_typed_send_unix_values(unix_pair, kwargs):
    a, b = unix_pair
    with pytest.raises(OverflowError):
        rmsg.send(b, b"x", **kwargs)


@pytest.mark.parametrize("kwargs", [
    {"pktinfo": (2**32, None)},
    {"pktinfo": (-1, None)},
    {"txtime": 2**64},
    {"txtime": -1},
    {"ttl": 2**32 + 64},
    {"tos": 2**31},
    {"ancillary": [(2**32, 0, b"")]},
])
def test_typed_send_ip_values(udp4, kwargs):
    r, s = udp4
    with pytest.raises(OverflowError):
        rmsg.send(s, b"x", address=r.getsockname(), **kwargs)


def test_typed_send_ipv6_address_values(udp6):
    r, s = udp6
    port = r.getsockname()[1]
    for address in (("::1", port, 2**32), ("::1", port, 0, 2**32), ("::1", port, -1)):
        with pytest.raises(OverflowError):
            rmsg.send(s, b"x", address=address)
    with pytest.raises(OverflowError):
        rmsg.send(s, b"x", address=("::1", 2**32 + port))


def test_typed_receive_values(unix_pair):
    a, _ = unix_pair
    a.setblocking(False)
    with pytest.raises(ValueError):
        rmsg.receive(a, 16, maxfds=-1)
    with pytest.raises(OverflowError):
        rmsg.receive(a, 16, maxfds=2**64)
    with pytest.raises(OverflowError):
        rmsg.receive(a, 16, flags=2**32)
    with pytest.raises(OverflowError):
        rmsg.receive(a, 2**64)


@pytest.mark.parametrize("args", [
    (2**63, 16), (4, 2**63), (4, 16, 2**63), (4, 16, 0, 2**31), (0, 16), (1025, 16),
    (-1, 16), (4, -1), (4, 16, -1), (4, 16, 2**31), (4.0, 16),
])
def test_batch_arguments(unix_pair, args):
    a, _ = unix_pair
    a.setblocking(False)
    with pytest.raises((OverflowError, ValueError, TypeError)) as e:
        rmsg.recvmsg_batch(a, *args)
    assert not isinstance(e.value, BlockingIOError)
