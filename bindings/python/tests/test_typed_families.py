"""The typed classes of the other families' receive items, from real
kernel traffic through rmsg.receive, checked as c_tests/decode_families.c
checks them: Inq (TCP_INQ on loopback TCP, SO_INQ on an AF_UNIX stream
pair), PacketAuxdata (an AF_PACKET socket on lo, when the process may open
one) and NetlinkPktinfo (the unicast answer of a route socket: group 0).

NetlinkNsid has no test here: it needs a second network namespace with an
id, which the C test sets up (RTM_NEWNSID) in a child process; the binding
exposes no way to decode crafted bytes.
"""

import socket
import struct

import pytest

import rmsg

SOL_TCP = 6
TCP_INQ = 36
SO_INQ = 84  # the generic value (x86, arm ...)
SOL_PACKET = 263
PACKET_AUXDATA = 8
ETH_P_IP = 0x0800
TP_STATUS_USER = 1
TP_STATUS_VLAN_VALID = 1 << 4
SOL_NETLINK = 270
NETLINK_PKTINFO = 3
RTM_GETLINK = 18
NLM_F_REQUEST = 1
NLM_F_DUMP = 0x300


def tcp_pair():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        c = socket.create_connection(listener.getsockname())
        a, _ = listener.accept()
    a.settimeout(5)
    return c, a


def test_tcp_inq():
    c, a = tcp_pair()
    with c, a:
        a.setsockopt(SOL_TCP, TCP_INQ, 1)
        c.sendall(b"hello world")
        m = rmsg.receive(a, 4)
        assert m.data == b"hell"
        i = m.get(rmsg.Inq)
        assert i is not None and i.name == "SOL_TCP/TCP_CM_INQ"
        assert (i.level, i.type) == (SOL_TCP, TCP_INQ)
        assert i.bytes == 7
        m = rmsg.receive(a, 64)
        assert m.data == b"o world" and m.get(rmsg.Inq).bytes == 0


def test_unix_inq():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with a, b:
        try:
            b.setsockopt(socket.SOL_SOCKET, SO_INQ, 1)
        except OSError as e:
            pytest.skip("SO_INQ for AF_UNIX (Linux 6.18+): %s" % e)
        a.sendall(b"hello world")
        m = rmsg.receive(b, 4)
        i = m.get(rmsg.Inq)
        assert i is not None and i.name == "SOL_SOCKET/SCM_INQ"
        assert i.bytes == 7


def test_packet_auxdata():
    try:
        p = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
    except PermissionError as e:
        pytest.skip("AF_PACKET needs CAP_NET_RAW: %s" % e)
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with p, r, s:
        p.bind(("lo", ETH_P_IP))
        p.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        p.setblocking(False)
        r.bind(("127.0.0.1", 0))
        port = r.getsockname()[1]
        payload = b"auxdata probe"
        s.sendto(payload, r.getsockname())
        want = 20 + 8 + len(payload)
        seen = 0
        for _ in range(64):
            try:
                # AF_PACKET refuses MSG_CMSG_CLOEXEC; no descriptors
                # travel here.
                m = rmsg.receive(p, 2048, cloexec=False)
            except BlockingIOError:
                break
            d = m.data
            if len(d) != want or d[9] != socket.IPPROTO_UDP:
                continue
            if struct.unpack("!H", d[22:24])[0] != port or d[28:] != payload:
                continue
            a = m.get(rmsg.PacketAuxdata)
            assert a is not None and a.name == "SOL_PACKET/PACKET_AUXDATA"
            assert a.status & TP_STATUS_USER
            assert not a.status & TP_STATUS_VLAN_VALID
            assert (a.len, a.snaplen, a.mac, a.net) == (want, want, 0, 0)
            assert (a.vlan_tci, a.vlan_tpid) == (0, 0)
            seen += 1
        assert seen >= 1


def test_netlink_pktinfo_unicast():
    n = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    with n:
        n.bind((0, 0))
        n.setsockopt(SOL_NETLINK, NETLINK_PKTINFO, 1)
        n.settimeout(5)
        # RTM_GETLINK dump: nlmsghdr + struct ifinfomsg (16 bytes).
        body = struct.pack("=BxHiII", socket.AF_UNSPEC, 0, 0, 0, 0)
        hdr = struct.pack("=IHHII", 16 + len(body), RTM_GETLINK,
                          NLM_F_REQUEST | NLM_F_DUMP, 1, 0)
        n.send(hdr + body)
        m = rmsg.receive(n, 65536)
        g = m.get(rmsg.NetlinkPktinfo)
        assert g is not None and g.name == "SOL_NETLINK/NETLINK_PKTINFO"
        assert g.group == 0  # a unicast answer
