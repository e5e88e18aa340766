"""The receive machinery that the drop-ins (``rmsg._dropin``) and the typed
API (``rmsg._typed``) share: CPython's argument conversions, the pooled
per-call ctypes state, the receive loop with the socket's timeout and
Python's signal handling, status-to-exception mapping, and source-address
formatting as ``socket.recvmsg`` does it.

It imports only ``rmsg._native``; both API modules import it (and neither
imports the other), so the package has no import cycle.

The hot path was tuned: callers bind what they use as module globals
(``from ._recv import ...``), ctypes calls get plain addresses (the
cheapest argument to convert), and a receive makes no call it can avoid.
"""

import ctypes
import operator
import os
import socket as _socket
import struct
import sys
import time

from . import _native as _n

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

try:
    _check_signals = ctypes.pythonapi.PyErr_CheckSignals
    _check_signals.restype = ctypes.c_int
    _check_signals.argtypes = []
except (AttributeError, ValueError):  # not CPython: handlers run at the next bytecode
    def _check_signals():
        return 0


# --- arguments as CPython's PyArg_Parse converts them --------------------------


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


def _cuint(value, bits=32):
    """A C unsigned integer of ``bits`` bits, with PyLong_AsUnsignedLong's
    errors (ctypes would silently keep the low bits)."""
    v = operator.index(value)
    if v < 0:
        raise OverflowError("can't convert negative int to unsigned")
    if v >> bits:
        raise OverflowError(
            "Python int too large to convert to C unsigned %s"
            % ("int" if bits <= 32 else "long")
        )
    return v


def _size_arg(value, what):
    """A size_t from a Py_ssize_t argument that must not be negative."""
    v = _ssize_arg(value)
    if v < 0:
        raise ValueError("%s must not be negative" % what)
    return v


def _fd_of(sock):
    """``sock.fileno()``, checked to fit the C int it is handed to C as
    (ctypes would pass ``2**32 + n`` as ``n``): ``OverflowError`` as
    PyObject_AsFileDescriptor raises. -1, a closed socket's, is passed on
    so that the call fails with EBADF, as CPython's methods do."""
    fd = sock.fileno()
    if type(fd) is int and _INT_MIN <= fd <= _INT_MAX:
        return fd
    if not isinstance(fd, int):
        raise TypeError("fileno() returned a non-integer")
    if _INT_MIN <= fd <= _INT_MAX:
        return int(fd)
    raise OverflowError("Python int too large to convert to C int")


# --- addresses: CPython's makesockaddr over the raw bytes -----------------

_SOCKADDR_LEN = {
    _socket.AF_UNIX: 110,
    _socket.AF_INET: 16,
    _socket.AF_INET6: 28,
}
if hasattr(_socket, "AF_NETLINK"):
    _SOCKADDR_LEN[_socket.AF_NETLINK] = 12
if hasattr(_socket, "AF_PACKET"):
    _SOCKADDR_LEN[_socket.AF_PACKET] = 20
if hasattr(_socket, "AF_VSOCK"):
    _SOCKADDR_LEN[_socket.AF_VSOCK] = 16


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
    if hasattr(_socket, "AF_PACKET") and family == _socket.AF_PACKET:
        # (ifname, proto, pkttype, hatype, addr), as CPython's "shbhy#"
        # builds it from the unsigned fields (promoted, so never negative);
        # the name is "" when the index names no interface.
        ifindex = int.from_bytes(buf[4:8], sys.byteorder, signed=True)
        try:
            ifname = _socket.if_indextoname(ifindex) if ifindex > 0 else ""
        except OSError:
            ifname = ""
        halen = min(buf[11], 8)
        return (ifname, int.from_bytes(buf[2:4], "big"), buf[10],
                int.from_bytes(buf[8:10], sys.byteorder), bytes(buf[12:12 + halen]))
    if hasattr(_socket, "AF_VSOCK") and family == _socket.AF_VSOCK:
        return (
            int.from_bytes(buf[8:12], sys.byteorder),
            int.from_bytes(buf[4:8], sys.byteorder),
        )
    # Unknown to this binding: (family, sa_data) as CPython's default case.
    return (family, bytes(buf[2:16]))


# Formatted addresses by raw bytes: a server hears from the same peers
# again and again. Bounded; the values are immutable.
_address_cache = {}
_ADDRESS_CACHE_MAX = 512


try:
    import _socket as _csocket

    # The C socket type's own member: a plain int.
    _family_of = _csocket.socket.family.__get__
except (ImportError, AttributeError):  # pragma: no cover
    _family_of = None


def _sock_family(sock):
    """``sock.family`` as an int, without socket.py's IntEnum conversion
    (a tenth of the whole call's time)."""
    if _family_of is not None:
        try:
            return _family_of(sock)
        except TypeError:
            pass
    return int(sock.family)


def _address(info, sock):
    """The source address of the message summarized in ``info`` (an
    ``rmsg_message_info``), formatted for ``sock``'s family, or None."""
    n = info.address_len
    if not n:
        return None
    raw = _at(info.address)[:n]
    key = (raw, _sock_family(sock))
    try:
        return _address_cache[key]
    except KeyError:
        pass
    addr = _make_address(raw, key[1])
    if len(_address_cache) >= _ADDRESS_CACHE_MAX:
        _address_cache.clear()
    _address_cache[key] = addr
    return addr


# --- per-call state, pooled ---------------------------------------------------


class _State:
    """The ctypes objects one receive needs, made once and reused: the
    message pointer, the summary, the item views (grown on demand) and a
    descriptor array. Taken from ``_pool`` for one call and put back after,
    so that threads and signal handlers that re-enter (a handler may call
    ``recvmsg`` while another call's state is live) each get their own."""

    __slots__ = (
        "msg", "info", "views", "nviews", "count", "fds", "nfds", "nbytes",
        "views_addr", "views_mem",
        "other_fds", "msg_addr", "info_addr", "count_addr", "nbytes_addr",
    )

    def __init__(self):
        self.msg = ctypes.c_void_p()
        self.info = _n.MessageInfo()
        self.nviews = 4
        self.views = (_n.ItemView * 4)()
        self.views_addr = ctypes.addressof(self.views)
        self.views_mem = memoryview(self.views).cast("B")
        self.count = ctypes.c_size_t()
        self.nfds = 16
        self.fds = (ctypes.c_int * 16)()
        self.nbytes = ctypes.c_size_t()
        self.other_fds = False
        # Plain addresses: the cheapest argument ctypes converts.
        self.msg_addr = ctypes.addressof(self.msg)
        self.info_addr = ctypes.addressof(self.info)
        self.count_addr = ctypes.addressof(self.count)
        self.nbytes_addr = ctypes.addressof(self.nbytes)

    def item_views(self, m, count):
        """Fills the views of the message's ``count`` items; returns a
        memoryview of their bytes (``_VIEW`` records)."""
        if count > self.nviews:
            n = max(count, 2 * self.nviews)
            self.views = (_n.ItemView * n)()
            self.nviews = n
            self.views_addr = ctypes.addressof(self.views)
            self.views_mem = memoryview(self.views).cast("B")
        st = _n.message_items(m, self.views_addr, self.nviews, self.count_addr)
        if st != _n.RMSG_OK:
            _raise_status(st)
        return self.views_mem[: count * _VIEW_SIZE]

    def fd_array(self, n):
        if n > self.nfds:
            self.fds = (ctypes.c_int * n)()
            self.nfds = n
        return self.fds

    def release(self):
        """Frees the message (closing the descriptors it still owns) and
        returns the state to the pool."""
        m = self.msg.value
        if m:
            self.msg.value = None
            _message_free(m)
        _pool.append(self)


# list.pop and list.append are atomic: no lock needed. The pool holds at
# most as many states as calls were ever running at once.
_pool = []
_message_free = _n.message_free


def _get_state():
    try:
        return _pool.pop()
    except IndexError:
        return _State()


# Copying n bytes at address p: ``_at(p)[:n]`` slices a c_char array type
# as long as memory placed at p, which copies exactly the n bytes and is
# three times as fast as ctypes.string_at (a libffi call). p must not be
# NULL (the library never gives NULL for data, even empty).
_at = (ctypes.c_char * (1 << 40)).from_address


def _string_at(p, n):
    return _at(p)[:n] if n else b""


# One rmsg_item_view: level, type, data, data_len, truncated, fd_count.
_VIEW = struct.Struct("@iiPN?N")
_VIEW_SIZE = _VIEW.size
assert _VIEW_SIZE == ctypes.sizeof(_n.ItemView)
_iter_views = _VIEW.iter_unpack


# --- the receive loop -------------------------------------------------------


def _raise_status(status):
    """Raises the exception CPython would raise for a failed call that
    returned ``status``."""
    err = _n.last_errno()
    if status == _n.RMSG_ERR_TIMED_OUT:
        raise TimeoutError("timed out")
    if status in (_n.RMSG_ERR_OUT_OF_MEMORY, _n.RMSG_ERR_TOO_LARGE):
        raise MemoryError()
    if err:
        raise OSError(err, os.strerror(err))
    raise OSError("rmsg: %s" % _n.status_name(status).decode())


def _block_options(flags):
    o = _n.RecvOptions()
    o.wait = _n.RMSG_WAIT_BLOCK
    o.flags = flags
    return o


# Read-only during a call, so shared by every call: index by ``cloexec``.
_BLOCK_OPTIONS = (
    _block_options(_n.RMSG_RECV_RETURN_EINTR | _n.RMSG_RECV_NO_CLOEXEC),
    _block_options(_n.RMSG_RECV_RETURN_EINTR),
)
_BLOCK_REFS = tuple(ctypes.addressof(o) for o in _BLOCK_OPTIONS)


def _timeout_of(sock):
    """The socket's timeout: its ``timeout`` attribute, which a socket
    object's getter answers from the field CPython's own methods read
    (cheaper than calling ``gettimeout()``); objects without one are asked
    ``gettimeout()``."""
    try:
        return sock.timeout
    except AttributeError:
        return sock.gettimeout()


def _call(func, sock, cloexec, pre, post):
    """Runs ``func(fd, *pre, options, *post)`` (a receive that stores the
    message pointer in the state's ``c_void_p``, so that the caller's
    ``finally`` frees it even when a signal handler raises at any bytecode
    after the C call returned) with the socket's timeout and CPython's
    signal handling. Returns on success, raises otherwise."""
    fd = _fd_of(sock)
    timeout = _timeout_of(sock)
    if timeout is None or not timeout > 0:
        # Blocking socket, or non-blocking (timeout 0: the socket's
        # O_NONBLOCK gives EAGAIN).
        opts = _BLOCK_REFS[bool(cloexec)]
        while True:
            status = func(fd, *pre, opts, *post)
            if status == 0:
                return
            _after_failure(status)
            fd = _fd_of(sock)  # a handler may have closed the socket
    opts = _n.RecvOptions()
    opts.flags = _n.RMSG_RECV_RETURN_EINTR
    if not cloexec:
        opts.flags |= _n.RMSG_RECV_NO_CLOEXEC
    opts.wait = _n.RMSG_WAIT_DEADLINE
    ref = ctypes.byref(opts)
    deadline = time.monotonic() + timeout
    first = True
    while True:
        left = deadline - time.monotonic()
        if left < 0 and not first:
            raise TimeoutError("timed out")
        opts.timeout_ns = max(0, int(left * 1e9))
        first = False
        status = func(fd, *pre, ref, *post)
        if status == 0:
            return
        _after_failure(status)
        fd = _fd_of(sock)


def _after_failure(status):
    """Raises for a failed call, except after a signal: then runs the
    Python signal handlers, as CPython's sock_call does (an exception from
    one propagates from here), and returns so that the caller tries
    again."""
    if status != _n.RMSG_ERR_INTERRUPTED:
        _raise_status(status)
    _check_signals()


def _close_quietly(fds):
    """Closes every descriptor number in ``fds``, ignoring errors."""
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


_recvmsg_with = _n.recvmsg_with
_summarize = _n.message_summarize
_free_no_fds = _n.message_free_no_fds


# --- the send loop ------------------------------------------------------------------


def _send_loop(sock, iov, count, builder, dest, flags, send_flags=0):
    """``rmsg_sendmsg`` of ``count`` iovecs, the builder and destination
    (NULL for none) with the socket's timeout and CPython's signal handling,
    as for receiving. Returns the bytes sent."""
    fd = _fd_of(sock)
    timeout = _timeout_of(sock)
    opts = _n.SendOptions()
    opts.flags = _n.RMSG_SEND_RETURN_EINTR | send_flags
    nbytes = ctypes.c_size_t()
    deadline = None
    if timeout is not None and timeout > 0:
        opts.wait = _n.RMSG_WAIT_DEADLINE
        deadline = time.monotonic() + timeout
    first = True
    while True:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left < 0 and not first:
                raise TimeoutError("timed out")
            opts.timeout_ns = max(0, int(left * 1e9))
        first = False
        status = _n.sendmsg(
            fd, iov, count, builder, dest, flags, ctypes.byref(opts),
            ctypes.byref(nbytes),
        )
        if status == _n.RMSG_OK:
            return nbytes.value
        if status != _n.RMSG_ERR_INTERRUPTED:
            _raise_status(status)
        _check_signals()
        fd = _fd_of(sock)


# --- batches ---------------------------------------------------------------------

# Batches kept between calls, by (count, bufsize, ancbufsize): making one
# costs as much as a receive. A call takes one out (list.pop is atomic), so
# no two threads share one.
_batches = []
_BATCHES_KEPT = 4


def _take_batch(key):
    for i in range(len(_batches) - 1, -1, -1):
        try:
            entry = _batches[i]
        except IndexError:
            continue
        if entry[0] == key:
            try:
                _batches.remove(entry)
            except ValueError:
                continue
            return entry[1]
    out = ctypes.c_void_p()
    status = _n.batch_new(key[0], key[1], key[2], None, ctypes.byref(out))
    if status != _n.RMSG_OK:
        _raise_status(status)
    return out.value


def _put_back_batch(key, batch):
    if len(_batches) < _BATCHES_KEPT:
        _batches.append((key, batch))
    else:
        _n.batch_free(batch)


def _batch_recv(fd, batch, flags, opts, count_out):
    return _n.batch_recv(batch, fd, flags, opts, count_out)


def _batch_args(count, bufsize, ancbufsize, flags):
    count = _ssize_arg(count)
    bufsize = _ssize_arg(bufsize)
    ancbufsize = _ssize_arg(ancbufsize)
    flags = _cint(flags)
    if not 1 <= count <= _n.RMSG_BATCH_MAX:
        raise ValueError("recvmsg_batch() count must be 1 to %d" % _n.RMSG_BATCH_MAX)
    if bufsize < 0:
        raise ValueError("negative buffer size in recvmsg_batch()")
    if ancbufsize < 0 or ancbufsize > _SOCKLEN_T_LIMIT:
        raise ValueError("invalid ancillary data buffer length")
    return count, bufsize, ancbufsize, flags


def _receive_batch(sock, key, flags, cloexec, build):
    """One ``rmsg_batch_recv`` on a pooled batch of ``key`` (count,
    bufsize, ancbufsize); ``build(st, message)`` makes the result of each
    message, appending the descriptors it took out of it to ``st.taken``.
    Any failure after the syscall closes every descriptor of the batch:
    those taken, and (freeing the batch) all the others."""
    batch = _take_batch(key)
    received = ctypes.c_size_t()
    try:
        _call(
            _batch_recv, sock, cloexec,
            (batch, flags), (ctypes.byref(received),),
        )
    except BaseException:
        _put_back_batch(key, batch)  # a failed receive leaves nothing open
        raise
    st = _get_state()
    taken = []
    try:
        out = []
        for i in range(received.value):
            m = _n.batch_message(batch, i)
            out.append(build(st, m, taken))
        st.msg.value = None
        _put_back_batch(key, batch)
        return out
    except BaseException:
        st.msg.value = None
        _close_quietly(taken)
        _n.batch_free(batch)
        raise
    finally:
        st.release()
