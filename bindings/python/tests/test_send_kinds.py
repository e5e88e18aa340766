"""The per-send items of the typed ``rmsg.send`` (issue 19): ``mark``,
``priority``, ``timestamping`` with ``ts_opt_id``, ``dontfrag``, and the
kernel TLS and AF_ALG items (whose bytes are checked through
``rmsg.parse_control`` where this kernel has neither), and typed sends to
packet and netlink addresses."""

import select
import socket
import struct

import pytest

import rmsg
from rmsg import _native as _n

SOF_TIMESTAMPING_TX_SOFTWARE = 1 << 1
SOF_TIMESTAMPING_SOFTWARE = 1 << 4
SOF_TIMESTAMPING_OPT_ID = 1 << 7
SOF_TIMESTAMPING_OPT_TSONLY = 1 << 11
SO_RCVMARK = 75
SO_TIMESTAMPING = 37
IPV6_DONTFRAG = 62


def test_mark_per_send(udp4):
    r, s = udp4
    r.setsockopt(socket.SOL_SOCKET, SO_RCVMARK, 1)
    try:
        rmsg.send(s, b"m", address=r.getsockname(), mark=0x77)
    except PermissionError:
        pytest.skip("SO_MARK needs CAP_NET_RAW")
    m = rmsg.receive(r, 16)
    assert m.get(rmsg.Mark).mark == 0x77


def test_priority_is_accepted(udp4):
    # The priority itself is not shown to a receiver (see
    # c_tests/send_kinds.c for an eBPF filter that sees it).
    r, s = udp4
    assert rmsg.send(s, b"p", address=r.getsockname(), priority=3) == 1
    assert rmsg.receive(r, 16).data == b"p"


def test_timestamp_key_per_send(udp4):
    r, s = udp4
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPING,
                 SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID
                 | SOF_TIMESTAMPING_OPT_TSONLY)
    try:
        rmsg.send(s, b"t", address=r.getsockname(),
                  timestamping=SOF_TIMESTAMPING_TX_SOFTWARE, ts_opt_id=4242)
    except ValueError:
        pytest.skip("SCM_TS_OPT_ID needs Linux 6.13")
    assert select.select([s], [], [], 5)[0]  # POLLERR reads as readable
    m = rmsg.receive(s, 16, 512, socket.MSG_ERRQUEUE)
    assert m.get(rmsg.ExtendedError).ee_data == 4242
    assert m.get(rmsg.Timestamping) is not None


def test_dontfrag(udp6):
    r, s = udp6
    s.setsockopt(socket.IPPROTO_IPV6, getattr(socket, "IPV6_MTU", 24), 1280)
    with pytest.raises(OSError) as e:
        rmsg.send(s, b"x" * 2000, address=r.getsockname(), dontfrag=1)
    assert e.value.errno == 90  # EMSGSIZE
    assert rmsg.send(s, b"x" * 2000, address=r.getsockname(), dontfrag=0) == 2000
    with pytest.raises(ValueError):
        rmsg.send(s, b"x", address=r.getsockname(), dontfrag=2)


def built_items(**items):
    """The control bytes rmsg.send would build, parsed back."""
    import ctypes

    from rmsg import _typed

    out = ctypes.c_void_p()
    assert _n.cmsg_builder_new(ctypes.byref(out)) == _n.RMSG_OK
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            _typed._build(out.value, sock, (), None, None, None, None, None, None, (),
                          tuple(items.items()))
        data = _n.lib.rmsg_cmsg_builder_data
        data.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        data.restype = ctypes.c_uint32
        p, n = ctypes.c_void_p(), ctypes.c_size_t()
        assert data(out.value, ctypes.byref(p), ctypes.byref(n)) == _n.RMSG_OK
        return ctypes.string_at(p, n.value)
    finally:
        _n.cmsg_builder_free(out.value)


def test_tls_and_alg_bytes():
    """No kernel TLS or AF_ALG here: the items' bytes are checked."""
    raw = built_items(tls_record_type=21, alg_op=1, alg_iv=b"\x01\x02",
                      alg_aead_assoclen=8)
    want = [
        (282, 1, b"\x15"),
        (279, 3, struct.pack("=I", 1)),
        (279, 2, struct.pack("=I", 2) + b"\x01\x02"),
        (279, 4, struct.pack("=I", 8)),
    ]
    got, off = [], 0
    while off < len(raw):
        length, level, kind = struct.unpack_from("=Qii", raw, off)
        got.append((level, kind, raw[off + 16:off + length]))
        off += (length + 7) & ~7
    assert got == want


def test_typed_send_to_packet_and_netlink_addresses():
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as n:
        n.settimeout(5)
        request = struct.pack("=IHHII", 32, 18, 0x5, 7, 0)
        request += struct.pack("=BxHiII", 0, 0, 2**31 - 1, 0, 0)
        assert rmsg.send(n, request, address=(0, 0)) == 32
        m = rmsg.receive(n, 4096)
        assert m.address == (0, 0)
    try:
        rx = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x88B7))
    except PermissionError:
        pytest.skip("AF_PACKET needs CAP_NET_RAW")
    with rx, socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM) as tx:
        rx.bind(("lo", 0x88B7))
        rx.settimeout(5)
        assert rmsg.send(tx, b"typed", address=("lo", 0x88B7, 0, 0, bytes(6))) == 5
        m = rmsg.receive(rx, 64)
        assert m.data == b"typed"
        assert m.address[:2] == ("lo", 0x88B7)
