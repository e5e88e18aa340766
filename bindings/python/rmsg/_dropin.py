"""The CPython-compatible drop-ins: ``recvmsg``, ``recvmsg_into``,
``recv_fds``, ``CMSG_LEN`` and ``CMSG_SPACE`` (see the package's docstring
for what they promise), and ``recvmsg_batch``, which returns what as many
``recvmsg`` calls would, from one ``recvmmsg(2)``. They share the receive
machinery of ``rmsg._recv`` with the typed API.

Each receive function is written here over ctypes; when the compiled
module is in use (``rmsg._native.implementation``) the names are bound to
its functions instead, which behave identically (the same tests run
against both) and build their results in C.
"""

import ctypes
import socket as _socket
import warnings

from . import _native as _n
from . import _recv
from ._recv import (
    _BLOCK_REFS,
    _batch_args,
    _receive_batch,
    _INT_MAX,
    _INT_MIN,
    _INT_SIZE,
    _SOCKLEN_T_LIMIT,
    _SSIZE_MAX,
    _State,
    _address,
    _after_failure,
    _at,
    _call,
    _cint,
    _close_quietly,
    _fd_of,
    _free_no_fds,
    _get_state,
    _iter_views,
    _pool,
    _recvmsg_with,
    _sock_family,
    _ssize_arg,
    _timeout_of,
    _string_at,
    _summarize,
)

__all__ = [
    "recvmsg", "recvmsg_into", "recv_fds", "recvmsg_batch", "CMSG_LEN", "CMSG_SPACE",
]

_WARNING = "received malformed or improperly-truncated ancillary data"
_BUFFERS_MSG = (
    "recvmsg_into() argument 1 must be an iterable of single-segment "
    "read-write buffers"
)


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
        timeout = _timeout_of(sock)
        if timeout is None or not timeout > 0:
            # The common case, inlined: see _call.
            status = _recvmsg_with(
                _fd_of(sock), bufsize, ancbufsize, flags,
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


# --- batches ---------------------------------------------------------------------

def _batch_tuple(sock):
    def build(st, m, taken):
        st.msg.value = m
        _summarize(m, st.info_addr)
        info = st.info
        data = _string_at(info.data, info.data_len)
        anc, mflags, addr, got = _finish(st, sock, 4)
        taken.extend(got)
        return data, anc, mflags, addr

    return build


def recvmsg_batch(sock, count, bufsize, ancbufsize=0, flags=0, *, cloexec=True):
    """Receives up to ``count`` messages with one ``recvmmsg(2)`` call: a
    list of ``(data, ancdata, msg_flags, address)`` tuples, each exactly
    what ``sock.recvmsg(bufsize, ancbufsize, flags)`` would have returned
    for that message (at least one; blocking as ``recvmsg`` does for the
    first, then taking only what is already queued). The socket's timeout,
    signal handlers and descriptors as for ``recvmsg``; if anything fails
    after the syscall, every descriptor of the batch is closed."""
    count, bufsize, ancbufsize, flags = _batch_args(count, bufsize, ancbufsize, flags)
    return _receive_batch(
        sock, (count, bufsize, ancbufsize), flags, cloexec, _batch_tuple(sock)
    )


# --- the compiled path ----------------------------------------------------------------


def _signature(name, fn):
    """A function with the public signature of ``name`` that returns its
    arguments in order: the compiled functions call it for keyword
    arguments and wrong counts, so that the TypeErrors are Python's own, as
    the functions above raise them."""
    fn.__name__ = fn.__qualname__ = name
    return fn


_SIGNATURES = {
    "recvmsg": _signature(
        "recvmsg",
        lambda sock, bufsize, ancbufsize=0, flags=0, *, cloexec=True: (
            sock, bufsize, ancbufsize, flags, cloexec),
    ),
    "recvmsg_into": _signature(
        "recvmsg_into",
        lambda sock, buffers, ancbufsize=0, flags=0, *, cloexec=True: (
            sock, buffers, ancbufsize, flags, cloexec),
    ),
    "recv_fds": _signature(
        "recv_fds",
        lambda sock, bufsize, maxfds, flags=0, *, cloexec=True: (
            sock, bufsize, maxfds, flags, cloexec),
    ),
    "recvmsg_batch": _signature(
        "recvmsg_batch",
        lambda sock, count, bufsize, ancbufsize=0, flags=0, *, cloexec=True: (
            sock, count, bufsize, ancbufsize, flags, cloexec),
    ),
}


def _format_address(raw, family):
    # Looked up at each call, so that tests can replace it.
    return _recv._make_address(raw, family)


def _socket_descriptors():
    """socket.socket, and the descriptors of the fileno method and timeout
    attribute its objects use (those of _socket.socket, which socket.py
    does not override): the compiled functions call them directly for
    objects of exactly that type."""
    fileno = timeout = None
    for klass in _socket.socket.__mro__:
        fileno = fileno or vars(klass).get("fileno")
        timeout = timeout or vars(klass).get("timeout")
    return _socket.socket, fileno, timeout


_compiled = _n.extension
if _compiled is not None:
    _compiled.bind(
        _n.addresses(_compiled.FUNCTIONS), _format_address, _sock_family,
        _SIGNATURES, CMSG_LEN, *_socket_descriptors(),
    )
    recvmsg = _compiled.recvmsg
    recvmsg_into = _compiled.recvmsg_into
    recv_fds = _compiled.recv_fds
    recvmsg_batch = _compiled.recvmsg_batch
