"""The CPython-compatible send drop-ins: ``sendmsg(sock, buffers,
ancdata=(), flags=0, address=None)`` as ``sock.sendmsg(buffers[, ancdata[,
flags[, address]]])``, and ``send_fds(sock, buffers, fds, flags=0,
address=None)`` as ``socket.send_fds``, over librmsg's builder
(``rmsg_cmsg_builder_add_raw``) and ``rmsg_sendmsg``.

They convert and check their arguments in CPython's order (flags, address,
buffers, ancillary items) with CPython's own converters where it has them:
the buffers are taken with ``PyObject_GetBuffer(PyBUF_SIMPLE)`` and each
ancillary item with ``PyArg_Parse(item, "(iiy*):[sendmsg() ancillary data
items]")``, called through ``ctypes.pythonapi``, so that every exception
and message is the one the running CPython gives. The destination is
converted as CPython's ``getsockaddrarg`` does for ``AF_UNIX``,
``AF_INET``, ``AF_INET6``, ``AF_PACKET`` (``(ifname, proto[, pkttype[,
hatype[, addr]]])``), ``AF_NETLINK`` (``(pid, groups)``) and ``AF_VSOCK``
(``(cid, port)``): the families librmsg builds addresses for.

Both paths of the binding (ctypes and compiled) use this module: the send
side has no speed target, and one implementation keeps the behaviour
identical.

Deliberate differences from CPython, on the safe side: ``MSG_NOSIGNAL`` is
added (a stream whose peer has gone raises ``BrokenPipeError``, which is
also what CPython does under its default ``SIGPIPE`` disposition, ignored,
but never kills the process if a program restored it), and ``send_fds``
passes ``flags`` and ``address`` on (CPython 3.9-3.13 accepts and ignores
them).
"""

import array
import ctypes
import errno
import fcntl
import operator
import os
import socket as _socket
import sys

from . import _native as _n
from ._recv import (
    _INT_MAX,
    _SOCKLEN_T_LIMIT,
    _cint,
    _raise_status,
    _send_loop,
    _sock_family,
)

__all__ = ["sendmsg", "send_fds"]


# --- CPython's converters, through its C API ------------------------------------


class _PyBuffer(ctypes.Structure):
    """``Py_buffer`` (in the limited API since 3.11; its layout is the same
    in every CPython 3)."""

    _fields_ = [
        ("buf", ctypes.c_void_p),
        ("obj", ctypes.c_void_p),
        ("len", ctypes.c_ssize_t),
        ("itemsize", ctypes.c_ssize_t),
        ("readonly", ctypes.c_int),
        ("ndim", ctypes.c_int),
        ("format", ctypes.c_char_p),
        ("shape", ctypes.c_void_p),
        ("strides", ctypes.c_void_p),
        ("suboffsets", ctypes.c_void_p),
        ("internal", ctypes.c_void_p),
    ]


_PyBUF_SIMPLE = 0
_ANC_FORMAT = b"(iiy*):[sendmsg() ancillary data items]"

try:
    _api = ctypes.pythonapi
    _get_buffer = _api.PyObject_GetBuffer
    _get_buffer.argtypes = [ctypes.py_object, ctypes.c_void_p, ctypes.c_int]
    _get_buffer.restype = ctypes.c_int
    _release_buffer = _api.PyBuffer_Release
    _release_buffer.argtypes = [ctypes.c_void_p]
    _release_buffer.restype = None
    # Variadic: called with its arguments converted one by one.
    _arg_parse = _api.PyArg_Parse
    _arg_parse.restype = ctypes.c_int
    _arg_parse_tuple = _api.PyArg_ParseTuple
    _arg_parse_tuple.restype = ctypes.c_int
except (AttributeError, ValueError):  # pragma: no cover (not CPython)
    _api = None


class _Buffers:
    """The ``Py_buffer`` views taken for one call, released together."""

    def __init__(self):
        self.views = []

    def simple(self, obj):
        """``PyObject_GetBuffer(obj, PyBUF_SIMPLE)``: (address, length)."""
        view = _PyBuffer()
        if _api is None:  # pragma: no cover
            return self._fallback(obj)
        _get_buffer(obj, ctypes.byref(view), _PyBUF_SIMPLE)  # raises CPython's error
        self.views.append(view)
        return view.buf, view.len

    def ancillary_item(self, item):
        """``PyArg_Parse(item, "(iiy*):...")``: (level, type, address,
        length)."""
        if _api is None:  # pragma: no cover
            level, kind, data = item
            return (_cint(level), _cint(kind)) + self._fallback(data)
        level, kind, view = ctypes.c_int(), ctypes.c_int(), _PyBuffer()
        _arg_parse(
            ctypes.py_object(item), ctypes.c_char_p(_ANC_FORMAT),
            ctypes.byref(level), ctypes.byref(kind), ctypes.byref(view),
        )
        self.views.append(view)
        return level.value, kind.value, view.buf, view.len

    def _fallback(self, obj):  # pragma: no cover (not CPython)
        mv = memoryview(obj)
        if not mv.c_contiguous:
            raise BufferError("memoryview: underlying buffer is not C-contiguous")
        copy = ctypes.create_string_buffer(mv.tobytes(), mv.nbytes)
        self.views.append(copy)
        return ctypes.addressof(copy), mv.nbytes

    def release(self):
        for view in self.views:
            if isinstance(view, _PyBuffer):
                _release_buffer(ctypes.byref(view))
        self.views = []


def _fast(obj, message):
    """``PySequence_Fast(obj, message)``."""
    if isinstance(obj, (list, tuple)):
        return obj
    try:
        it = iter(obj)
    except TypeError:
        raise TypeError(message) from None
    return list(it)


# --- destinations, as CPython's getsockaddrarg converts them ------------------------


def _host_bytes(host):
    """CPython's idna_converter: the host name as bytes."""
    if isinstance(host, (bytes, bytearray)):
        name = bytes(host)
    elif isinstance(host, str):
        name = host.encode("ascii") if host.isascii() else host.encode("idna")
    else:
        raise TypeError(
            "str, bytes or bytearray expected, not %s" % type(host).__name__
        )
    if b"\0" in name:
        raise TypeError("host name must not contain null character")
    return name


def _ip_address(name, family):
    """CPython's setipaddr: the address bytes for a host name."""
    if name == b"":
        return bytes(4 if family == _socket.AF_INET else 16)
    text = name.decode("ascii", "surrogateescape")
    if name == b"<broadcast>":
        if family != _socket.AF_INET:
            raise OSError("address family mismatched")
        return b"\xff" * 4
    try:
        return _socket.inet_pton(family, text)
    except OSError:
        pass
    info = _socket.getaddrinfo(text, None, family)  # gaierror as CPython's
    return _socket.inet_pton(family, info[0][4][0].split("%")[0])


def _mask32(value):
    """Format ``I``: an unsigned int, masked (CPython checks no range)."""
    return operator.index(value) & 0xFFFFFFFF


_SIOCGIFINDEX = 0x8933
_IFNAMSIZ = 16


def _packet_address(sock, address, caller, bufs):
    """CPython's getsockaddrarg for ``AF_PACKET``: ``(ifname, proto[,
    pkttype[, hatype[, addr]]])``, the interface looked up with
    ``SIOCGIFINDEX`` on the socket."""
    if not isinstance(address, tuple):
        raise TypeError("%s(): AF_PACKET address must be tuple, not %s"
                        % (caller, type(address).__name__))
    if _api is None:  # pragma: no cover (not CPython)
        ifname, proto, pkttype, hatype, haddr = (tuple(address) + (0, 0, b""))[:5]
        ifname = ifname.encode()
        haddr = bytes(haddr)
    else:
        name, proto_c = ctypes.c_char_p(), ctypes.c_int()
        pkttype_c, hatype_c, view = ctypes.c_int(), ctypes.c_int(), _PyBuffer()
        _arg_parse_tuple(
            ctypes.py_object(address),
            ctypes.c_char_p(b"si|iiy*;AF_PACKET address must be a tuple of two to five elements"),
            ctypes.byref(name), ctypes.byref(proto_c), ctypes.byref(pkttype_c),
            ctypes.byref(hatype_c), ctypes.byref(view),
        )
        if view.buf:
            bufs.views.append(view)
            haddr = ctypes.string_at(view.buf, view.len)
        else:
            haddr = b""
        ifname, proto = name.value, proto_c.value
        pkttype, hatype = pkttype_c.value, hatype_c.value
    # strncpy into ifr_name, the last byte made NUL, as CPython does.
    req = ifname[:_IFNAMSIZ - 1].ljust(40, b"\0")
    # struct ifreq: the name, then ifr_ifindex (an int) at offset 16.
    answer = fcntl.ioctl(sock.fileno(), _SIOCGIFINDEX, req)
    index = int.from_bytes(answer[16:20], sys.byteorder, signed=True)
    if len(haddr) > 8:
        raise ValueError("Hardware address must be 8 bytes or less")
    if not 0 <= proto <= 0xFFFF:
        raise OverflowError("%s(): proto must be 0-65535." % caller)
    a = _n.PacketAddress()
    a.ifindex, a.protocol = index, proto
    a.pkttype, a.hatype = pkttype & 0xFF, hatype & 0xFFFF
    a.halen = len(haddr)
    a.addr[:len(haddr)] = haddr
    return a


def _pair_address(address, caller, family_name):
    """CPython's getsockaddrarg for ``AF_NETLINK`` and ``AF_VSOCK``: a tuple
    of two unsigned ints (``"II"``: masked, not range-checked), with
    CPython's messages for each."""
    netlink = family_name == "AF_NETLINK"
    if not isinstance(address, tuple):
        where = "%s()" % caller if netlink else "getsockaddrarg"
        raise TypeError("%s: %s address must be tuple, not %s"
                        % (where, family_name, type(address).__name__))
    if _api is None:  # pragma: no cover (not CPython)
        first, second = address
        return _mask32(first), _mask32(second)
    fmt = (b"II;AF_NETLINK address must be a pair (pid, groups)" if netlink
           else b"II:getsockaddrarg")
    first, second = ctypes.c_uint(), ctypes.c_uint()
    _arg_parse_tuple(ctypes.py_object(address), ctypes.c_char_p(fmt),
                     ctypes.byref(first), ctypes.byref(second))
    return first.value, second.value


def _destination(sock, address, caller):
    """An owned ``rmsg_address`` (free with ``rmsg_address_free``) for
    ``address`` in the form of the socket's family, with the exceptions
    CPython's getsockaddrarg raises."""
    family = _sock_family(sock)
    out = ctypes.c_void_p()
    if family == _socket.AF_UNIX:
        if isinstance(address, str):
            address = os.fsencode(address)
        bufs = _Buffers()
        try:
            p, n = bufs.simple(address)
            raw = ctypes.string_at(p, n) if n else b""
        finally:
            bufs.release()
        if raw[:1] == b"\0" or not raw:
            if len(raw) > 108:
                raise OSError("AF_UNIX path too long")
            status = _n.address_from_unix_abstract(raw[1:], max(0, len(raw) - 1),
                                                   ctypes.byref(out))
        else:
            if len(raw) >= 108:
                raise OSError("AF_UNIX path too long")
            status = _n.address_from_unix_path(raw, len(raw), ctypes.byref(out))
    elif family in (_socket.AF_INET, _socket.AF_INET6):
        v6 = family == _socket.AF_INET6
        name = "AF_INET6" if v6 else "AF_INET"
        if not isinstance(address, tuple):
            raise TypeError("%s(): %s address must be tuple, not %s"
                            % (caller, name, type(address).__name__))
        if v6 and not 2 <= len(address) <= 4:
            raise TypeError("AF_INET6 address must be a tuple "
                            "(host, port[, flowinfo[, scopeid]])")
        if not v6 and len(address) != 2:
            raise TypeError("AF_INET address must be a pair (host, port)")
        host = _host_bytes(address[0])
        # getargs converts every member before setipaddr runs.
        try:
            port = _cint(address[1])
        except OverflowError:
            raise OverflowError("%s(): port must be 0-65535." % caller) from None
        flowinfo = _mask32(address[2]) if len(address) > 2 else 0
        scope_id = _mask32(address[3]) if len(address) > 3 else 0
        raw = _ip_address(host, family)
        if not 0 <= port <= 0xFFFF:
            raise OverflowError("%s(): port must be 0-65535." % caller)
        if v6:
            if flowinfo > 0xFFFFF:
                raise OverflowError("%s(): flowinfo must be 0-1048575." % caller)
            a = _n.Inet6Address()
            a.addr[:] = raw
            a.port, a.flowinfo, a.scope_id = port, flowinfo, scope_id
            status = _n.address_from_inet6(ctypes.byref(a), ctypes.byref(out))
        else:
            a = _n.InetAddress()
            a.addr[:] = raw
            a.port = port
            status = _n.address_from_inet(ctypes.byref(a), ctypes.byref(out))
    elif family == getattr(_socket, "AF_PACKET", None):
        bufs = _Buffers()
        try:
            a = _packet_address(sock, address, caller, bufs)
        finally:
            bufs.release()
        status = _n.address_from_packet(ctypes.byref(a), ctypes.byref(out))
    elif family == getattr(_socket, "AF_NETLINK", None):
        a = _n.NetlinkAddress()
        a.pid, a.groups = _pair_address(address, caller, "AF_NETLINK")
        status = _n.address_from_netlink(ctypes.byref(a), ctypes.byref(out))
    elif family == getattr(_socket, "AF_VSOCK", None):
        a = _n.VsockAddress()
        a.cid, a.port = _pair_address(address, caller, "AF_VSOCK")
        status = _n.address_from_vsock(ctypes.byref(a), ctypes.byref(out))
    else:
        # librmsg has no constructor from raw sockaddr bytes.
        raise OSError(
            "%s(): rmsg sends to AF_UNIX, AF_INET, AF_INET6, AF_PACKET, "
            "AF_NETLINK and AF_VSOCK addresses only, not family %d" % (caller, family)
        )
    if status != _n.RMSG_OK:
        if status == _n.RMSG_ERR_INVALID_ADDRESS:
            raise OSError("AF_UNIX path too long")
        _raise_status(status)
    return out.value


# --- sendmsg and send_fds -------------------------------------------------------------


def _space(n):
    out = ctypes.c_size_t()
    if _n.cmsg_space(n, ctypes.byref(out)) != _n.RMSG_OK:
        return None
    return out.value


def sendmsg(sock, buffers, ancdata=(), flags=0, address=None):
    """``sock.sendmsg(buffers[, ancdata[, flags[, address]]])`` through
    librmsg: sends the bytes-like ``buffers`` gathered into one message
    with the ``(level, type, data)`` items of ``ancdata`` and returns the
    number of data bytes sent. Exceptions, the socket's timeout and signal
    handling as CPython's (see the module's docstring for the two
    differences)."""
    flags = _cint(flags)
    dest = builder = None
    views = _Buffers()
    try:
        if address is not None:
            dest = _destination(sock, address, "sendmsg")
        seq = _fast(buffers, "sendmsg() argument 1 must be an iterable")
        if len(seq) > _INT_MAX:
            raise OSError("sendmsg() argument 1 is too long")
        iov = (_n.Iovec * max(1, len(seq)))()
        for i, b in enumerate(seq):
            iov[i].base, iov[i].len = views.simple(b)
        items = _fast(ancdata, "sendmsg() argument 2 must be an iterable")
        parsed = []
        total = 0
        for item in items:
            level, kind, p, n = views.ancillary_item(item)
            space = _space(n)
            if space is None:
                raise OSError("ancillary data item too large")
            total += space
            if total > _SOCKLEN_T_LIMIT:
                raise OSError("too much ancillary data")
            parsed.append((level, kind, p, n))
        if parsed:
            out = ctypes.c_void_p()
            status = _n.cmsg_builder_new(ctypes.byref(out))
            if status != _n.RMSG_OK:
                _raise_status(status)
            builder = out.value
            for level, kind, p, n in parsed:
                status = _n.cmsg_builder_add_raw(builder, level, kind, p, n)
                if status == _n.RMSG_ERR_TOO_MANY_FDS:
                    # What the kernel answers CPython's sendmsg.
                    raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
                if status != _n.RMSG_OK:
                    _raise_status(status)
        return _send_loop(sock, iov, len(seq), builder, dest, flags)
    finally:
        views.release()
        if builder:
            _n.cmsg_builder_free(builder)
        if dest:
            _n.address_free(dest)


def send_fds(sock, buffers, fds, flags=0, address=None):
    """``socket.send_fds(sock, buffers, fds[, flags[, address]])`` through
    librmsg: sends ``fds`` in one ``SCM_RIGHTS`` item (converted by
    ``array.array("i", fds)``, as CPython does); ``flags`` and ``address``
    are passed on. The descriptors stay the caller's."""
    return sendmsg(
        sock, buffers,
        [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, array.array("i", fds))],
        flags, address,
    )
