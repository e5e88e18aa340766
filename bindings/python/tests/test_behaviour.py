"""Timeouts, signals, the GIL, descriptor ownership: what rmsg does around
the receive itself, checked against CPython where CPython is the reference.
No test asserts an upper time bound tighter than seconds."""

import array
import os
import signal
import socket
import threading
import time

import pytest

import rmsg

INT = array.array("i").itemsize


class Boom(Exception):
    pass


def outcome(fn):
    try:
        return ("ok", fn())
    except Exception as e:
        return (type(e), e.args)


RECEIVERS = {
    "cpython": lambda s: s.recvmsg(16, 64),
    "rmsg": lambda s: rmsg.recvmsg(s, 16, 64),
    "rmsg_into": lambda s: rmsg.recvmsg_into(s, [bytearray(16)], 64),
    "rmsg_fds": lambda s: rmsg.recv_fds(s, 16, 2),
    "rmsg_batch": lambda s: rmsg.recvmsg_batch(s, 4, 16, 64),
}


def test_timeout_zero_is_blocking_io_error(unix_pair):
    a, _ = unix_pair
    a.settimeout(0)
    want = outcome(lambda: a.recvmsg(1))
    assert want[0] is BlockingIOError
    for name, recv in RECEIVERS.items():
        assert outcome(lambda: recv(a))[0] is BlockingIOError, name
    assert outcome(lambda: rmsg.recvmsg(a, 1)) == want


def test_timeout_raises_timeout_error_after_deadline(unix_pair):
    a, _ = unix_pair
    a.settimeout(0.2)
    want = outcome(lambda: a.recvmsg(1))
    assert want == (TimeoutError, ("timed out",))
    for name, recv in RECEIVERS.items():
        t0 = time.monotonic()
        assert outcome(lambda: recv(a)) == want, name
        assert time.monotonic() - t0 >= 0.19


def test_timeout_receives_what_arrives_in_time(unix_pair):
    a, b = unix_pair
    a.settimeout(10)
    t = threading.Timer(0.1, lambda: b.send(b"late"))
    t.start()
    try:
        # The sender is Python code: it can only run if the GIL is released
        # while rmsg waits.
        assert rmsg.recvmsg(a, 16) == (b"late", [], 0, None)
    finally:
        t.join()


def test_blocking_releases_the_gil(unix_pair):
    a, b = unix_pair
    assert a.gettimeout() is None
    ticks = []

    def busy_then_send():
        end = time.monotonic() + 0.2
        while time.monotonic() < end:
            ticks.append(1)
        b.send(b"done")

    t = threading.Thread(target=busy_then_send)
    t.start()
    try:
        assert rmsg.recvmsg(a, 16)[0] == b"done"
    finally:
        t.join()
    assert len(ticks) > 0


def with_timer(first, interval, handler, fn):
    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, first, interval)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("name", sorted(RECEIVERS))
@pytest.mark.parametrize("timeout", [None, 30.0])
def test_signal_handler_exception_propagates(unix_pair, name, timeout):
    a, _ = unix_pair
    a.settimeout(timeout)

    def handler(signum, frame):
        raise Boom(signum)

    t0 = time.monotonic()
    with pytest.raises(Boom):
        with_timer(0.1, 0, handler, lambda: RECEIVERS[name](a))
    assert time.monotonic() - t0 < 20


@pytest.mark.parametrize("name", sorted(RECEIVERS))
def test_quiet_signal_handler_then_data(unix_pair, name):
    a, b = unix_pair
    calls = []
    t = threading.Timer(0.4, lambda: b.send(b"after"))
    t.start()
    try:
        res = with_timer(0.05, 0.05, lambda s, f: calls.append(s), lambda: RECEIVERS[name](a))
    finally:
        t.join()
    if name == "rmsg_batch":
        res = res[0]
    assert res[0] in (b"after", 5)
    assert calls, "the handler ran while the call was blocked"


def test_signals_do_not_extend_the_timeout(unix_pair):
    a, _ = unix_pair
    a.settimeout(0.5)
    calls = []
    t0 = time.monotonic()
    got = outcome(
        lambda: with_timer(0.05, 0.05, lambda s, f: calls.append(s), lambda: rmsg.recvmsg(a, 1))
    )
    assert got == (TimeoutError, ("timed out",))
    assert calls
    elapsed = time.monotonic() - t0
    assert 0.45 <= elapsed < 10


def send_pipe_fds(sock, fds, data=b"fds"):
    sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])


def fds_of(anc):
    out = array.array("i")
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            out.frombytes(data[: len(data) - len(data) % INT])
    return list(out)


def test_descriptors_belong_to_the_caller(unix_pair, pipe):
    a, b = unix_pair
    r, w = pipe
    send_pipe_fds(b, [w])
    data, anc, flags, addr = rmsg.recvmsg(a, 16, 64)
    (fd,) = fds_of(anc)
    # Still open after the message was freed, and it is the pipe.
    os.write(fd, b"through")
    os.close(fd)
    assert os.read(r, 16) == b"through"


def test_cloexec_by_default_and_inheritable_on_request(unix_pair, pipe):
    a, b = unix_pair
    r, w = pipe
    for _ in range(3):
        send_pipe_fds(b, [r])
    (c,) = fds_of(a.recvmsg(16, 64)[1])
    (d,) = fds_of(rmsg.recvmsg(a, 16, 64)[1])
    (e,) = fds_of(rmsg.recvmsg(a, 16, 64, cloexec=False)[1])
    try:
        assert os.get_inheritable(c) is True  # CPython's
        assert os.get_inheritable(d) is False
        assert os.get_inheritable(e) is True
    finally:
        for fd in (c, d, e):
            os.close(fd)


def bound_pair(tmp_path):
    """A datagram receiver and a sender bound to a path: its messages
    carry a source address to format."""
    rx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    tx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    rx.bind(str(tmp_path / "rx"))
    tx.bind(str(tmp_path / "tx"))
    tx.connect(str(tmp_path / "rx"))
    return rx, tx


RECEIVE_WITH_FDS = {
    "recvmsg": lambda s: rmsg.recvmsg(s, 16, 64),
    "recvmsg_into": lambda s: rmsg.recvmsg_into(s, [bytearray(16)], 64),
    "recv_fds": lambda s: rmsg.recv_fds(s, 16, 2),
    "recvmsg_batch": lambda s: rmsg.recvmsg_batch(s, 8, 16, 64),
}


@pytest.mark.parametrize("name", sorted(RECEIVE_WITH_FDS))
def test_descriptors_closed_when_building_the_result_fails(
    tmp_path, pipe, failing_address_format, name
):
    rx, tx = bound_pair(tmp_path)
    with rx, tx:
        r, w = pipe
        for _ in range(3):
            send_pipe_fds(tx, [r, w])
        with pytest.raises(failing_address_format):
            RECEIVE_WITH_FDS[name](rx)
    # The autouse fixture checks that the received copies were closed
    # (for the batch: all three messages' descriptors).


@pytest.mark.parametrize("name", ["recvmsg", "recvmsg_into", "recvmsg_batch"])
def test_warnings_as_errors_close_descriptors(unix_pair, pipe, forced_warning, name):
    # As CPython does, the warning comes before the descriptors are handed
    # over, and an exception from it closes them.
    a, b = unix_pair
    r, w = pipe
    for _ in range(2):
        send_pipe_fds(b, [r, w])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(RuntimeWarning, match="malformed or improperly-truncated"):
            RECEIVE_WITH_FDS[name](a)
    if name != "recvmsg_batch":
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            with pytest.raises(RuntimeWarning):
                RECEIVE_WITH_FDS[name](a)


def test_warning_is_the_one_cpython_gives(unix_pair, pipe, forced_warning):
    a, b = unix_pair
    send_pipe_fds(b, [pipe[0]])
    with pytest.warns(RuntimeWarning, match="malformed or improperly-truncated") as rec:
        data, anc, flags, addr = rmsg.recvmsg(a, 16, 64)
    assert len(rec) == 1
    for fd in fds_of(anc):
        os.close(fd)


def test_fds_beyond_maxfds_are_not_leaked(unix_pair, pipe):
    a, b = unix_pair
    r, w = pipe
    send_pipe_fds(b, [r, w, r, w])
    data, fds, flags, addr = rmsg.recv_fds(a, 16, 1)
    assert data == b"fds" and len(fds) == 1
    assert flags & socket.MSG_CTRUNC
    for fd in fds:
        os.close(fd)
