"""Loading librmsg and declaring the C functions the binding calls.

Where the library is looked for, in order (the first that loads wins):

1. ``RMSG_LIBRARY``: the path in this environment variable, if it is set
   (and not empty). A failure to load it is an error: nothing else is tried.
2. The build of the repository this package sits in, when it is imported
   from ``bindings/python/rmsg`` of a checkout: ``target/release/librmsg.so``
   then ``target/debug/librmsg.so``.
3. A copy bundled into the installed package by ``pip install`` (the build
   backend copies the library it finds at install time, see
   ``build_backend/rmsg_build.py``): ``rmsg/librmsg.so.0``.
4. The system loader: ``librmsg.so.0`` (``LD_LIBRARY_PATH``, ``ldconfig``).
"""

import ctypes
import os

__all__ = ["lib", "library_path"]


def _candidates():
    env = os.environ.get("RMSG_LIBRARY")
    if env:
        return [env], True
    here = os.path.dirname(os.path.abspath(__file__))
    found = []
    parent = os.path.dirname(here)
    # bindings/python/rmsg -> the repository root, three levels up.
    if (
        os.path.basename(parent) == "python"
        and os.path.basename(os.path.dirname(parent)) == "bindings"
    ):
        root = os.path.dirname(os.path.dirname(parent))
        for profile in ("release", "debug"):
            p = os.path.join(root, "target", profile, "librmsg.so")
            if os.path.exists(p):
                found.append(p)
    bundled = os.path.join(here, "librmsg.so.0")
    if os.path.exists(bundled):
        found.append(bundled)
    found.append("librmsg.so.0")
    return found, False


def _load():
    paths, strict = _candidates()
    errors = []
    for p in paths:
        try:
            return ctypes.CDLL(p, use_errno=False), p
        except OSError as e:
            if strict:
                raise OSError(
                    "rmsg: cannot load the library named by RMSG_LIBRARY (%s): %s"
                    % (p, e)
                ) from e
            errors.append("%s: %s" % (p, e))
    raise OSError(
        "rmsg: cannot find librmsg (build it with `cargo build`, or set "
        "RMSG_LIBRARY to its path). Tried:\n  " + "\n  ".join(errors)
    )


lib, library_path = _load()

c_size_t = ctypes.c_size_t
c_int = ctypes.c_int
c_uint32 = ctypes.c_uint32
c_void_p = ctypes.c_void_p
c_bool = ctypes.c_bool
POINTER = ctypes.POINTER


class RecvOptions(ctypes.Structure):
    """``rmsg_recv_options``."""

    _fields_ = [
        ("wait", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("timeout_ns", ctypes.c_uint64),
    ]


class Iovec(ctypes.Structure):
    """``rmsg_iovec`` (laid out as ``struct iovec``)."""

    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def _fn(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


# Status codes and constants (from include/rmsg.h).
RMSG_OK = 0
RMSG_ERR_OS = 1
RMSG_ERR_WOULD_BLOCK = 2
RMSG_ERR_TIMED_OUT = 3
RMSG_ERR_INTERRUPTED = 4
RMSG_ERR_TOO_LARGE = 7
RMSG_ERR_OUT_OF_MEMORY = 8
RMSG_WAIT_BLOCK = 0
RMSG_WAIT_NONBLOCK = 1
RMSG_WAIT_DEADLINE = 2
RMSG_RECV_RETURN_EINTR = 1
RMSG_RECV_NO_CLOEXEC = 2

last_errno = _fn("rmsg_last_errno", c_int)
status_name = _fn("rmsg_status_name", ctypes.c_char_p, c_uint32)
cmsg_len = _fn("rmsg_cmsg_len", c_uint32, c_size_t, POINTER(c_size_t))
cmsg_space = _fn("rmsg_cmsg_space", c_uint32, c_size_t, POINTER(c_size_t))
recvmsg_with = _fn(
    "rmsg_recvmsg_with",
    c_uint32,
    c_int,
    c_size_t,
    c_size_t,
    c_int,
    POINTER(RecvOptions),
    POINTER(c_void_p),
)
recvmsg_into = _fn(
    "rmsg_recvmsg_into",
    c_uint32,
    c_int,
    c_void_p,
    c_size_t,
    c_size_t,
    c_int,
    POINTER(RecvOptions),
    POINTER(c_size_t),
    POINTER(c_void_p),
)
message_free = _fn("rmsg_message_free", None, c_void_p)
message_data = _fn("rmsg_message_data", c_void_p, c_void_p)
message_data_len = _fn("rmsg_message_data_len", c_size_t, c_void_p)
message_flags = _fn("rmsg_message_flags", c_int, c_void_p)
message_malformed = _fn("rmsg_message_malformed", c_bool, c_void_p)
message_item_count = _fn("rmsg_message_item_count", c_size_t, c_void_p)
message_item = _fn("rmsg_message_item", c_void_p, c_void_p, c_size_t)
message_address = _fn("rmsg_message_address", c_void_p, c_void_p)
message_take_item_fds = _fn(
    "rmsg_message_take_item_fds",
    c_uint32,
    c_void_p,
    c_size_t,
    POINTER(c_int),
    c_size_t,
    POINTER(c_size_t),
)
item_level = _fn("rmsg_item_level", c_int, c_void_p)
item_type = _fn("rmsg_item_type", c_int, c_void_p)
item_data = _fn("rmsg_item_data", c_void_p, c_void_p)
item_data_len = _fn("rmsg_item_data_len", c_size_t, c_void_p)
item_truncated = _fn("rmsg_item_truncated", c_bool, c_void_p)
item_fd_count = _fn("rmsg_item_fd_count", c_size_t, c_void_p)
address_raw = _fn(
    "rmsg_address_raw",
    c_uint32,
    c_void_p,
    POINTER(c_void_p),
    POINTER(c_size_t),
)
