"""Message.errqueue(): error-queue messages by meaning, from the real
kernel (ICMP and ICMPv6 port unreachable, transmit timestamps with
OPT_ID, MSG_ZEROCOPY completions on loopback)."""

import errno
import select
import socket

import rmsg

IP_RECVERR = 11
IPV6_RECVERR = 25
SO_TIMESTAMPING = 37
SO_ZEROCOPY = 60
MSG_ZEROCOPY = 0x4000000
SOF_TIMESTAMPING_TX_SOFTWARE = 1 << 1
SOF_TIMESTAMPING_SOFTWARE = 1 << 4
SOF_TIMESTAMPING_OPT_ID = 1 << 7
SOF_TIMESTAMPING_TX_SCHED = 1 << 8
SOF_TIMESTAMPING_OPT_TSONLY = 1 << 11


def wait_errqueue(s):
    p = select.poll()
    p.register(s, 0)
    assert p.poll(5000), "no error queued"


def closed_port(family, host):
    gone = socket.socket(family, socket.SOCK_DGRAM)
    gone.bind((host, 0))
    dest = gone.getsockname()
    gone.close()
    return dest


def test_icmp_port_unreachable():
    dest = closed_port(socket.AF_INET, "127.0.0.1")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
        s.sendto(b"lost?", dest)
        wait_errqueue(s)
        m = rmsg.receive(s, 64, flags=socket.MSG_ERRQUEUE)
        e = m.errqueue()
        assert e.kind == "icmp"
        assert e.icmp_reason == "port unreachable"
        assert (e.ee_type, e.ee_code) == (3, 3)
        assert e.ee_errno == errno.ECONNREFUSED
        assert e.offender == ("127.0.0.1", 0)
        assert e.mtu == 0 and e.tstamp_type is None and e.zerocopy_range is None
        assert m.data == b"lost?"
        assert "port unreachable" in repr(e)


def test_icmp6_port_unreachable():
    dest = closed_port(socket.AF_INET6, "::1")
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVERR, 1)
        s.sendto(b"v6", dest)
        wait_errqueue(s)
        e = rmsg.receive(s, 64, flags=socket.MSG_ERRQUEUE).errqueue()
        assert e.kind == "icmp6"
        assert e.icmp_reason == "port unreachable"
        assert (e.ee_type, e.ee_code) == (1, 4)
        assert e.offender[0] == "::1"


def test_tx_timestamps(udp4):
    r, s = udp4
    s.setsockopt(
        socket.SOL_SOCKET, SO_TIMESTAMPING,
        SOF_TIMESTAMPING_TX_SCHED | SOF_TIMESTAMPING_TX_SOFTWARE
        | SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID
        | SOF_TIMESTAMPING_OPT_TSONLY,
    )
    for _ in range(3):
        s.sendto(b"stamp", r.getsockname())
    seen = set()
    while len(seen) < 6:
        wait_errqueue(s)
        m = rmsg.receive(s, 64, flags=socket.MSG_ERRQUEUE)
        e = m.errqueue()
        assert e.kind == "timestamp"
        assert e.tstamp_type in ("sched", "snd")
        assert e.timestamping is not None and e.timestamping[0] > 0
        assert m.data == b""  # OPT_TSONLY
        seen.add((e.tstamp_type, e.tstamp_key))
    assert seen == {(t, k) for t in ("sched", "snd") for k in range(3)}


def test_zerocopy_completion(udp4):
    r, s = udp4
    s.setsockopt(socket.SOL_SOCKET, SO_ZEROCOPY, 1)
    for _ in range(2):
        s.sendmsg([bytes(4096)], [], MSG_ZEROCOPY, r.getsockname())
    done = []
    while len(done) < 2:
        wait_errqueue(s)
        e = rmsg.receive(s, 16, flags=socket.MSG_ERRQUEUE).errqueue()
        assert e.kind == "zerocopy"
        assert e.zerocopy_copied  # loopback copies
        done.extend(e.zerocopy_range)
    assert done == [0, 1]


def test_not_errqueue(udp4):
    r, s = udp4
    s.sendto(b"plain", r.getsockname())
    assert rmsg.receive(r, 64).errqueue() is None
