"""The binding against librmsg's registry of control-message kinds
(``rmsg_kind_info``): every kind the library knows is either decoded into
its own class or kept as raw bytes by a choice written in ``rmsg._typed``,
the binding's ``RMSG_KIND_*`` numbers are the library's, and ``rmsg.kinds()``
reports what the library does (names, sizes, enabling options)."""

import ctypes
import socket

import rmsg
from rmsg import _native as _n
from rmsg import _typed

# Python 3.11 lacks IP_RECVTTL; Linux's value.
IP_RECVTTL = getattr(socket, "IP_RECVTTL", 12)


def _kind_constants():
    return {
        name: value for name, value in vars(_n).items()
        if name.startswith("RMSG_KIND_")
    }


def test_every_registry_kind_has_a_choice_in_the_binding():
    rows = rmsg.kinds()
    assert rows, "the registry is empty"
    known = set(_kind_constants().values())
    descriptor_kinds = {_n.RMSG_KIND_RIGHTS, _n.RMSG_KIND_PIDFD}
    for row in rows:
        # A kind number the binding has no constant for: the library gained
        # a kind and the binding has not decided how to hand it out.
        assert row.kind in known, "%s: kind %d unknown to the binding" % (row.name, row.kind)
        assert (
            row.kind in _typed._DECODERS
            or row.kind in _typed._KEPT_RAW
            or row.kind in descriptor_kinds
        ), "%s: kind %d neither decoded nor kept raw" % (row.name, row.kind)


def test_binding_constants_are_library_kinds():
    # Every RMSG_KIND_* the binding names is one the library reports for
    # some row (RAW included: the send-side rows have it).
    reported = {row.kind for row in rmsg.kinds()}
    for name, value in _kind_constants().items():
        assert value in reported, "%s = %d is not a kind of the library" % (name, value)


def test_decoders_and_raw_choices_do_not_overlap():
    assert not set(_typed._DECODERS) & _typed._KEPT_RAW


def test_rows_agree_with_the_library_one_by_one():
    rows = rmsg.kinds()
    pairs = set()
    for row in rows:
        assert (row.level, row.type) not in pairs, "duplicate row %s" % row.name
        pairs.add((row.level, row.type))
        assert rmsg.kind_name(row.level, row.type) == row.name
        if row.option:
            assert row.option_level >= 0 and row.option_name >= 0
        else:
            assert (row.option_level, row.option_name) == (-1, -1)
        assert row.item_class is not None


def test_known_rows_by_value():
    by_pair = {(row.level, row.type): row for row in rmsg.kinds()}
    ttl = by_pair[(socket.IPPROTO_IP, socket.IP_TTL)]
    assert ttl.name == "IPPROTO_IP/IP_TTL"
    assert ttl.kind == _n.RMSG_KIND_IP_TTL
    assert ttl.option == "IP_RECVTTL"
    assert (ttl.option_level, ttl.option_name) == (socket.IPPROTO_IP, IP_RECVTTL)
    assert ttl.payload_size == 4
    assert ttl.item_class is rmsg.Ttl

    rights = by_pair[(socket.SOL_SOCKET, socket.SCM_RIGHTS)]
    assert rights.kind == _n.RMSG_KIND_RIGHTS
    assert rights.payload_size == 0
    assert rights.option == ""
    assert rights.item_class is rmsg.Rights

    creds = by_pair[(socket.SOL_SOCKET, socket.SCM_CREDENTIALS)]
    assert creds.option == "SO_PASSCRED"
    assert creds.item_class is rmsg.Credentials

    pktinfo = by_pair[(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO)]
    assert pktinfo.option == "IPV6_RECVPKTINFO"
    assert pktinfo.item_class is rmsg.Ipv6PacketInfo


def test_sizes_match_what_receive_reserves():
    # A UDP socket with IP_RECVTTL set: the library's own sizing for it is
    # at least the registry's payload for IP_TTL, in a cmsg of its own.
    ttl = next(r for r in rmsg.kinds() if r.kind == _n.RMSG_KIND_IP_TTL)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        base = ctypes.c_size_t()
        assert _n.control_space_for_socket(s.fileno(), 0, ctypes.byref(base)) == 0
        s.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
        more = ctypes.c_size_t()
        assert _n.control_space_for_socket(s.fileno(), 0, ctypes.byref(more)) == 0
    assert more.value - base.value == socket.CMSG_SPACE(ttl.payload_size)
