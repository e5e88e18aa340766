"""Shared fixtures: every test must end with no more open descriptors than
it started with (counted in /proc/self/fd); the sockets and pipes most
tests need, closed after the test.

The same tests run against either path of the binding, chosen as the
package chooses it (rmsg/_native.py): ``RMSG_IMPL=compiled`` (the
extension module, built in place here first when it is missing or older
than ext/_rmsg.c), ``RMSG_IMPL=ctypes``, or unset (the extension if it is
there). The header of the run names the path in use."""

import gc
import os
import socket
import sys

import pytest

# Import the package from this checkout when it is not installed.
_HERE = os.path.dirname(os.path.abspath(__file__))
_PACKAGE_ROOT = os.path.dirname(_HERE)
sys.path.insert(0, _PACKAGE_ROOT)


def _build_in_place():
    """Builds rmsg/_rmsg*.so from ext/_rmsg.c when it is older or missing
    (only for ``RMSG_IMPL=compiled`` in a checkout)."""
    sys.path.insert(0, os.path.join(_PACKAGE_ROOT, "build_backend"))
    try:
        import rmsg_build
    finally:
        sys.path.pop(0)
    name, _ = rmsg_build.extension_name()
    target = os.path.join(_PACKAGE_ROOT, "rmsg", name)
    source = os.path.join(_PACKAGE_ROOT, "ext", "_rmsg.c")
    if not os.path.exists(source):
        return  # an installed copy of the tests: nothing to build
    if os.path.exists(target) and os.path.getmtime(target) >= os.path.getmtime(source):
        return
    why = rmsg_build._why_no_extension()
    if why is not None:
        raise RuntimeError("RMSG_IMPL=compiled, but the extension cannot be built: " + why)
    rmsg_build.build_extension(os.path.dirname(target))


if os.environ.get("RMSG_IMPL") == "compiled":
    _build_in_place()


def pytest_report_header(config):
    import rmsg

    return "rmsg: %s path, library %s" % (
        rmsg.implementation, rmsg.library_path,
    )


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


# --- failures after the syscall, on either path -----------------------------------


def _clear_address_caches():
    import rmsg

    rmsg._recv._address_cache.clear()
    if rmsg._native.extension is not None:
        rmsg._native.extension._clear_address_cache()


@pytest.fixture
def failing_address_format(monkeypatch):
    """Makes formatting a source address raise ``Boom`` (the exception
    class this fixture gives) on both paths: a failure after the syscall."""
    import rmsg

    class Boom(Exception):
        pass

    def broken(raw, family):
        raise Boom("address")

    _clear_address_caches()
    monkeypatch.setattr(rmsg._recv, "_make_address", broken)
    yield Boom
    monkeypatch.undo()
    _clear_address_caches()


@pytest.fixture
def forced_warning(monkeypatch):
    """Makes every received message take CPython's RuntimeWarning path
    (Linux never writes an item past the end of the buffer)."""
    import rmsg

    ext = rmsg._native.extension
    if ext is not None:
        ext._set_force_warning(True)
    real = rmsg._dropin._items

    def always_warn(st):
        anc, _ = real(st)
        return anc, True

    monkeypatch.setattr(rmsg._dropin, "_items", always_warn)
    yield
    if ext is not None:
        ext._set_force_warning(False)
