"""The typed classes of the other families' receive items, from real
kernel traffic through rmsg.receive, checked as c_tests/decode_families.c
checks them: Inq (TCP_INQ on loopback TCP, SO_INQ on an AF_UNIX stream
pair), PacketAuxdata (an AF_PACKET socket on lo, when the process may open
one) and NetlinkPktinfo (the unicast answer of a route socket: group 0).

and NetlinkNsid (a second network namespace given an id with RTM_NEWNSID,
its lo brought up, heard with NETLINK_LISTEN_ALL_NSID), in a child process
that makes its own namespaces, so this one's is left as it was.
"""

import os
import socket
import struct
import subprocess
import sys
import textwrap

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
                # AF_PACKET refuses the MSG_CMSG_CLOEXEC rmsg adds; rmsg
                # receives again without it.
                m = rmsg.receive(p, 2048)
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


def _child_env():
    """The environment of a child that imports this rmsg (and the same
    library and path: RMSG_LIBRARY and RMSG_IMPL are inherited)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(os.path.dirname(rmsg.__file__))]
        + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


# Run in a child process: unshare(CLONE_NEWNET) and setns() act on the
# calling process, so the test's own namespace is never touched. Exits 77
# when new network namespaces are refused (not root).
_NSID_CHILD = textwrap.dedent(r"""
    import ctypes, os, socket, struct, subprocess, sys
    import rmsg
    CLONE_NEWNET = 0x40000000
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        sys.exit(77)
    mine = os.open("/proc/self/ns/net", os.O_RDONLY)
    SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, RTMGRP_LINK = 270, 8, 1
    listen = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    listen.setsockopt(SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, 1)
    listen.bind((0, RTMGRP_LINK))
    listen.settimeout(5)
    assert libc.unshare(CLONE_NEWNET) == 0
    other = os.open("/proc/self/ns/net", os.O_RDONLY)
    assert libc.setns(mine, CLONE_NEWNET) == 0
    # RTM_NEWNSID: the other namespace (NETNSA_FD) gets id 5 (NETNSA_NSID)
    # in ours; nlmsghdr, struct rtgenmsg (padded to 4), two u32 attributes.
    RTM_NEWNSID, NETNSA_NSID, NETNSA_FD = 88, 1, 3
    body = struct.pack("=Bxxx", socket.AF_UNSPEC)
    body += struct.pack("=HHI", 8, NETNSA_FD, other)
    body += struct.pack("=HHI", 8, NETNSA_NSID, 5)
    req = struct.pack("=IHHII", 16 + len(body), RTM_NEWNSID, 1 | 4, 1, 0) + body
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as r:
        r.bind((0, 0))
        r.send(req)
        ack = r.recv(4096)
        assert struct.unpack_from("=i", ack, 16)[0] == 0, ack  # NLMSG_ERROR 0
    # lo going up in the other namespace: an RTM_NEWLINK heard here.
    assert libc.setns(other, CLONE_NEWNET) == 0
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    assert libc.setns(mine, CLONE_NEWNET) == 0
    with listen:
        while True:
            m = rmsg.receive(listen, 65536)
            with m:
                n = m.get(rmsg.NetlinkNsid)
                if n is not None:
                    assert n.name == "SOL_NETLINK/NETLINK_LISTEN_ALL_NSID"
                    print("nsid", n.nsid)
                    break
    os.close(mine)
    os.close(other)
""")


def test_netlink_nsid_from_a_second_namespace():
    if subprocess.run(["sh", "-c", "command -v ip"], capture_output=True).returncode:
        pytest.skip("ip(8) (iproute2) is not installed: it brings lo up in the second namespace")
    run = subprocess.run([sys.executable, "-c", _NSID_CHILD], env=_child_env(),
                         capture_output=True, text=True, timeout=60)
    if run.returncode == 77:
        pytest.skip("new network namespaces are refused here (unshare(CLONE_NEWNET) needs root)")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.split() == ["nsid", "5"]


# In a child process: a receiver that has no descriptor to spare (its
# RLIMIT_NOFILE filled) gets SCM_PIDFD with -EMFILE instead of a pidfd.
_PIDFD_CHILD = textwrap.dedent(r"""
    import errno, os, resource, socket
    import rmsg
    SO_PASSPIDFD = 76
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    b.setsockopt(socket.SOL_SOCKET, SO_PASSPIDFD, 1)
    a.send(b"x")
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    filler = []
    try:
        while True:
            filler.append(os.open("/dev/null", os.O_RDONLY))
    except OSError as e:
        assert e.errno == errno.EMFILE
    m = rmsg.receive(b, 16, 256)
    for fd in filler:
        os.close(fd)
    with m:
        p = m.get(rmsg.PidFd)
        assert p is not None, m.items
        assert p.fd is None
        print("error", p.error, -errno.EMFILE)
""")


def test_pidfd_holding_a_negative_errno():
    run = subprocess.run([sys.executable, "-c", _PIDFD_CHILD], env=_child_env(),
                         capture_output=True, text=True, timeout=60)
    if "Protocol not available" in run.stderr or "ENOPROTOOPT" in run.stderr:
        pytest.skip("SO_PASSPIDFD needs Linux 6.5")
    assert run.returncode == 0, run.stdout + run.stderr
    words = run.stdout.split()
    assert words[0] == "error" and words[1] == words[2], run.stdout
