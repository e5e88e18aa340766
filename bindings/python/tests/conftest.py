"""Shared fixtures: every test must end with no more open descriptors than
it started with (counted in /proc/self/fd)."""

import gc
import os
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
