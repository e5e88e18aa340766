"""The typed API: rmsg.receive (decoded items, owned descriptors,
automatic control-buffer sizing) and rmsg.send, against real kernel
sockets. Every decoded kind this kernel can produce is received here from
real traffic. The autouse fixture (conftest.py) fails any test that leaves
a descriptor open. No test asserts an upper time bound."""

import errno
import gc
import os
import select
import signal
import socket
import time

import pytest

import rmsg
from rmsg import _native as _n

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)
IP_RECVTTL = getattr(socket, "IP_RECVTTL", 12)
IP_RECVERR = getattr(socket, "IP_RECVERR", 11)
IP_RECVORIGDSTADDR = getattr(socket, "IP_RECVORIGDSTADDR", 20)
IP_OPTIONS = getattr(socket, "IP_OPTIONS", 4)
IP_RETOPTS = _n.RMSG_IP_RECVRETOPTS  # the option and the item's type
SO_EE_ORIGIN_ICMP = 2


def same_file(fd_a, fd_b):
    a, b = os.fstat(fd_a), os.fstat(fd_b)
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


# --- decoded kinds from real traffic ------------------------------------------


def test_credentials(unix_pair):
    a, b = unix_pair
    a.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    b.send(b"who")
    m = rmsg.receive(a, 16)
    assert m.data == b"who" and m.nbytes == 3
    c = m.get(rmsg.Credentials)
    assert c is not None
    assert (c.pid, c.uid, c.gid) == (os.getpid(), os.getuid(), os.getgid())
    assert c.name == "SOL_SOCKET/SCM_CREDENTIALS"
    assert (c.level, c.type) == (socket.SOL_SOCKET, socket.SCM_CREDENTIALS)
    assert len(c.data) == 12 and not c.truncated


def test_timestamp_ns_between_clock_readings(unix_pair):
    a, b = unix_pair
    a.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    before = time.time_ns()
    b.send(b"when")
    m = rmsg.receive(a, 16)
    after = time.time_ns()
    ts = m.get(rmsg.Timestamp)
    assert ts is not None and isinstance(ts.ns, int)
    assert before <= ts.ns <= after
    assert "TIMESTAMPNS" in ts.name


def test_ip_pktinfo_ttl_tos(udp4):
    r, s = udp4
    r.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    r.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
    r.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 33)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0xB9)  # EF, ECT(1)
    s.sendto(b"ip", r.getsockname())
    m = rmsg.receive(r, 16)
    assert m.data == b"ip"
    assert m.address == ("127.0.0.1", s.getsockname()[1])
    pi = m.get(rmsg.IpPacketInfo)
    assert pi.name == "IPPROTO_IP/IP_PKTINFO"
    assert pi.ifindex == socket.if_nametoindex("lo")
    assert pi.addr == "127.0.0.1" and pi.spec_dst == "127.0.0.1"
    ttl = m.get(rmsg.Ttl)
    assert ttl.value == 33 and ttl.name == "IPPROTO_IP/IP_TTL"
    tc = m.get(rmsg.TrafficClass)
    assert (tc.value, tc.dscp, tc.ecn) == (0xB9, 46, 1)
    assert tc.name == "IPPROTO_IP/IP_TOS"
    assert not m.control_truncated


def test_ip_origdstaddr(udp4):
    r, s = udp4
    r.setsockopt(socket.IPPROTO_IP, IP_RECVORIGDSTADDR, 1)
    s.sendto(b"od", r.getsockname())
    m = rmsg.receive(r, 16)
    assert m.get(rmsg.OrigDstAddr).address == r.getsockname()


def test_ipv6_pktinfo_hoplimit_tclass(udp6):
    r, s = udp6
    r.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    r.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
    r.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVTCLASS, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 44)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, 0x2B)  # DSCP 10, CE
    s.sendto(b"six", r.getsockname())
    m = rmsg.receive(r, 16)
    assert m.data == b"six"
    assert m.address[:2] == ("::1", s.getsockname()[1])
    pi = m.get(rmsg.Ipv6PacketInfo)
    assert pi.addr == "::1" and pi.ifindex == socket.if_nametoindex("lo")
    assert pi.name == "IPPROTO_IPV6/IPV6_PKTINFO"
    hl = m.get(rmsg.Ttl)
    assert hl.value == 44 and hl.name == "IPPROTO_IPV6/IPV6_HOPLIMIT"
    tc = m.get(rmsg.TrafficClass)
    assert (tc.value, tc.dscp, tc.ecn) == (0x2B, 10, 3)
    assert tc.name == "IPPROTO_IPV6/IPV6_TCLASS"


def wait_errqueue(s):
    p = select.poll()
    p.register(s, 0)  # POLLERR is always reported
    assert p.poll(5000), "no error queued"


def test_recverr_from_closed_port():
    gone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    gone.bind(("127.0.0.1", 0))
    dest = gone.getsockname()
    gone.close()  # nothing listens on dest now
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
        s.connect(dest)
        s.send(b"hello?")
        wait_errqueue(s)
        m = rmsg.receive(s, 64, flags=socket.MSG_ERRQUEUE)
        assert m.flags & socket.MSG_ERRQUEUE
        assert m.data == b"hello?"
        e = m.get(rmsg.ExtendedError)
        assert e.name == "IPPROTO_IP/IP_RECVERR"
        assert e.ee_errno == errno.ECONNREFUSED
        assert e.ee_origin == SO_EE_ORIGIN_ICMP
        assert (e.ee_type, e.ee_code) == (3, 3)  # unreachable / port
        assert e.offender == ("127.0.0.1", 0)
        assert not m.control_truncated
    finally:
        s.close()


def test_udp_gro_from_udp_segment_sender(udp4):
    r, s = udp4
    r.setsockopt(_n.RMSG_SOL_UDP, _n.RMSG_UDP_GRO, 1)
    payload = bytes(range(250)) * 12  # 3000 bytes
    # The sender's segmentation comes from rmsg.send's UDP_SEGMENT item.
    assert rmsg.send(s, payload, address=r.getsockname(), segment_size=1000) == 3000
    m = rmsg.receive(r, 4096)
    g = m.get(rmsg.UdpGro)
    assert g is not None and g.name == "SOL_UDP/UDP_GRO"
    assert g.segment_size == 1000
    # Loopback hands the GSO datagram whole to a GRO socket.
    assert m.data == payload


def pidfd_pid(fd):
    with open("/proc/self/fdinfo/%d" % fd) as f:
        for line in f:
            if line.startswith("Pid:"):
                return int(line.split()[1])
    return None


def test_pidfd(unix_pair):
    a, b = unix_pair
    try:
        a.setsockopt(socket.SOL_SOCKET, _n.RMSG_SO_PASSPIDFD, 1)
    except OSError as e:
        pytest.skip("SO_PASSPIDFD: %s" % e)
    b.send(b"pid")
    with rmsg.receive(a, 16) as m:
        p = m.get(rmsg.PidFd)
        assert p is not None and p.name == "SOL_SOCKET/SCM_PIDFD"
        assert (p.level, p.type) == (socket.SOL_SOCKET, _n.RMSG_SCM_PIDFD)
        assert pidfd_pid(p.fd.fileno()) == os.getpid()
        assert not m.control_truncated
    assert p.fd.closed  # the with block closed it


def test_unknown_kind_is_raw_with_name(udp4):
    # IP_RETOPTS has no typed decoder in the binding: a plain Item.
    r, s = udp4
    s.setsockopt(socket.IPPROTO_IP, IP_OPTIONS, bytes([7, 7, 4, 0, 0, 0, 0, 0]))
    r.setsockopt(socket.IPPROTO_IP, _n.RMSG_IP_RECVRETOPTS, 1)
    s.sendto(b"ro", r.getsockname())
    m = rmsg.receive(r, 16)
    it = [i for i in m.items if i.type == IP_RETOPTS][0]
    assert type(it) is rmsg.Item
    assert it.name == "IPPROTO_IP/IP_RETOPTS"
    assert it.data and it.data[0] == 7  # Record Route


def test_decoding_by_kind_costs_at_most_two_foreign_calls_per_item(
    unix_pair, pipe, monkeypatch
):
    # rmsg_item_kind once per (level, type) pair, then per item the item
    # handle and the one decoder of its kind (none for SCM_RIGHTS).
    a, b = unix_pair
    a.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    a.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    calls = []

    def counting(name, func):
        def wrapper(*args):
            calls.append(name)
            return func(*args)

        return wrapper

    monkeypatch.setattr(rmsg._typed, "_kinds", {})
    for name in ("message_item", "item_kind"):
        monkeypatch.setattr(rmsg._native, name, counting(name, getattr(rmsg._native, name)))
    for kind, (func, ctype, cls, fill) in list(rmsg._typed._DECODERS.items()):
        entry = (counting(cls.__name__, func), ctype, cls, fill)
        monkeypatch.setitem(rmsg._typed._DECODERS, kind, entry)
    for first in (True, False):
        del calls[:]
        rmsg.send(b, b"x", [pipe[0]])
        with rmsg.receive(a, 16) as m:
            assert sorted(type(i).__name__ for i in m.items) == [
                "Credentials", "Rights", "Timestamp",
            ]
        assert calls.count("item_kind") == (3 if first else 0)
        assert calls.count("message_item") == (3 if first else 2)
        assert calls.count("Credentials") == 1 and calls.count("Timestamp") == 1
        assert len(calls) == (8 if first else 4)


def test_kind_name():
    assert rmsg.kind_name(socket.SOL_SOCKET, socket.SCM_RIGHTS) == "SOL_SOCKET/SCM_RIGHTS"
    assert rmsg.kind_name(socket.IPPROTO_IP, 9999) == "IPPROTO_IP/unknown"


# --- descriptor ownership -------------------------------------------------------


def test_fds_are_owned_and_closed_by_the_message(unix_pair, pipe):
    a, b = unix_pair
    r, w = pipe
    rmsg.send(b, b"fds", [r, w])
    with rmsg.receive(a, 16) as m:
        rr, ww = m.fds
        assert isinstance(rr, rmsg.Fd)
        assert same_file(rr.fileno(), r) and same_file(ww.fileno(), w)
        assert os.get_inheritable(rr.fileno()) is False
        numbers = [rr.fileno(), ww.fileno()]
    assert rr.closed and ww.closed
    for n in numbers:
        with pytest.raises(OSError):
            os.fstat(n)
    with pytest.raises(ValueError):
        rr.fileno()


def test_detached_fd_stays_open(unix_pair, pipe):
    a, b = unix_pair
    r, w = pipe
    rmsg.send(b, b"fd", [w])
    m = rmsg.receive(a, 16)
    kept = m.fds[0].detach()
    m.close()
    try:
        os.write(kept, b"!")  # still open, the pipe's write end
        assert os.read(r, 1) == b"!"
    finally:
        os.close(kept)


def test_fd_context_manager_and_close_idempotent(unix_pair, pipe):
    a, b = unix_pair
    rmsg.send(b, b"fd", [pipe[0]])
    m = rmsg.receive(a, 16)
    with m.fds[0] as f:
        n = f.fileno()
        os.fstat(n)
    assert f.closed
    f.close()
    m.close()
    assert "closed" in repr(f)


def test_forgotten_fd_closed_by_gc_with_resource_warning(unix_pair, pipe):
    a, b = unix_pair
    rmsg.send(b, b"fd", [pipe[0]])
    m = rmsg.receive(a, 16)
    with pytest.warns(ResourceWarning):
        del m
        gc.collect()
    # The autouse fixture checks that the descriptor was closed.


def test_no_leak_when_decoding_fails(unix_pair, pipe, monkeypatch):
    a, b = unix_pair
    a.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    rmsg.send(b, b"fds", [pipe[0], pipe[1]])

    class Boom(Exception):
        pass

    real = rmsg._typed._decode

    def broken(m, index, view, fds):
        if fds is None:
            raise Boom()  # the credentials item, after the fds were taken
        return real(m, index, view, fds)

    monkeypatch.setattr(rmsg._typed, "_decode", broken)
    with pytest.raises(Boom):
        rmsg.receive(a, 16)
    gc.collect()


def test_no_leak_when_the_receive_fails():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    try:
        with pytest.raises(BlockingIOError):
            rmsg.receive(s, 16)
    finally:
        s.close()


# --- automatic sizing ---------------------------------------------------------------


def test_auto_size_no_ctrunc_with_every_option_and_253_fds(unix_pair, pipe):
    a, b = unix_pair
    a.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    a.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    try:
        a.setsockopt(socket.SOL_SOCKET, _n.RMSG_SO_PASSPIDFD, 1)
    except OSError:
        pass
    fds = [pipe[0]] * rmsg.DEFAULT_MAXFDS
    assert rmsg.send(b, b"many", fds) == 4
    with rmsg.receive(a, 16) as m:
        assert not m.control_truncated, m.flags
        assert len(m.fds) == 253
        assert m.get(rmsg.Credentials) is not None
        assert m.get(rmsg.Timestamp) is not None
    # Sized by hand too small, the kernel truncates (and nothing leaks).
    rmsg.send(b, b"many", fds)
    with rmsg.receive(a, 16, ancbufsize=64) as m:
        assert m.control_truncated


def test_auto_size_no_ctrunc_udp_all_options(udp4):
    r, s = udp4
    for opt in (IP_PKTINFO, IP_RECVTTL, socket.IP_RECVTOS, IP_RECVORIGDSTADDR):
        r.setsockopt(socket.IPPROTO_IP, opt, 1)
    r.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.sendto(b"all", r.getsockname())
    m = rmsg.receive(r, 16)
    assert not m.control_truncated
    kinds = {type(i) for i in m.items}
    assert {rmsg.IpPacketInfo, rmsg.Ttl, rmsg.TrafficClass, rmsg.OrigDstAddr,
            rmsg.Timestamp} <= kinds


# --- send ------------------------------------------------------------------------------


def test_send_fds_and_buffers_round_trip(unix_pair, pipe):
    a, b = unix_pair
    r, w = pipe
    n = rmsg.send(b, [b"ab", bytearray(b"cd"), memoryview(b"ef")], [w])
    assert n == 6
    with rmsg.receive(a, 16) as m:
        assert m.data == b"abcdef"
        (fw,) = m.fds
        os.write(fw.fileno(), b"via received fd")
        assert os.read(r, 64) == b"via received fd"


def test_send_fd_objects_and_sockets(unix_pair, pipe):
    a, b = unix_pair
    rmsg.send(b, b"1", [pipe[0]])
    with rmsg.receive(a, 16) as first:
        # An Fd is accepted as a descriptor to pass on.
        rmsg.send(b, b"2", [first.fds[0]])
    with rmsg.receive(a, 16) as second:
        assert same_file(second.fds[0].fileno(), pipe[0])


def test_send_address_ttl_tos_round_trip(udp4):
    r, s = udp4
    s.bind(("127.0.0.1", 0))
    r.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
    r.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
    n = rmsg.send(s, b"ttl", address=r.getsockname(), ttl=7, tos=0x2)
    assert n == 3
    m = rmsg.receive(r, 16)
    assert m.data == b"ttl"
    assert m.address == s.getsockname()
    assert m.get(rmsg.Ttl).value == 7
    tc = m.get(rmsg.TrafficClass)
    assert (tc.value, tc.ecn) == (2, 2)
    # Reply to the received address.
    rmsg.send(r, b"back", address=m.address)
    assert s.recv(16) == b"back"


def test_send_ipv6_hoplimit_tclass_round_trip(udp6):
    r, s = udp6
    r.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
    r.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVTCLASS, 1)
    rmsg.send(s, b"v6", address=("::1", r.getsockname()[1]), ttl=9, tos=0x11)
    m = rmsg.receive(r, 16)
    assert m.data == b"v6"
    assert m.get(rmsg.Ttl).value == 9
    assert m.get(rmsg.TrafficClass).value == 0x11


def unix_dgram():
    return socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)


def test_send_unix_address_and_credentials(tmp_path):
    path = str(tmp_path / "sock")
    with unix_dgram() as r, unix_dgram() as s:
        r.bind(path)
        r.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        rmsg.send(s, b"path", address=path, credentials=True)
        m = rmsg.receive(r, 16)
        assert m.data == b"path"
        c = m.get(rmsg.Credentials)
        assert (c.pid, c.uid, c.gid) == (os.getpid(), os.getuid(), os.getgid())


def test_send_abstract_address():
    name = b"\0rmsg-test-%d" % os.getpid()
    with unix_dgram() as r, unix_dgram() as s:
        r.bind(name)
        rmsg.send(s, b"abs", address=name)
        assert r.recv(16) == b"abs"


def test_send_raw_ancillary_items(unix_pair, pipe):
    import array

    a, b = unix_pair
    fds = array.array("i", [pipe[0]])
    rmsg.send(b, b"raw", ancillary=[(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
    with rmsg.receive(a, 16) as m:
        assert same_file(m.fds[0].fileno(), pipe[0])


def test_send_argument_errors(unix_pair, udp4):
    a, b = unix_pair
    with pytest.raises(ValueError):
        rmsg.send(b, b"x", [-1])
    with pytest.raises(ValueError):
        rmsg.send(b, b"x", [0] * (_n.RMSG_SCM_MAX_FD + 1))
    with pytest.raises(ValueError):
        rmsg.send(b, b"x", ttl=3)  # not an IP socket
    r, s = udp4
    with pytest.raises(ValueError):
        rmsg.send(s, b"x", address=r.getsockname(), ttl=0)
    with pytest.raises(OverflowError):
        rmsg.send(s, b"x", address=("127.0.0.1", 70000))


def test_send_broken_pipe_without_sigpipe():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    b.close()
    old = signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        # With SIGPIPE's default action a plain write would kill the
        # process; rmsg adds MSG_NOSIGNAL.
        with pytest.raises(BrokenPipeError):
            rmsg.send(a, b"anyone?")
    finally:
        signal.signal(signal.SIGPIPE, old)
        a.close()


# --- timeouts and signals --------------------------------------------------------------


def test_receive_timeout(unix_pair):
    a, _ = unix_pair
    a.settimeout(0.2)
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        rmsg.receive(a, 16)
    assert time.monotonic() - t0 >= 0.19
    a.settimeout(0)
    with pytest.raises(BlockingIOError):
        rmsg.receive(a, 16)


def fill(sock):
    sock.setblocking(False)
    try:
        while True:
            sock.send(b"x" * 1024)
    except BlockingIOError:
        pass


def test_send_timeout(unix_pair):
    a, b = unix_pair
    fill(b)
    b.settimeout(0.2)
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        rmsg.send(b, b"x" * 1024)
    assert time.monotonic() - t0 >= 0.19
    b.settimeout(0)
    with pytest.raises(BlockingIOError):
        rmsg.send(b, b"x" * 1024)


class Interrupted(Exception):
    pass


def raise_on_alarm():
    def handler(signum, frame):
        raise Interrupted()

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 0.1)
    return old


def test_receive_signal_handler_exception_propagates(unix_pair):
    a, _ = unix_pair
    old = raise_on_alarm()
    try:
        with pytest.raises(Interrupted):
            rmsg.receive(a, 16)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_send_signal_handler_exception_propagates(unix_pair):
    a, b = unix_pair
    fill(b)
    b.setblocking(True)
    old = raise_on_alarm()
    try:
        with pytest.raises(Interrupted):
            rmsg.send(b, b"x" * 1024)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
