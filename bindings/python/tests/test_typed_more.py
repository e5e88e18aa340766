"""The typed classes test_typed.py leaves out, each received from real
kernel traffic through rmsg.receive and checked as the C tests check them
(c_tests/decode_socket.c, c_tests/decode_misc.c): Timestamping (receive
and transmit stamps), RxqOverflow, Mark, FragSize and PathMtu.

TlsRecordType has no test here: it is only sent by kernel TLS (the tls
module), which this machine does not have, and the binding exposes no way
to decode crafted bytes (no wrapper for rmsg_control_parse), so the class
cannot be reached through the typed path. The C test
test_tls_record_type_crafted covers the decoder itself.

The constants below are Linux's generic values (x86, arm, ...); the
socket module names few of them. No test asserts an upper time bound.
"""

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import select
import socket
import struct
import time
import traceback

import pytest

import rmsg

SO_MARK = getattr(socket, "SO_MARK", 36)
SO_TIMESTAMPING = getattr(socket, "SO_TIMESTAMPING", 37)
SO_TIMESTAMPING_NEW = 65
SO_RXQ_OVFL = getattr(socket, "SO_RXQ_OVFL", 40)
SO_RCVMARK = 75

SOF_TIMESTAMPING_TX_SOFTWARE = 1 << 1
SOF_TIMESTAMPING_RX_SOFTWARE = 1 << 3
SOF_TIMESTAMPING_SOFTWARE = 1 << 4
SOF_TIMESTAMPING_OPT_ID = 1 << 7
SOF_TIMESTAMPING_OPT_TSONLY = 1 << 11
SO_EE_ORIGIN_TIMESTAMPING = 4
SCM_TSTAMP_SND = 0

IP_RECVERR = getattr(socket, "IP_RECVERR", 11)
IP_MTU_DISCOVER = getattr(socket, "IP_MTU_DISCOVER", 10)
IP_PMTUDISC_DONT = 0
IP_RECVFRAGSIZE = 25
IPV6_RECVFRAGSIZE = 77
IPV6_RECVPATHMTU = getattr(socket, "IPV6_RECVPATHMTU", 60)
IPV6_PATHMTU = getattr(socket, "IPV6_PATHMTU", 61)
IPV6_DONTFRAG = getattr(socket, "IPV6_DONTFRAG", 62)

CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
SIOCSIFMTU = 0x8922
IFF_UP = 0x1
SMALL_MTU = 1280


def realtime_ns():
    return time.clock_gettime_ns(time.CLOCK_REALTIME)


@pytest.fixture
def udp4(udp4):
    """conftest's pair, with a timeout on the receiver."""
    r, s = udp4
    r.settimeout(5)  # a failure must not hang the suite
    return r, s


def wait_errqueue(s):
    p = select.poll()
    p.register(s, 0)  # POLLERR is always reported
    assert p.poll(5000), "nothing queued on the error queue"


# --- SO_TIMESTAMPING -----------------------------------------------------------


@pytest.mark.parametrize(
    "option, name",
    [
        (SO_TIMESTAMPING, "SOL_SOCKET/SO_TIMESTAMPING"),
        (SO_TIMESTAMPING_NEW, "SOL_SOCKET/SO_TIMESTAMPING_NEW"),
    ],
)
def test_timestamping_rx_software(udp4, option, name):
    r, s = udp4
    r.setsockopt(
        socket.SOL_SOCKET, option,
        SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE,
    )
    # Enabling receive stamps turns packet stamping on through deferred
    # work in the kernel, so the first packets may arrive unstamped
    # (with no item at all): send again until one is stamped, a bounded
    # number of times.
    for tries in range(500):
        before = realtime_ns()
        s.sendto(b"t", r.getsockname())
        m = rmsg.receive(r, 16)
        after = realtime_ns()
        assert m.data == b"t"
        ts = m.get(rmsg.Timestamping)
        if ts is not None:
            break
        assert m.items == [], "an unstamped packet carries no item"
        time.sleep(0.01)
    else:
        pytest.fail("no stamped packet in 500 tries")
    assert type(ts) is rmsg.Timestamping
    assert ts.name == name
    assert (ts.level, ts.type) == (socket.SOL_SOCKET, option)
    assert not ts.truncated and not m.control_truncated
    assert isinstance(ts.software, int)
    assert before <= ts.software <= after
    assert ts.hardware == 0 and ts.legacy == 0
    # The three-stamp kind is not decoded as the single-stamp class.
    assert m.get(rmsg.Timestamp) is None


def test_timestamping_tx_software_from_error_queue(udp4):
    r, s = udp4
    s.setsockopt(
        socket.SOL_SOCKET, SO_TIMESTAMPING,
        SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE
        | SOF_TIMESTAMPING_OPT_TSONLY | SOF_TIMESTAMPING_OPT_ID,
    )
    before = realtime_ns()
    assert s.sendto(b"tx", r.getsockname()) == 2
    wait_errqueue(s)
    m = rmsg.receive(s, 64, flags=socket.MSG_ERRQUEUE)
    after = realtime_ns()
    assert m.flags & socket.MSG_ERRQUEUE
    assert not m.control_truncated
    assert m.data == b""  # OPT_TSONLY: the stamp without the packet
    ts = m.get(rmsg.Timestamping)
    assert ts is not None and ts.name == "SOL_SOCKET/SO_TIMESTAMPING"
    assert before <= ts.software <= after
    assert ts.hardware == 0
    e = m.get(rmsg.ExtendedError)
    assert e is not None and e.name == "IPPROTO_IP/IP_RECVERR"
    assert (e.level, e.type) == (socket.IPPROTO_IP, IP_RECVERR)
    assert e.ee_errno == errno.ENOMSG
    assert e.ee_origin == SO_EE_ORIGIN_TIMESTAMPING
    assert e.ee_info == SCM_TSTAMP_SND
    assert e.ee_data == 0  # OPT_ID: the first send has key 0
    # The received packet itself is on the receiver, unchanged.
    assert r.recv(16) == b"tx"


# --- SO_RXQ_OVFL ---------------------------------------------------------------


def test_rxq_overflow_drop_count(udp4):
    r, s = udp4
    r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)  # the minimum
    r.setsockopt(socket.SOL_SOCKET, SO_RXQ_OVFL, 1)
    payload = b"o" * 1024
    for _ in range(200):
        assert s.sendto(payload, r.getsockname()) == len(payload)
    # Drain what was queued; then one more datagram carries the count.
    # (Non-blocking while draining: with a timeout, receive waits for
    # data first, as socket.recv does, even with MSG_DONTWAIT.)
    r.setblocking(False)
    drained = 0
    while True:
        try:
            rmsg.receive(r, 0)
        except BlockingIOError:
            break
        drained += 1
    r.settimeout(5)
    assert 0 < drained < 200
    s.sendto(b"last", r.getsockname())
    m = rmsg.receive(r, 16)
    assert m.data == b"last"
    o = m.get(rmsg.RxqOverflow)
    assert o is not None and o.name == "SOL_SOCKET/SO_RXQ_OVFL"
    assert (o.level, o.type) == (socket.SOL_SOCKET, SO_RXQ_OVFL)
    assert isinstance(o.drops, int)
    assert 0 < o.drops < 200
    # Every datagram was either queued or counted as dropped.
    assert drained + o.drops == 200


# --- SO_RCVMARK ----------------------------------------------------------------


def test_mark_from_so_rcvmark(udp4):
    r, s = udp4
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_MARK, 0x5A17)
    except PermissionError as e:
        pytest.skip("SO_MARK needs CAP_NET_ADMIN: %s" % e)
    try:
        r.setsockopt(socket.SOL_SOCKET, SO_RCVMARK, 1)
    except OSError as e:
        pytest.skip("SO_RCVMARK (Linux 6.1+): %s" % e)
    s.sendto(b"m", r.getsockname())
    m = rmsg.receive(r, 16)
    assert m.data == b"m"
    assert not m.control_truncated
    # Linux sends the mark with type SO_MARK, not SO_RCVMARK.
    assert [i for i in m.items if i.type == SO_RCVMARK] == []
    k = m.get(rmsg.Mark)
    assert k is not None and k.name == "SOL_SOCKET/SO_MARK"
    assert (k.level, k.type) == (socket.SOL_SOCKET, SO_MARK)
    assert k.mark == 0x5A17


# --- IP_RECVFRAGSIZE, IPV6_RECVFRAGSIZE, IPV6_PATHMTU ---------------------------
#
# These need a path MTU smaller than the datagrams, so they run in a forked
# child that moves into its own network namespace, brings its loopback up
# with a 1280-byte MTU (the host's interfaces are untouched), receives, and
# reports what it decoded to the parent over a pipe as JSON. The parent
# asserts. The child always leaves with os._exit.

_UNSHARE_REFUSED = 77


def _unshare_net():
    if hasattr(os, "unshare"):  # Python 3.12+
        os.unshare(os.CLONE_NEWNET)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def _lo_up(mtu):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        # struct ifreq: the name (16 bytes), then a 24-byte union.
        req = struct.pack("16s24x", b"lo")
        got = fcntl.ioctl(s, SIOCGIFFLAGS, req)
        (flags,) = struct.unpack_from("h", got, 16)
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sh22x", b"lo", flags | IFF_UP))
        fcntl.ioctl(s, SIOCSIFMTU, struct.pack("16si20x", b"lo", mtu))


def _item_report(m, cls):
    it = m.get(cls)
    if it is None:
        return None
    out = {"name": it.name, "level": it.level, "type": it.type}
    for f in it._fields:
        out[f] = getattr(it, f)
    return out


@contextlib.contextmanager
def _udp(family, host):
    """A receiver bound to ``host`` (with a timeout) and a sender."""
    with socket.socket(family, socket.SOCK_DGRAM) as r, \
            socket.socket(family, socket.SOCK_DGRAM) as s:
        r.bind((host, 0))
        r.settimeout(5)
        yield r, s


def _fragsize(family, host, level, option, *sender_options):
    """A 3000-byte datagram received with ``option`` (IP_RECVFRAGSIZE or
    IPV6_RECVFRAGSIZE) set; ``sender_options`` are setsockopt arguments."""
    with _udp(family, host) as (r, s):
        for args in sender_options:
            s.setsockopt(*args)
        r.setsockopt(level, option, 1)
        sent = s.sendto(b"f" * 3000, r.getsockname())
        m = rmsg.receive(r, 4096)
        return {"sent": sent, "len": len(m.data), "item": _item_report(m, rmsg.FragSize)}


def _pathmtu6():
    # A don't-fragment datagram larger than the path MTU fails with
    # EMSGSIZE and queues the MTU for a socket with IPV6_RECVPATHMTU.
    with _udp(socket.AF_INET6, "::1") as (r, s):
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVPATHMTU, 1)
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_DONTFRAG, 1)
        s.connect(r.getsockname())
        try:
            s.send(b"\0" * 2000)
            send_errno = 0
        except OSError as e:
            send_errno = e.errno
        m = rmsg.receive(s, 4096, flags=socket.MSG_DONTWAIT)
        item = _item_report(m, rmsg.PathMtu)
        if item is not None:
            item["address"] = list(item["address"])
        return {
            "send_errno": send_errno,
            "control_truncated": m.control_truncated,
            "item": item,
        }


def _small_mtu_child(w):
    report = {}
    code = 0
    try:
        try:
            _unshare_net()
            _lo_up(SMALL_MTU)
        except PermissionError as e:
            # unshare needs CAP_SYS_ADMIN, configuring lo CAP_NET_ADMIN.
            report["refused"] = "unshare(CLONE_NEWNET) and lo set up: %s" % e
            code = _UNSHARE_REFUSED
        else:
            report["fragsize4"] = _fragsize(
                socket.AF_INET, "127.0.0.1", socket.IPPROTO_IP, IP_RECVFRAGSIZE,
                (socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT),
            )
            report["fragsize6"] = _fragsize(
                socket.AF_INET6, "::1", socket.IPPROTO_IPV6, IPV6_RECVFRAGSIZE,
            )
            report["pathmtu6"] = _pathmtu6()
    except BaseException:
        report["error"] = traceback.format_exc()
        code = 1
    try:
        data = json.dumps(report).encode()
        while data:
            data = data[os.write(w, data):]
    finally:
        os._exit(code)


@pytest.fixture(scope="module")
def small_mtu():
    """What the child saw in its own namespace (run once for the module)."""
    rd, w = os.pipe()
    try:
        pid = os.fork()
    except BaseException:
        os.close(rd)
        os.close(w)
        raise
    if pid == 0:
        os.close(rd)
        _small_mtu_child(w)  # never returns
    os.close(w)
    try:
        chunks = []
        while True:
            b = os.read(rd, 65536)
            if not b:
                break
            chunks.append(b)
    finally:
        os.close(rd)
        _, status = os.waitpid(pid, 0)
    report = json.loads(b"".join(chunks) or b"{}")
    code = os.waitstatus_to_exitcode(status)
    if code == _UNSHARE_REFUSED:
        pytest.skip("no private network namespace: %s" % report.get("refused"))
    assert code == 0, report.get("error", "child exit status %d" % code)
    return report


def test_ip_fragsize(small_mtu):
    r = small_mtu["fragsize4"]
    assert r["sent"] == 3000 and r["len"] == 3000  # reassembled whole
    it = r["item"]
    assert it is not None, "no IP_RECVFRAGSIZE item"
    assert it["name"] == "IPPROTO_IP/IP_RECVFRAGSIZE"
    assert (it["level"], it["type"]) == (socket.IPPROTO_IP, IP_RECVFRAGSIZE)
    # The largest fragment fits the MTU and is more than a header.
    assert 576 < it["size"] <= SMALL_MTU


def test_ipv6_fragsize(small_mtu):
    r = small_mtu["fragsize6"]
    assert r["sent"] == 3000 and r["len"] == 3000
    it = r["item"]
    assert it is not None, "no IPV6_RECVFRAGSIZE item"
    assert it["name"] == "IPPROTO_IPV6/IPV6_RECVFRAGSIZE"
    assert (it["level"], it["type"]) == (socket.IPPROTO_IPV6, IPV6_RECVFRAGSIZE)
    assert 576 < it["size"] <= SMALL_MTU


def test_ipv6_pathmtu(small_mtu):
    r = small_mtu["pathmtu6"]
    assert r["send_errno"] == errno.EMSGSIZE
    assert not r["control_truncated"]
    it = r["item"]
    assert it is not None, "no IPV6_PATHMTU item"
    assert it["name"] == "IPPROTO_IPV6/IPV6_PATHMTU"
    assert (it["level"], it["type"]) == (socket.IPPROTO_IPV6, IPV6_PATHMTU)
    assert it["mtu"] == SMALL_MTU
    host, port = it["address"][0], it["address"][1]
    assert host == "::1"
    assert port == 0  # the kernel reports the destination without a port
