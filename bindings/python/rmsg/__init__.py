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

Beyond CPython, ``receive(sock, bufsize, ancbufsize=None, flags=0)`` returns
a ``Message`` with decoded control items and owned descriptors (``Fd``), and
``send(sock, data, fds=(), *, address=None, ttl=None, tos=None, ...)`` sends
with control messages built by librmsg: see ``rmsg._typed``.

Where the library is loaded from: see ``rmsg._native``.
"""

import ctypes
import operator
import os
import socket as _socket
import struct
import sys
import time
import warnings

from . import _native as _n

__all__ = [
    "recvmsg",
    "recvmsg_into",
    "recv_fds",
    "CMSG_LEN",
    "CMSG_SPACE",
    # The typed API (rmsg._typed).
    "receive",
    "send",
    "Message",
    "Fd",
    "Item",
    "Rights",
    "PidFd",
    "Credentials",
    "Timestamp",
    "Timestamping",
    "IpPacketInfo",
    "Ipv6PacketInfo",
    "Ttl",
    "TrafficClass",
    "ExtendedError",
    "UdpGro",
    "RxqOverflow",
    "Mark",
    "OrigDstAddr",
    "FragSize",
    "PathMtu",
    "TlsRecordType",
    "kind_name",
    "DEFAULT_MAXFDS",
]
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


def _call(func, sock, cloexec, pre, post):
    """Runs ``func(fd, *pre, options, *post)`` (a receive that stores the
    message pointer in the state's ``c_void_p``, so that the caller's
    ``finally`` frees it even when a signal handler raises at any bytecode
    after the C call returned) with the socket's timeout and CPython's
    signal handling. Returns on success, raises otherwise."""
    fd = sock.fileno()
    timeout = sock.gettimeout()
    if timeout is None or not timeout > 0:
        # Blocking socket, or non-blocking (timeout 0: the socket's
        # O_NONBLOCK gives EAGAIN).
        opts = _BLOCK_REFS[bool(cloexec)]
        while True:
            status = func(fd, *pre, opts, *post)
            if status == 0:
                return
            _after_failure(status)
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


def _after_failure(status):
    """Raises for a failed call, except after a signal: then runs the
    Python signal handlers, as CPython's sock_call does (an exception from
    one propagates from here), and returns so that the caller tries
    again."""
    if status != _n.RMSG_ERR_INTERRUPTED:
        _raise_status(status)
    _check_signals()


_SOL_SOCKET = _socket.SOL_SOCKET
_SCM_RIGHTS = _socket.SCM_RIGHTS


def _items(st):
    """The ancillary list of the received message in ``st`` and whether
    CPython would warn. Notes in ``st.other_fds`` whether an item other than
    ``SCM_RIGHTS`` carries descriptors."""
    info = st.info
    count = info.item_count
    anc = []
    warn = info.malformed
    other = False
    if count:
        for level, kind, data, n, truncated, nfds in _iter_views(
            st.item_views(st.msg.value, count)
        ):
            anc.append((level, kind, _at(data)[:n] if n else b""))
            if nfds and not (level == _SOL_SOCKET and kind == _SCM_RIGHTS):
                other = True
            if truncated:
                # CPython stops at the first item that runs past the buffer.
                warn = True
                break
    st.other_fds = other
    return anc, warn


def _finish(st, sock, stacklevel, only_rights=False):
    """Builds (ancdata, flags, address) from the received message in
    ``st``, warns as CPython would, and takes the descriptors out of the
    message (returned as a list the caller must close on failure)."""
    m = st.msg.value
    info = st.info
    anc, warn = _items(st)
    flags = info.flags
    addr = _address(info, sock)
    if warn:
        # May raise (warnings as errors): the message, freed by the caller,
        # then closes every descriptor, as CPython's err_closefds does.
        warnings.warn(_WARNING, RuntimeWarning, stacklevel=stacklevel + 1)
    taken = []
    nfds = info.fd_count
    if nfds:
        # Every SCM_RIGHTS descriptor in one call.
        arr = st.fd_array(nfds)
        if _n.message_take_fds(m, arr, nfds, st.count_addr) == _n.RMSG_OK:
            taken = arr[: st.count.value]
    if st.other_fds and not only_rights:
        # SCM_PIDFD: CPython hands these over too.
        views = st.views
        for i in range(len(anc)):
            v = views[i]
            n = v.fd_count
            if not n or (v.cmsg_level == _SOL_SOCKET and v.cmsg_type == _SCM_RIGHTS):
                continue
            arr = st.fd_array(n)
            if _n.message_take_item_fds(m, i, arr, n, st.count_addr) == _n.RMSG_OK:
                taken.extend(arr[: st.count.value])
    return anc, flags, addr, taken


def _close_quietly(fds):
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def _recvmsg_args(bufsize, ancbufsize, flags):
    """Converts and checks recvmsg's arguments as CPython does."""
    bufsize = _ssize_arg(bufsize)
    ancbufsize = _ssize_arg(ancbufsize)
    flags = _cint(flags)
    if bufsize < 0:
        raise ValueError("negative buffer size in recvmsg()")
    if ancbufsize < 0 or ancbufsize > _SOCKLEN_T_LIMIT:
        raise ValueError("invalid ancillary data buffer length")
    return bufsize, ancbufsize, flags


def recvmsg(sock, bufsize, ancbufsize=0, flags=0, *, cloexec=True):
    """``sock.recvmsg(bufsize[, ancbufsize[, flags]])`` through librmsg.

    Returns ``(data, ancdata, msg_flags, address)`` exactly as CPython's
    method does. Received descriptors are in ``ancdata`` (as CPython gives
    them) and belong to the caller. ``cloexec=False`` makes them inheritable
    as CPython's are."""
    if not (
        type(bufsize) is int
        and type(ancbufsize) is int
        and type(flags) is int
        and 0 <= bufsize <= _SSIZE_MAX
        and 0 <= ancbufsize <= _SOCKLEN_T_LIMIT
        and _INT_MIN <= flags <= _INT_MAX
    ):
        bufsize, ancbufsize, flags = _recvmsg_args(bufsize, ancbufsize, flags)
    try:
        st = _pool.pop()
    except IndexError:
        st = _State()
    taken = ()
    try:
        timeout = sock.gettimeout()
        if timeout is None or not timeout > 0:
            # The common case, inlined: see _call.
            status = _recvmsg_with(
                sock.fileno(), bufsize, ancbufsize, flags,
                _BLOCK_REFS[1 if cloexec else 0], st.msg_addr,
            )
            if status:
                _after_failure(status)
                _call(
                    _recvmsg_with, sock, cloexec,
                    (bufsize, ancbufsize, flags), (st.msg_addr,),
                )
        else:
            _call(
                _recvmsg_with, sock, cloexec,
                (bufsize, ancbufsize, flags), (st.msg_addr,),
            )
        info = st.info
        m = st.msg.value
        _summarize(m, st.info_addr)
        if not (info.item_count or info.address_len or info.malformed):
            # No items, so no descriptors: free without releasing the GIL.
            result = _string_at(info.data, info.data_len), [], info.flags, None
            st.msg.value = None
            _free_no_fds(m)
            return result
        data = _string_at(info.data, info.data_len)
        anc, mflags, addr, taken = _finish(st, sock, 2)
        return data, anc, mflags, addr
    except BaseException:
        _close_quietly(taken)
        raise
    finally:
        st.release()


_recvmsg_with = _n.recvmsg_with
_summarize = _n.message_summarize
_free_no_fds = _n.message_free_no_fds


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
    st = _get_state()
    taken = ()
    try:
        _call(
            _n.recvmsg_into, sock, cloexec,
            (iov, count, ancbufsize, flags), (st.nbytes_addr, st.msg_addr),
        )
        _summarize(st.msg.value, st.info_addr)
        anc, mflags, addr, taken = _finish(st, sock, 2)
        return st.nbytes.value, anc, mflags, addr
    except BaseException:
        _close_quietly(taken)
        raise
    finally:
        st.release()
        del keep


def recv_fds(sock, bufsize, maxfds, flags=0, *, cloexec=True):
    """``socket.recv_fds(sock, bufsize, maxfds[, flags])`` through librmsg:
    returns ``(data, fds, msg_flags, address)``. The control buffer is
    ``CMSG_LEN(maxfds * sizeof(int))``; ``flags`` is passed on (CPython's
    ignores it); descriptors that arrive in other items are closed."""
    ancbufsize = _fds_space(_ssize_arg(maxfds))
    bufsize = _ssize_arg(bufsize)
    flags = _cint(flags)
    if bufsize < 0:
        raise ValueError("negative buffer size in recvmsg()")
    st = _get_state()
    taken = ()
    try:
        _call(
            _recvmsg_with, sock, cloexec,
            (bufsize, ancbufsize, flags), (st.msg_addr,),
        )
        info = st.info
        _summarize(st.msg.value, st.info_addr)
        data = _string_at(info.data, info.data_len)
        anc, mflags, addr, taken = _finish(st, sock, 2, only_rights=True)
        return data, list(taken), mflags, addr
    except BaseException:
        _close_quietly(taken)
        raise
    finally:
        st.release()


_fds_space_cache = {}


def _fds_space(maxfds):
    """``CMSG_LEN(maxfds * sizeof(int))``, remembered for small counts."""
    try:
        return _fds_space_cache[maxfds]
    except KeyError:
        pass
    n = CMSG_LEN(maxfds * _INT_SIZE)
    if 0 <= maxfds <= 1024:
        _fds_space_cache[maxfds] = n
    return n


from ._typed import (  # noqa: E402  (needs the machinery above)
    DEFAULT_MAXFDS,
    Credentials,
    ExtendedError,
    Fd,
    FragSize,
    IpPacketInfo,
    Ipv6PacketInfo,
    Item,
    Mark,
    Message,
    OrigDstAddr,
    PathMtu,
    PidFd,
    Rights,
    RxqOverflow,
    Timestamp,
    Timestamping,
    TlsRecordType,
    TrafficClass,
    Ttl,
    UdpGro,
    kind_name,
    receive,
    send,
)
