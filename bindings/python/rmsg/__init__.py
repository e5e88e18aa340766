"""rmsg: ``socket.recvmsg`` through librmsg, as a drop-in.

``recvmsg(sock, bufsize, ancbufsize=0, flags=0)``,
``recvmsg_into(sock, buffers, ancbufsize=0, flags=0)``,
``recv_fds(sock, bufsize, maxfds, flags=0)``, ``CMSG_LEN(n)`` and
``CMSG_SPACE(n)`` return what CPython's socket methods and functions return
for the same traffic, raise the same exceptions with the same messages for
bad arguments, honour the socket's timeout, run Python signal handlers
during a blocking call (their exceptions propagate), release the GIL while
blocked, and warn with ``RuntimeWarning`` exactly when CPython does.

Deliberate differences from CPython, all on the safe side:

- Received descriptors are close-on-exec (``MSG_CMSG_CLOEXEC`` is passed).
  CPython's come inheritable. Pass ``cloexec=False`` to get CPython's
  behaviour.
- ``recv_fds`` passes ``flags`` to the receive call (CPython 3.9-3.13's
  ``socket.recv_fds`` accepts ``flags`` and ignores it), and closes
  descriptors of other fd-carrying items (``SCM_PIDFD``) instead of leaking
  them.
- Argument-count and keyword errors are Python's own ``TypeError`` wording
  (the socket methods take no keywords; these functions do).

Where the library is loaded from: see ``rmsg._native``.
"""

import ctypes
import operator
import os
import socket as _socket
import sys
import time
import warnings

from . import _native as _n

__all__ = ["recvmsg", "recvmsg_into", "recv_fds", "CMSG_LEN", "CMSG_SPACE"]
__version__ = "0.1.0"

library_path = _n.library_path

# CPython's SOCKLEN_T_LIMIT: the largest control-buffer size it accepts.
_SOCKLEN_T_LIMIT = 0x7FFFFFFF
_SSIZE_BITS = ctypes.sizeof(ctypes.c_ssize_t) * 8
_SSIZE_MIN = -(1 << (_SSIZE_BITS - 1))
_SSIZE_MAX = (1 << (_SSIZE_BITS - 1)) - 1
_LONG_BITS = ctypes.sizeof(ctypes.c_long) * 8
_LONG_MIN = -(1 << (_LONG_BITS - 1))
_LONG_MAX = (1 << (_LONG_BITS - 1)) - 1
_INT_BITS = ctypes.sizeof(ctypes.c_int) * 8
_INT_MIN = -(1 << (_INT_BITS - 1))
_INT_MAX = (1 << (_INT_BITS - 1)) - 1
_INT_SIZE = ctypes.sizeof(ctypes.c_int)
_WARNING = "received malformed or improperly-truncated ancillary data"
_BUFFERS_MSG = (
    "recvmsg_into() argument 1 must be an iterable of single-segment "
    "read-write buffers"
)

try:
    _check_signals = ctypes.pythonapi.PyErr_CheckSignals
    _check_signals.restype = ctypes.c_int
    _check_signals.argtypes = []
except (AttributeError, ValueError):  # not CPython: handlers run at the next bytecode
    def _check_signals():
        return 0


def _ssize_arg(value):
    """PyArg_Parse "n": a Py_ssize_t from any object with ``__index__``."""
    v = operator.index(value)
    if not _SSIZE_MIN <= v <= _SSIZE_MAX:
        raise OverflowError("Python int too large to convert to C ssize_t")
    return v


def _cint(value):
    """PyArg_Parse "i": a C int."""
    v = operator.index(value)
    if not _LONG_MIN <= v <= _LONG_MAX:
        raise OverflowError("Python int too large to convert to C long")
    if v > _INT_MAX:
        raise OverflowError("signed integer is greater than maximum")
    if v < _INT_MIN:
        raise OverflowError("signed integer is less than minimum")
    return v


def CMSG_LEN(length):
    """``socket.CMSG_LEN``: the ``cmsg_len`` of an item with ``length``
    data bytes. ``OverflowError`` outside what CPython accepts."""
    n = _ssize_arg(length)
    out = ctypes.c_size_t()
    if n < 0 or (
        _n.cmsg_len(n, ctypes.byref(out)) != _n.RMSG_OK
        or out.value > _SOCKLEN_T_LIMIT
    ):
        raise OverflowError("CMSG_LEN() argument out of range")
    return out.value


def CMSG_SPACE(length):
    """``socket.CMSG_SPACE``: control-buffer bytes one item with ``length``
    data bytes occupies, padding included."""
    n = _ssize_arg(length)
    out = ctypes.c_size_t()
    if (
        n < 0
        # CPython's bound: room for the padding before *and* after the data.
        or n > _SOCKLEN_T_LIMIT - _SPACE_OF_ONE
        or _n.cmsg_space(n, ctypes.byref(out)) != _n.RMSG_OK
        or out.value > _SOCKLEN_T_LIMIT
    ):
        raise OverflowError("CMSG_SPACE() argument out of range")
    return out.value


def _space_of_one():
    out = ctypes.c_size_t()
    _n.cmsg_space(1, ctypes.byref(out))
    return out.value


_SPACE_OF_ONE = _space_of_one()


# --- addresses: CPython's makesockaddr over the raw bytes -----------------

_SOCKADDR_LEN = {
    _socket.AF_UNIX: 110,
    _socket.AF_INET: 16,
    _socket.AF_INET6: 28,
}
if hasattr(_socket, "AF_NETLINK"):
    _SOCKADDR_LEN[_socket.AF_NETLINK] = 12


def _make_address(raw, sock_family):
    """Formats the raw ``sockaddr`` bytes (``msg_namelen`` of them) as
    CPython's ``makesockaddr`` does."""
    addrlen = min(len(raw), _SOCKADDR_LEN.get(sock_family, 128))
    if addrlen == 0:
        return None
    # CPython zeroes its address buffer and sets AF_UNSPEC before the call.
    buf = raw[:addrlen].ljust(128, b"\0")
    family = int.from_bytes(buf[0:2], sys.byteorder)
    if family == _socket.AF_INET:
        return (
            _socket.inet_ntop(_socket.AF_INET, buf[4:8]),
            int.from_bytes(buf[2:4], "big"),
        )
    if family == _socket.AF_INET6:
        return (
            _socket.inet_ntop(_socket.AF_INET6, buf[8:24]),
            int.from_bytes(buf[2:4], "big"),
            int.from_bytes(buf[4:8], "big"),
            int.from_bytes(buf[24:28], sys.byteorder),
        )
    if family == _socket.AF_UNIX:
        path_len = addrlen - 2
        if path_len > 0 and buf[2] == 0:  # Linux abstract namespace
            return bytes(buf[2:addrlen])
        return os.fsdecode(buf[2:].split(b"\0", 1)[0])
    if hasattr(_socket, "AF_NETLINK") and family == _socket.AF_NETLINK:
        return (
            int.from_bytes(buf[4:8], sys.byteorder),
            int.from_bytes(buf[8:12], sys.byteorder),
        )
    # Unknown to this binding: (family, sa_data) as CPython's default case.
    return (family, bytes(buf[2:16]))


def _address(m, sock_family):
    a = _n.message_address(m)
    if not a:
        return None
    p = ctypes.c_void_p()
    n = ctypes.c_size_t()
    if _n.address_raw(a, ctypes.byref(p), ctypes.byref(n)) != _n.RMSG_OK:
        return None
    return _make_address(ctypes.string_at(p.value, n.value), sock_family)


# --- the receive loop -------------------------------------------------------


def _raise_status(status):
    err = _n.last_errno()
    if status == _n.RMSG_ERR_TIMED_OUT:
        raise TimeoutError("timed out")
    if status in (_n.RMSG_ERR_OUT_OF_MEMORY, _n.RMSG_ERR_TOO_LARGE):
        raise MemoryError()
    if err:
        raise OSError(err, os.strerror(err))
    raise OSError("rmsg: %s" % _n.status_name(status).decode())


def _call(sock, call, cloexec):
    """Runs ``call(fd, options_ref)`` (a receive that stores the message
    pointer in a ``c_void_p`` of the caller's, so that the caller's
    ``finally`` frees it even when a signal handler raises at any bytecode
    after the C call returned) with the socket's timeout and CPython's
    signal handling. Returns on success, raises otherwise."""
    fd = sock.fileno()
    timeout = sock.gettimeout()
    opts = _n.RecvOptions()
    opts.flags = _n.RMSG_RECV_RETURN_EINTR
    if not cloexec:
        opts.flags |= _n.RMSG_RECV_NO_CLOEXEC
    deadline = None
    if timeout is not None and timeout > 0:
        deadline = time.monotonic() + timeout
        opts.wait = _n.RMSG_WAIT_DEADLINE
    first = True
    while True:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left < 0 and not first:
                raise TimeoutError("timed out")
            opts.timeout_ns = max(0, int(left * 1e9))
        first = False
        status = call(fd, ctypes.byref(opts))
        if status == _n.RMSG_OK:
            return
        if status == _n.RMSG_ERR_INTERRUPTED:
            # Run the Python signal handlers now, as CPython's sock_call does;
            # an exception from one propagates from here.
            _check_signals()
            continue
        _raise_status(status)


def _items(m):
    """The ancillary list and whether CPython would warn."""
    count = _n.message_item_count(m)
    anc = []
    warn = bool(_n.message_malformed(m))
    string_at = ctypes.string_at
    for i in range(count):
        it = _n.message_item(m, i)
        anc.append(
            (
                _n.item_level(it),
                _n.item_type(it),
                string_at(_n.item_data(it), _n.item_data_len(it)),
            )
        )
        if _n.item_truncated(it):
            # CPython stops at the first item that runs past the buffer.
            warn = True
            break
    return anc, warn


def _take_fds(m, count, only_rights=False):
    """Takes the descriptors of every fd-carrying item (or only the
    SCM_RIGHTS ones) out of the message, so freeing it does not close them.
    Returns them in kernel order."""
    taken = []
    for i in range(count):
        it = _n.message_item(m, i)
        n = _n.item_fd_count(it)
        if n == 0:
            continue
        if only_rights and not (
            _n.item_level(it) == _socket.SOL_SOCKET
            and _n.item_type(it) == _socket.SCM_RIGHTS
        ):
            continue
        arr = (ctypes.c_int * n)()
        got = ctypes.c_size_t()
        if _n.message_take_item_fds(m, i, arr, n, ctypes.byref(got)) == _n.RMSG_OK:
            taken.extend(arr[: got.value])
    return taken


def _close_quietly(fds):
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def _finish(m, sock, stacklevel, only_rights=False):
    """Builds (ancdata, flags, address) from a received message, warns as
    CPython would, and hands the descriptors over to the caller."""
    anc, warn = _items(m)
    flags = _n.message_flags(m)
    addr = _address(m, sock.family)
    if warn:
        # May raise (warnings as errors): the message, freed by the caller,
        # then closes every descriptor, as CPython's err_closefds does.
        warnings.warn(_WARNING, RuntimeWarning, stacklevel=stacklevel + 1)
    taken = _take_fds(m, len(anc), only_rights)
    return anc, flags, addr, taken


def recvmsg(sock, bufsize, ancbufsize=0, flags=0, *, cloexec=True):
    """``sock.recvmsg(bufsize[, ancbufsize[, flags]])`` through librmsg.

    Returns ``(data, ancdata, msg_flags, address)`` exactly as CPython's
    method does. Received descriptors are in ``ancdata`` (as CPython gives
    them) and belong to the caller. ``cloexec=False`` makes them inheritable
    as CPython's are."""
    bufsize = _ssize_arg(bufsize)
    ancbufsize = _ssize_arg(ancbufsize)
    flags = _cint(flags)
    if bufsize < 0:
        raise ValueError("negative buffer size in recvmsg()")
    if ancbufsize < 0 or ancbufsize > _SOCKLEN_T_LIMIT:
        raise ValueError("invalid ancillary data buffer length")
    msg = ctypes.c_void_p()
    taken = ()
    try:
        _call(
            sock,
            lambda fd, opts: _n.recvmsg_with(
                fd, bufsize, ancbufsize, flags, opts, ctypes.byref(msg)
            ),
            cloexec,
        )
        m = msg.value
        data = ctypes.string_at(_n.message_data(m), _n.message_data_len(m))
        anc, mflags, addr, taken = _finish(m, sock, 2)
        return data, anc, mflags, addr
    except BaseException:
        _close_quietly(taken)
        raise
    finally:
        if msg.value:
            _n.message_free(msg.value)


def _iovecs(buffers):
    try:
        seq = list(buffers) if not isinstance(buffers, (list, tuple)) else buffers
    except TypeError:
        raise TypeError("recvmsg_into() argument 1 must be an iterable") from None
    if len(seq) > _INT_MAX:
        raise OSError("recvmsg_into() argument 1 is too long")
    keep = []
    iov = (_n.Iovec * len(seq))()
    for i, b in enumerate(seq):
        try:
            mv = memoryview(b)
        except TypeError:
            raise TypeError(_BUFFERS_MSG) from None
        if mv.readonly or not mv.c_contiguous:
            raise TypeError(_BUFFERS_MSG)
        nbytes = mv.nbytes
        if nbytes:
            cbuf = (ctypes.c_char * nbytes).from_buffer(mv)
            keep.append(cbuf)
            iov[i].base = ctypes.addressof(cbuf)
        iov[i].len = nbytes
        keep.append(mv)
    return iov, len(seq), keep


def recvmsg_into(sock, buffers, ancbufsize=0, flags=0, *, cloexec=True):
    """``sock.recvmsg_into(buffers[, ancbufsize[, flags]])`` through
    librmsg: scatters the data into the writable ``buffers`` and returns
    ``(nbytes, ancdata, msg_flags, address)`` as CPython does."""
    ancbufsize = _ssize_arg(ancbufsize)
    flags = _cint(flags)
    iov, count, keep = _iovecs(buffers)
    if ancbufsize < 0 or ancbufsize > _SOCKLEN_T_LIMIT:
        raise ValueError("invalid ancillary data buffer length")
    msg = ctypes.c_void_p()
    nbytes = ctypes.c_size_t()
    taken = ()
    try:
        _call(
            sock,
            lambda fd, opts: _n.recvmsg_into(
                fd, iov, count, ancbufsize, flags, opts,
                ctypes.byref(nbytes), ctypes.byref(msg),
            ),
            cloexec,
        )
        anc, mflags, addr, taken = _finish(msg.value, sock, 2)
        return nbytes.value, anc, mflags, addr
    except BaseException:
        _close_quietly(taken)
        raise
    finally:
        if msg.value:
            _n.message_free(msg.value)
        del keep


def recv_fds(sock, bufsize, maxfds, flags=0, *, cloexec=True):
    """``socket.recv_fds(sock, bufsize, maxfds[, flags])`` through librmsg:
    returns ``(data, fds, msg_flags, address)``. The control buffer is
    ``CMSG_LEN(maxfds * sizeof(int))``; ``flags`` is passed on (CPython's
    ignores it); descriptors that arrive in other items are closed."""
    ancbufsize = CMSG_LEN(_ssize_arg(maxfds) * _INT_SIZE)
    bufsize = _ssize_arg(bufsize)
    flags = _cint(flags)
    if bufsize < 0:
        raise ValueError("negative buffer size in recvmsg()")
    msg = ctypes.c_void_p()
    taken = ()
    try:
        _call(
            sock,
            lambda fd, opts: _n.recvmsg_with(
                fd, bufsize, ancbufsize, flags, opts, ctypes.byref(msg)
            ),
            cloexec,
        )
        m = msg.value
        data = ctypes.string_at(_n.message_data(m), _n.message_data_len(m))
        anc, mflags, addr, taken = _finish(m, sock, 2, only_rights=True)
        return data, list(taken), mflags, addr
    except BaseException:
        _close_quietly(taken)
        raise
    finally:
        if msg.value:
            _n.message_free(msg.value)
