"""Shared fixtures: every test must end with no more open descriptors than
it started with (counted in /proc/self/fd); the sockets and pipes most
tests need, closed after the test."""

import gc
import os
import socket
import sys

import pytest

# Import the package from this checkout when it is not installed.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(_HERE))


def open_fds():
    return set(os.listdir("/proc/self/fd"))


@pytest.fixture(autouse=True)
def no_fd_leak():
    gc.collect()
    before = open_fds()
    yield
    gc.collect()
    after = open_fds()
    # The listing itself opens one descriptor, the same number each time.
    leaked = after - before
    assert not leaked, "descriptors left open: %s" % sorted(leaked)


@pytest.fixture
def unix_pair():
    """A connected AF_UNIX datagram socket pair."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    with a, b:
        yield a, b


@pytest.fixture
def pipe():
    """A pipe's (read end, write end): descriptors to pass around."""
    r, w = os.pipe()
    yield r, w
    os.close(r)
    os.close(w)


@pytest.fixture
def udp4():
    """A UDP socket bound to 127.0.0.1 and an unbound one to send from."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as r, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        r.bind(("127.0.0.1", 0))
        yield r, s


@pytest.fixture
def udp6():
    """As ``udp4`` on ::1; skips the test where there is no IPv6 loopback."""
    try:
        r = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    except OSError as e:
        pytest.skip("no IPv6 loopback: %s" % e)
    with r, socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
        try:
            r.bind(("::1", 0))
        except OSError as e:
            pytest.skip("no IPv6 loopback: %s" % e)
        yield r, s
