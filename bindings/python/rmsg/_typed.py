"""The typed API: ``receive`` gives a ``Message`` whose control items are
decoded by librmsg's typed decoders and whose descriptors are owned ``Fd``
objects; ``send`` builds control messages with librmsg's builder and sends
them with ``rmsg_sendmsg``.

The receive machinery (pooled per-call state, the receive loop, argument
conversion, address formatting) is ``rmsg._recv``, shared with the
drop-ins.
"""

import collections
import ctypes
import operator
import os
import socket as _socket
import warnings

from . import _native as _n
from ._recv import (
    _batch_args,
    _receive_batch,
    _SOCKLEN_T_LIMIT,
    _State,
    _address,
    _call,
    _iter_views,
    _pool,
    _raise_status,
    _recvmsg_with,
    _sock_family,
    _ssize_arg,
    _cint,
    _close_quietly,
    _fd_of,
    _string_at,
    _summarize,
    _send_loop,
    _cuint,
    _size_arg,
)

__all__ = [
    "Fd",
    "Message",
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
    "Inq",
    "PacketAuxdata",
    "NetlinkPktinfo",
    "NetlinkNsid",
    "ErrorQueueInfo",
    "receive",
    "receive_batch",
    "send",
    "DEFAULT_MAXFDS",
    "kind_name",
    "KindInfo",
    "kinds",
]

# Room for descriptors that ``receive`` leaves in an automatically sized
# control buffer of an AF_UNIX socket: Linux's SCM_MAX_FD, the most one
# message can carry, so that auto-sizing never truncates descriptors
# (1032 bytes). Other families cannot carry descriptors and get none.
DEFAULT_MAXFDS = _n.RMSG_SCM_MAX_FD


# --- descriptors ---------------------------------------------------------------


class Fd:
    """A received file descriptor that this object owns: ``close()`` (or
    leaving a ``with`` block) closes it, ``detach()`` hands the number over
    to the caller and stops owning it. An ``Fd`` that is garbage collected
    while still owning its descriptor closes it and warns with
    ``ResourceWarning``, as unclosed files do: close or detach explicitly.
    """

    __slots__ = ("_fd", "__weakref__")

    def __init__(self, fd):
        self._fd = fd

    def fileno(self):
        """The descriptor number (still owned by this object)."""
        if self._fd < 0:
            raise ValueError("I/O operation on closed or detached Fd")
        return self._fd

    def detach(self):
        """Gives up ownership: returns the number, which the caller must
        close. The object is then closed."""
        fd = self.fileno()
        self._fd = -1
        return fd

    def close(self):
        """Closes the descriptor (once; later calls do nothing)."""
        fd = self._fd
        if fd >= 0:
            self._fd = -1
            os.close(fd)

    @property
    def closed(self):
        """True once closed or detached."""
        return self._fd < 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        fd = getattr(self, "_fd", -1)
        if fd >= 0:
            self._fd = -1
            try:
                warnings.warn(
                    "rmsg.Fd %d was never closed or detached" % fd,
                    ResourceWarning,
                    source=self,
                )
            except Exception:
                pass
            try:
                os.close(fd)
            except OSError:
                pass

    def __repr__(self):
        if self._fd < 0:
            return "<rmsg.Fd closed>"
        return "<rmsg.Fd %d>" % self._fd


# --- items -------------------------------------------------------------------------


class Item:
    """One control message. Every item has ``level``, ``type``, ``name``
    (``"SOL_SOCKET/SCM_RIGHTS"`` style, from ``rmsg_kind_name``), ``data``
    (the raw bytes) and ``truncated``. Items of a kind rmsg does not decode
    (or too short to decode) are plain ``Item`` objects; the subclasses add
    decoded fields."""

    __slots__ = ("level", "type", "name", "data", "truncated")
    # The decoded fields, shown by repr: a subclass's own __slots__.
    _fields = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._fields = vars(cls).get("__slots__", cls._fields)

    def _init(self, level, kind, name, data, truncated):
        self.level = level
        self.type = kind
        self.name = name
        self.data = data
        self.truncated = truncated
        return self

    def _close(self):
        pass

    def __repr__(self):
        extra = "".join(", %s=%r" % (f, getattr(self, f)) for f in self._fields)
        if not self._fields:
            extra = ", data=%r" % (self.data,)
        return "<%s %s%s>" % (type(self).__name__, self.name, extra)


class Rights(Item):
    """``SCM_RIGHTS``: ``fds`` is a list of ``Fd`` (owned)."""

    __slots__ = ("fds",)

    def _close(self):
        for f in self.fds:
            f.close()


class PidFd(Item):
    """``SCM_PIDFD`` (``SO_PASSPIDFD``): ``fd`` is the sender's pidfd, an
    ``Fd`` (owned), and ``error`` None. When the kernel could not make a
    pidfd for the receive it puts a negative errno in the item instead
    (``-errno.EMFILE``: no descriptor to spare; ``-errno.ESRCH``: the sender
    had gone): then ``fd`` is None and ``error`` that negative value."""

    __slots__ = ("fd", "error")

    def _close(self):
        if self.fd is not None:
            self.fd.close()


class Credentials(Item):
    """``SCM_CREDENTIALS`` (``SO_PASSCRED``): ``pid``, ``uid``, ``gid``."""

    __slots__ = ("pid", "uid", "gid")


class Timestamp(Item):
    """``SO_TIMESTAMP``, ``SO_TIMESTAMPNS`` and their ``_NEW`` forms:
    ``ns`` is the time in integer nanoseconds since the Unix epoch
    (microsecond stamps are converted)."""

    __slots__ = ("ns",)


class Timestamping(Item):
    """``SO_TIMESTAMPING``: ``software``, ``legacy`` and ``hardware``
    stamps in integer nanoseconds (0 when the kernel took none)."""

    __slots__ = ("software", "legacy", "hardware")


class IpPacketInfo(Item):
    """``IP_PKTINFO``: ``ifindex``, ``spec_dst`` (local address a reply
    would come from) and ``addr`` (the header's destination), as text."""

    __slots__ = ("ifindex", "spec_dst", "addr")


class Ipv6PacketInfo(Item):
    """``IPV6_PKTINFO``: ``ifindex`` and ``addr`` (the destination), as
    text."""

    __slots__ = ("ifindex", "addr")


class Ttl(Item):
    """``IP_TTL`` (``IP_RECVTTL``) or ``IPV6_HOPLIMIT``
    (``IPV6_RECVHOPLIMIT``): ``value``."""

    __slots__ = ("value",)


class TrafficClass(Item):
    """``IP_TOS`` (``IP_RECVTOS``) or ``IPV6_TCLASS``
    (``IPV6_RECVTCLASS``): ``value`` (the byte), ``dscp`` (``value >> 2``)
    and ``ecn`` (``value & 3``: 0 Not-ECT, 1 ECT(1), 2 ECT(0), 3 CE)."""

    __slots__ = ("value", "dscp", "ecn")


class ExtendedError(Item):
    """``IP_RECVERR`` / ``IPV6_RECVERR`` (read with ``MSG_ERRQUEUE``):
    ``ee_errno``, ``ee_origin``, ``ee_type``, ``ee_code``, ``ee_info``,
    ``ee_data`` as in ``struct sock_extended_err``, and ``offender``: the
    reporting node as a socket address tuple, or None."""

    __slots__ = (
        "ee_errno", "ee_origin", "ee_type", "ee_code", "ee_info", "ee_data",
        "offender",
    )


class UdpGro(Item):
    """``UDP_GRO``: ``segment_size`` of a coalesced datagram."""

    __slots__ = ("segment_size",)


class RxqOverflow(Item):
    """``SO_RXQ_OVFL``: ``drops`` so far."""

    __slots__ = ("drops",)


class Mark(Item):
    """The ``SO_RCVMARK`` item: ``mark``."""

    __slots__ = ("mark",)


class OrigDstAddr(Item):
    """``IP_ORIGDSTADDR`` / ``IPV6_ORIGDSTADDR``: ``address`` tuple."""

    __slots__ = ("address",)


class FragSize(Item):
    """``IP_RECVFRAGSIZE`` / ``IPV6_RECVFRAGSIZE``: ``size``."""

    __slots__ = ("size",)


class PathMtu(Item):
    """``IPV6_PATHMTU``: ``address`` tuple and ``mtu``."""

    __slots__ = ("address", "mtu")


class TlsRecordType(Item):
    """``TLS_GET_RECORD_TYPE``: ``record_type``."""

    __slots__ = ("record_type",)


class Inq(Item):
    """``SCM_INQ`` (``SO_INQ``, ``AF_UNIX``) or ``TCP_CM_INQ``
    (``TCP_INQ``): ``bytes`` left to read after this receive."""

    __slots__ = ("bytes",)


class PacketAuxdata(Item):
    """``PACKET_AUXDATA`` (``AF_PACKET``): ``status`` (``TP_STATUS_*``
    bits), ``len`` (on the wire), ``snaplen`` (captured), ``mac`` and
    ``net`` (header offsets), ``vlan_tci`` and ``vlan_tpid`` (meaningful
    with ``TP_STATUS_VLAN_VALID`` / ``TP_STATUS_VLAN_TPID_VALID``)."""

    __slots__ = ("status", "len", "snaplen", "mac", "net", "vlan_tci", "vlan_tpid")


class NetlinkPktinfo(Item):
    """``NETLINK_PKTINFO``: the multicast ``group`` the message was sent to
    (0 for unicast)."""

    __slots__ = ("group",)


class NetlinkNsid(Item):
    """``NETLINK_LISTEN_ALL_NSID``: ``nsid``, the id of the network
    namespace the message came from."""

    __slots__ = ("nsid",)


def _ns(ts):
    return ts.sec * 1_000_000_000 + ts.nsec


def _ip4(a):
    return _socket.inet_ntop(_socket.AF_INET, bytes(a.addr))


def _ip6(a):
    return _socket.inet_ntop(_socket.AF_INET6, bytes(a.addr))


def _sa4(a):
    return (_ip4(a), a.port)


def _sa6(a):
    return (_ip6(a), a.port, a.flowinfo, a.scope_id)


def _fill_same(item, o):
    """Copies the fields that the class and the C struct name alike."""
    for f in item._fields:
        setattr(item, f, getattr(o, f))


def _fill_scalar(item, o):
    """The one field of a class whose item decodes to a single integer."""
    setattr(item, item._fields[0], o.value)


def _fill_timestamp(item, o):
    item.ns = _ns(o)


def _fill_timestamping(item, o):
    item.software = _ns(o.software)
    item.legacy = _ns(o.legacy)
    item.hardware = _ns(o.hardware)


def _fill_ip_pktinfo(item, o):
    item.ifindex, item.spec_dst, item.addr = o.ifindex, _ip4(o.spec_dst), _ip4(o.addr)


def _fill_ipv6_pktinfo(item, o):
    item.ifindex, item.addr = o.ifindex, _ip6(o.addr)


def _fill_recverr(item, o):
    item.ee_errno = o.ee_errno
    item.ee_origin = o.ee_origin
    item.ee_type = o.ee_type
    item.ee_code = o.ee_code
    item.ee_info = o.ee_info
    item.ee_data = o.ee_data
    if o.offender_family == _socket.AF_INET:
        item.offender = _sa4(o.offender)
    elif o.offender_family == _socket.AF_INET6:
        item.offender = _sa6(o.offender6)
    else:
        item.offender = None


def _fill_orig4(item, o):
    item.address = _sa4(o)


def _fill_orig6(item, o):
    item.address = _sa6(o)


def _fill_pathmtu(item, o):
    item.address, item.mtu = _sa6(o.addr), o.mtu


# Indexed by the item's rmsg_kind (rmsg_item_kind): the library's decoder,
# the type it writes, the class made and how to fill it. Kinds missing here
# (RMSG_KIND_RAW, and those such as SCM_SECURITY or IP_RETOPTS that the
# binding keeps as raw bytes) give a plain Item, as does a decoder's answer
# other than RMSG_OK (an item too short to decode); RIGHTS and PIDFD items are
# built from their taken descriptors. No level or type number is needed:
# the library knows them for the architecture it was built for.
_DECODERS = {
    _n.RMSG_KIND_CREDENTIALS: (_n.item_credentials, _n.Credentials, Credentials, _fill_same),
    _n.RMSG_KIND_TIMESTAMP: (_n.item_timestamp, _n.Timestamp, Timestamp, _fill_timestamp),
    _n.RMSG_KIND_TIMESTAMPING: (
        _n.item_timestamping, _n.Timestamping, Timestamping, _fill_timestamping,
    ),
    _n.RMSG_KIND_RXQ_OVFL: (_n.item_rxq_ovfl, ctypes.c_uint32, RxqOverflow, _fill_scalar),
    _n.RMSG_KIND_MARK: (_n.item_mark, ctypes.c_uint32, Mark, _fill_scalar),
    _n.RMSG_KIND_IP_PKTINFO: (
        _n.item_ip_pktinfo, _n.IpPktinfo, IpPacketInfo, _fill_ip_pktinfo,
    ),
    _n.RMSG_KIND_IP_TTL: (_n.item_ip_ttl, ctypes.c_int32, Ttl, _fill_scalar),
    _n.RMSG_KIND_IP_TOS: (_n.item_ip_tos, _n.TrafficClass, TrafficClass, _fill_same),
    _n.RMSG_KIND_RECVERR: (_n.item_recverr, _n.ExtendedError, ExtendedError, _fill_recverr),
    _n.RMSG_KIND_IP_ORIGDSTADDR: (
        _n.item_ip_origdstaddr, _n.InetAddress, OrigDstAddr, _fill_orig4,
    ),
    _n.RMSG_KIND_FRAGSIZE: (_n.item_fragsize, ctypes.c_uint32, FragSize, _fill_scalar),
    _n.RMSG_KIND_IPV6_PKTINFO: (
        _n.item_ipv6_pktinfo, _n.Ipv6Pktinfo, Ipv6PacketInfo, _fill_ipv6_pktinfo,
    ),
    _n.RMSG_KIND_IPV6_HOPLIMIT: (_n.item_ipv6_hoplimit, ctypes.c_int32, Ttl, _fill_scalar),
    _n.RMSG_KIND_IPV6_TCLASS: (
        _n.item_ipv6_tclass, _n.TrafficClass, TrafficClass, _fill_same,
    ),
    _n.RMSG_KIND_IPV6_ORIGDSTADDR: (
        _n.item_ipv6_origdstaddr, _n.Inet6Address, OrigDstAddr, _fill_orig6,
    ),
    _n.RMSG_KIND_IPV6_PATHMTU: (
        _n.item_ipv6_pathmtu, _n.Ipv6Mtuinfo, PathMtu, _fill_pathmtu,
    ),
    _n.RMSG_KIND_UDP_GRO: (_n.item_udp_gro, ctypes.c_uint32, UdpGro, _fill_scalar),
    _n.RMSG_KIND_TLS_RECORD_TYPE: (
        _n.item_tls_record_type, ctypes.c_uint8, TlsRecordType, _fill_scalar,
    ),
    _n.RMSG_KIND_INQ: (_n.item_inq, ctypes.c_uint32, Inq, _fill_scalar),
    _n.RMSG_KIND_PACKET_AUXDATA: (
        _n.item_packet_auxdata, _n.PacketAuxdata, PacketAuxdata, _fill_same,
    ),
    _n.RMSG_KIND_NETLINK_PKTINFO: (
        _n.item_netlink_pktinfo, ctypes.c_uint32, NetlinkPktinfo, _fill_scalar,
    ),
    _n.RMSG_KIND_NETLINK_NSID: (
        _n.item_netlink_nsid, ctypes.c_int32, NetlinkNsid, _fill_scalar,
    ),
}

# Kinds the library decodes that this binding hands out as a plain Item of
# raw bytes on purpose: a security label is a string the caller reads as it
# likes, and the timestamping side items and IP options are rare enough that
# their bytes serve. With _DECODERS and the descriptor kinds (RIGHTS, PIDFD)
# these cover every kind of the registry, which tests/test_registry.py checks,
# so a kind added to the library is a choice made here, not a silent Item.
_KEPT_RAW = frozenset((
    _n.RMSG_KIND_RAW,
    _n.RMSG_KIND_SECURITY,
    _n.RMSG_KIND_TS_PKTINFO,
    _n.RMSG_KIND_TS_OPT_STATS,
    _n.RMSG_KIND_IP_OPTIONS,
))

# The class an item of each kind becomes (Item for those kept raw).
_CLASSES = {kind: entry[2] for kind, entry in _DECODERS.items()}


class KindInfo(collections.namedtuple("KindInfo", (
    "level", "type", "name", "kind", "payload_size",
    "option_level", "option_name", "option", "enabled_by", "item_class",
))):
    """One row of librmsg's registry of control-message kinds
    (``rmsg_kind_info``): the ``(level, type)`` pair, its name, the library's
    ``rmsg_kind`` number, the data bytes a receive reserves for one item
    (0 for descriptors and send-side types), the socket option that makes
    the kernel deliver it (``option_level``, ``option_name`` and its name;
    -1, -1 and ``""`` when none does), what enables it in words, and the
    class ``receive`` makes of such an item."""

    __slots__ = ()


def _item_class(kind):
    if kind == _n.RMSG_KIND_RIGHTS:
        return Rights
    if kind == _n.RMSG_KIND_PIDFD:
        return PidFd
    return _CLASSES.get(kind, Item)


def kinds():
    """Every control-message kind librmsg knows, as a list of ``KindInfo``
    in the library's order (``rmsg_kind_info_get``). The list is read from
    the library loaded here, so it is the kinds of that build."""
    rows = []
    info = _n.KindInfo()
    for index in range(_n.kind_info_count()):
        status = _n.kind_info_get(index, ctypes.byref(info))
        if status != 0:
            raise RuntimeError("rmsg_kind_info_get(%d) gave status %d" % (index, status))
        rows.append(KindInfo(
            info.cmsg_level, info.cmsg_type, info.name.decode(), info.kind,
            info.payload_size, info.option_level, info.option_name,
            info.option.decode(), info.enabled_by.decode(), _item_class(info.kind),
        ))
    return rows


_NAME_CACHE_MAX = 1024
_names = {}
# rmsg_item_kind by (level, type): the header defines the kind as a function
# of the two, so each pair is asked about once (bounded like _names).
_kinds = {}


def kind_name(level, kind):
    """``rmsg_kind_name``: ``"IPPROTO_IP/IP_TTL"``-style name of a
    ``(level, type)`` pair."""
    key = (level, kind)
    try:
        return _names[key]
    except KeyError:
        pass
    name = _n.kind_name(level, kind).decode()
    if len(_names) < _NAME_CACHE_MAX:
        _names[key] = name
    return name


def _decode(m, index, view, fds):
    """The typed item for view ``view`` (an unpacked ``rmsg_item_view``) of
    item ``index`` of message ``m``; ``fds`` are the ``Fd`` objects of the
    descriptors taken from it, or None. Costs at most two foreign calls
    (``rmsg_message_item`` and the kind's decoder) once the kind of the
    item's ``(level, type)`` is known, one ``rmsg_item_kind`` more before."""
    level, type_, data_p, n, truncated, nfds = view
    name = kind_name(level, type_)
    data = _string_at(data_p, n)
    truncated = bool(truncated)
    item = None
    kind = _kinds.get((level, type_))
    if kind is None:
        item = _n.message_item(m, index)
        kind = _n.item_kind(item)
        if len(_kinds) < _NAME_CACHE_MAX:
            _kinds[(level, type_)] = kind
    if fds is not None:
        if kind == _n.RMSG_KIND_RIGHTS:
            it = Rights()._init(level, type_, name, data, truncated)
            it.fds = fds
            return it
        if kind == _n.RMSG_KIND_PIDFD and len(fds) == 1:
            it = PidFd()._init(level, type_, name, data, truncated)
            it.fd, it.error = fds[0], None
            return it
    if kind == _n.RMSG_KIND_PIDFD and not fds:
        # No descriptor in it: the library reads the kernel's negative
        # errno where the pidfd would be (and never closes it).
        if item is None:
            item = _n.message_item(m, index)
        value = ctypes.c_int()
        if _n.item_pidfd(item, ctypes.byref(value)) == _n.RMSG_OK and value.value < 0:
            it = PidFd()._init(level, type_, name, data, truncated)
            it.fd, it.error = None, value.value
            return it
    entry = _DECODERS.get(kind)
    if entry is not None:
        func, ctype, cls, fill = entry
        if item is None:
            item = _n.message_item(m, index)
        out = ctype()
        # Anything but RMSG_OK (too short to decode ...): a raw item.
        if func(item, ctypes.byref(out)) == _n.RMSG_OK:
            it = cls()._init(level, type_, name, data, truncated)
            fill(it, out)
            return it
    return Item()._init(level, type_, name, data, truncated)


# --- messages --------------------------------------------------------------------


class Message:
    """A received message.

    - ``data``: the bytes received; ``nbytes``: what ``recvmsg(2)``
      returned (larger than ``len(data)`` with ``MSG_TRUNC`` in ``flags``).
    - ``flags``: ``msg_flags``; ``truncated`` / ``control_truncated`` test
      ``MSG_TRUNC`` / ``MSG_CTRUNC``.
    - ``address``: the source, formatted as ``socket.recvmsg`` does.
    - ``items``: the control items in kernel order (``Item`` subclasses).
    - ``malformed``: the control walk stopped at a malformed header.

    The message owns every received descriptor (``Rights.fds``,
    ``PidFd.fd``, all ``Fd``): ``close()`` or a ``with`` block closes those
    not detached.
    """

    __slots__ = ("data", "nbytes", "flags", "address", "items", "malformed")

    def __init__(self, data, nbytes, flags, address, items, malformed):
        self.data = data
        self.nbytes = nbytes
        self.flags = flags
        self.address = address
        self.items = items
        self.malformed = malformed

    @property
    def truncated(self):
        return bool(self.flags & _socket.MSG_TRUNC)

    @property
    def control_truncated(self):
        return bool(self.flags & _socket.MSG_CTRUNC)

    @property
    def fds(self):
        """Every ``SCM_RIGHTS`` descriptor, in order (``Fd`` objects)."""
        return [f for it in self.items if isinstance(it, Rights) for f in it.fds]

    def errqueue(self):
        """What a message read with ``MSG_ERRQUEUE`` means, as an
        ``ErrorQueueInfo`` (``rmsg_message_errqueue``), or None when the
        message holds no extended error (``IP_RECVERR`` /
        ``IPV6_RECVERR`` item)."""
        return _errqueue(self)

    def get(self, cls):
        """The first item that is an instance of ``cls``, or None."""
        for it in self.items:
            if isinstance(it, cls):
                return it
        return None

    def get_all(self, cls):
        """Every item that is an instance of ``cls``."""
        return [it for it in self.items if isinstance(it, cls)]

    def close(self):
        """Closes every descriptor the message still owns."""
        for it in self.items:
            it._close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "<rmsg.Message data=%r flags=%#x address=%r items=%r>" % (
            self.data, self.flags, self.address, self.items,
        )


# --- the error queue -------------------------------------------------------------


class ErrorQueueInfo:
    """What an error-queue message means (``Message.errqueue()``, from
    ``rmsg_message_errqueue``). Names come from the library:

    - ``kind``: ``"timestamp"``, ``"zerocopy"``, ``"txtime"``, ``"icmp"``,
      ``"icmp6"``, ``"local"`` or ``"other"``;
    - ``ee_errno``, ``ee_origin``, ``ee_type``, ``ee_code``, ``ee_info``,
      ``ee_data``: the raw ``struct sock_extended_err``;
    - transmit timestamps: ``tstamp_type`` (``"sched"``, ``"snd"``,
      ``"ack"`` ...), ``tstamp_key`` (the ``OPT_ID`` key), ``timestamping``
      (the software, legacy and hardware stamps in nanoseconds, or None);
    - ``ifindex`` and ``pkt_length`` from packet info (0 without);
    - zero-copy: ``zerocopy_range`` (a ``range`` of the sends completed, or
      None) and ``zerocopy_copied``;
    - ``SO_TXTIME``: ``txtime_error`` (``"invalid parameter"``,
      ``"missed deadline"`` ..., or None) and ``txtime`` (ns);
    - ICMP and ICMPv6: ``icmp_reason`` (``"port unreachable"``, ``"too
      big"`` ..., or None), ``mtu`` (also for a local ``EMSGSIZE``),
      ``rfc4884_len``, ``rfc4884_invalid``, ``offender`` (a socket address
      tuple, or None). The original datagram is the message's ``data``.
    """

    __slots__ = (
        "kind", "ee_errno", "ee_origin", "ee_type", "ee_code", "ee_info", "ee_data",
        "tstamp_type", "tstamp_key", "timestamping", "ifindex", "pkt_length",
        "zerocopy_range", "zerocopy_copied", "txtime_error", "txtime",
        "icmp_reason", "mtu", "rfc4884_len", "rfc4884_invalid", "offender",
    )

    def __repr__(self):
        shown = [
            "%s=%r" % (f, getattr(self, f))
            for f in self.__slots__
            if getattr(self, f) not in (None, 0, False)
        ]
        return "<rmsg.ErrorQueueInfo %s>" % " ".join(shown)


def _control_bytes(items):
    """The items laid out again as the kernel wrote them (CMSG_* layout),
    for ``rmsg_message_from_recvmsg``."""
    hdr = _socket.CMSG_LEN(0)
    out = bytearray()
    for it in items:
        n = len(it.data)
        start = len(out)
        out += bytes(_socket.CMSG_SPACE(n))
        ctypes.c_size_t.from_buffer(out, start).value = hdr + n
        ctypes.c_int.from_buffer(out, start + ctypes.sizeof(ctypes.c_size_t)).value = it.level
        ctypes.c_int.from_buffer(out, start + ctypes.sizeof(ctypes.c_size_t) + 4).value = it.type
        out[start + hdr:start + hdr + n] = it.data
    return out


def _errqueue(msg):
    if not any(isinstance(it, ExtendedError) for it in msg.items):
        return None
    control = _control_bytes(msg.items)
    cbuf = (ctypes.c_uint8 * max(len(control), 1)).from_buffer_copy(bytes(control) or b"\0")
    dbuf = ctypes.create_string_buffer(msg.data, max(len(msg.data), 1))
    parts = _n.RecvmsgParts(
        ctypes.addressof(dbuf), len(msg.data), len(msg.data), None, 0, 0,
        ctypes.addressof(cbuf), len(control), msg.flags,
    )
    m = ctypes.c_void_p()
    st = _n.message_from_recvmsg(ctypes.byref(parts), 0, ctypes.byref(m))
    if st != _n.RMSG_OK:
        _raise_status(st)
    try:
        o = _n.ErrqueueInfo()
        st = _n.message_errqueue(m, ctypes.sizeof(o), ctypes.byref(o))
        if st != _n.RMSG_OK:
            _raise_status(st)
    finally:
        _n.message_free_no_fds(m)
    if o.kind == _n.RMSG_ERRQUEUE_NONE:
        return None
    e = ErrorQueueInfo()
    e.kind = _n.errqueue_kind_name(o.kind).decode()
    for f in ("ee_errno", "ee_origin", "ee_type", "ee_code", "ee_info", "ee_data",
              "ifindex", "pkt_length", "mtu", "rfc4884_len"):
        setattr(e, f, getattr(o, f))
    e.rfc4884_invalid = bool(o.rfc4884_invalid)
    stamp = o.kind == _n.RMSG_ERRQUEUE_TIMESTAMP
    e.tstamp_type = _n.tstamp_type_name(o.tstamp_type).decode() if stamp else None
    e.tstamp_key = o.tstamp_key if stamp else None
    t = o.timestamping
    e.timestamping = (
        (_ns(t.software), _ns(t.legacy), _ns(t.hardware)) if o.has_timestamping else None
    )
    zc = o.kind == _n.RMSG_ERRQUEUE_ZEROCOPY
    e.zerocopy_range = range(o.zerocopy_first, o.zerocopy_last + 1) if zc else None
    e.zerocopy_copied = bool(o.zerocopy_copied)
    tx = o.kind == _n.RMSG_ERRQUEUE_TXTIME
    e.txtime_error = _n.txtime_error_name(o.txtime_error).decode() if tx else None
    e.txtime = o.txtime if tx else None
    icmp = o.kind in (_n.RMSG_ERRQUEUE_ICMP, _n.RMSG_ERRQUEUE_ICMP6)
    e.icmp_reason = _n.icmp_reason_name(o.icmp_reason).decode() if icmp else None
    if o.offender_family == _socket.AF_INET:
        e.offender = _sa4(o.offender)
    elif o.offender_family == _socket.AF_INET6:
        e.offender = _sa6(o.offender6)
    else:
        e.offender = None
    return e


def _auto_space(sock, maxfds):
    if maxfds is None:
        maxfds = DEFAULT_MAXFDS if _sock_family(sock) == _socket.AF_UNIX else 0
    maxfds = _size_arg(maxfds, "maxfds")
    out = ctypes.c_size_t()
    status = _n.control_space_for_socket(_fd_of(sock), maxfds, ctypes.byref(out))
    if status != _n.RMSG_OK:
        _raise_status(status)
    return out.value


def receive(sock, bufsize, ancbufsize=None, flags=0, *, maxfds=None, cloexec=True):
    """Receives one message from ``sock`` and decodes it: returns a
    ``Message``.

    ``ancbufsize=None`` sizes the control buffer for the receive options
    enabled on the socket right now (``rmsg_control_space_for_socket``:
    ``SO_PASSCRED``, timestamps, ``IP_PKTINFO``, ``IP_RECVERR``, ``UDP_GRO``
    ...) plus room for ``maxfds`` descriptors, by default
    ``DEFAULT_MAXFDS`` (253, the most one message can carry) on ``AF_UNIX``
    sockets and none on others. Pass a number to size it yourself.

    Honours the socket's timeout (``TimeoutError``; ``BlockingIOError`` on
    a non-blocking socket), runs Python signal handlers while blocked
    (their exceptions propagate), releases the GIL while waiting.
    Descriptors are close-on-exec unless ``cloexec=False``; they are owned
    by the returned message's ``Fd`` objects, and closed if anything fails
    before it is returned.
    """
    bufsize = _ssize_arg(bufsize)
    flags = _cint(flags)
    if bufsize < 0:
        raise ValueError("negative buffer size in receive()")
    if ancbufsize is None:
        ancbufsize = _auto_space(sock, maxfds)
    else:
        ancbufsize = _ssize_arg(ancbufsize)
        if ancbufsize < 0 or ancbufsize > _SOCKLEN_T_LIMIT:
            raise ValueError("invalid ancillary data buffer length")
    try:
        st = _pool.pop()
    except IndexError:
        st = _State()
    taken = []  # every descriptor number taken out of the message
    wrapped = []  # the Fd objects made for them
    try:
        _call(
            _recvmsg_with, sock, cloexec,
            (bufsize, ancbufsize, flags), (st.msg_addr,),
        )
        return _message_of(st, st.msg.value, sock, taken, wrapped)
    except BaseException:
        _forget(wrapped, taken)
        raise
    finally:
        st.release()


def _forget(wrapped, taken):
    """After a failure: closes each taken number exactly once (the Fd
    objects made for them forget theirs)."""
    for f in wrapped:
        f._fd = -1
    _close_quietly(taken)


def _message_of(st, m, sock, taken, wrapped):
    """The ``Message`` of received message ``m``, with ``st``'s arrays: its
    descriptors are taken first (numbers appended to ``taken``, their
    ``Fd`` objects to ``wrapped``), so that nothing below can leave one
    unowned."""
    info = st.info
    _summarize(m, st.info_addr)
    data = _string_at(info.data, info.data_len)
    count = info.item_count
    views = list(_iter_views(st.item_views(m, count))) if count else []
    owned = {}
    for i, v in enumerate(views):
        n = v[5]
        if not n:
            continue
        arr = st.fd_array(n)
        if _n.message_take_item_fds(m, i, arr, n, st.count_addr) == _n.RMSG_OK:
            got = arr[: st.count.value]
            taken.extend(got)
            fl = [Fd(fd) for fd in got]
            wrapped.extend(fl)
            owned[i] = fl
    items = [_decode(m, i, v, owned.get(i)) for i, v in enumerate(views)]
    return Message(
        data, info.nbytes, info.flags, _address(info, sock), items,
        bool(info.malformed),
    )


def receive_batch(sock, count, bufsize, ancbufsize=None, flags=0, *, maxfds=None,
                  cloexec=True):
    """Up to ``count`` messages with one ``recvmmsg(2)`` call, decoded: a
    list of ``Message`` (at least one), each as ``receive`` makes it, with
    the same arguments (``ancbufsize=None`` sizes each slot's control
    buffer for the socket's options), timeout and signal handling. If
    anything fails after the syscall every descriptor of the batch is
    closed."""
    count, bufsize, ancbufsize_n, flags = _batch_args(
        count, bufsize, 0 if ancbufsize is None else ancbufsize, flags
    )
    if ancbufsize is None:
        ancbufsize_n = _auto_space(sock, maxfds)
    wrapped = []

    def build(st, m, taken):
        try:
            return _message_of(st, m, sock, taken, wrapped)
        except BaseException:
            for f in wrapped:
                f._fd = -1  # _receive_batch closes the numbers
            raise

    return _receive_batch(sock, (count, bufsize, ancbufsize_n), flags, cloexec, build)


# --- send --------------------------------------------------------------------------


def _buffers(data):
    """iovecs for ``data`` (one bytes-like object, or a list/tuple of
    them) and the objects that must stay alive during the call."""
    if isinstance(data, (list, tuple)):
        seq = data
    else:
        seq = (data,)
    iov = (_n.Iovec * max(1, len(seq)))()
    keep = [iov]
    for i, b in enumerate(seq):
        if isinstance(b, bytes):
            p = ctypes.c_char_p(b)
            keep.append(p)
            iov[i].base = ctypes.cast(p, ctypes.c_void_p).value
            iov[i].len = len(b)
            continue
        mv = memoryview(b)
        if not mv.c_contiguous:
            raise TypeError("send() buffers must be C-contiguous")
        nbytes = mv.nbytes
        if not nbytes:
            continue
        if mv.readonly:
            copy = ctypes.create_string_buffer(mv.tobytes(), nbytes)
            keep.append(copy)
            iov[i].base = ctypes.addressof(copy)
        else:
            cbuf = (ctypes.c_char * nbytes).from_buffer(mv)
            keep.append(cbuf)
            keep.append(mv)
            iov[i].base = ctypes.addressof(cbuf)
        iov[i].len = nbytes
    return iov, len(seq), keep


def _fd_number(f):
    """A descriptor to send: an int, or an object's ``fileno()``, as the C
    int it is handed to C as."""
    return _cint(f if isinstance(f, int) else f.fileno())


def _check_build(status, what):
    if status == _n.RMSG_OK:
        return
    if status == _n.RMSG_ERR_TOO_MANY_FDS:
        raise ValueError(
            "too many file descriptors (one message carries at most %d)"
            % _n.RMSG_SCM_MAX_FD
        )
    if status == _n.RMSG_ERR_BAD_FD:
        raise ValueError("negative file descriptor")
    if status == _n.RMSG_ERR_INVALID_ARGUMENT:
        raise ValueError("%s out of range" % what)
    if status == _n.RMSG_ERR_INVALID_ADDRESS:
        raise ValueError("invalid address: %s" % what)
    _raise_status(status)


def _ip_bytes(family, host, sock_type):
    try:
        return _socket.inet_pton(family, host)
    except OSError:
        pass
    # A name: resolved as socket.sendto would.
    info = _socket.getaddrinfo(host, None, family, sock_type)
    return _socket.inet_pton(family, info[0][4][0])


def _make_destination(sock, address):
    """An owned ``rmsg_address`` for ``address`` in the socket family's
    Python form: ``(host, port)``, ``(host, port[, flowinfo[, scope_id]])``,
    or a path (``str``/``bytes``; a leading NUL byte makes it abstract)."""
    family = _sock_family(sock)
    out = ctypes.c_void_p()
    if family == _socket.AF_INET:
        host, port = address
        a = _n.InetAddress()
        a.addr[:] = _ip_bytes(_socket.AF_INET, host or "0.0.0.0", sock.type)
        port = operator.index(port)
        if not 0 <= port <= 0xFFFF:
            raise OverflowError("port must be 0-65535.")
        a.port = port
        status = _n.address_from_inet(ctypes.byref(a), ctypes.byref(out))
    elif family == _socket.AF_INET6:
        host, port = address[0], address[1]
        a = _n.Inet6Address()
        a.addr[:] = _ip_bytes(_socket.AF_INET6, host.split("%")[0] or "::", sock.type)
        port = operator.index(port)
        if not 0 <= port <= 0xFFFF:
            raise OverflowError("port must be 0-65535.")
        a.port = port
        a.flowinfo = _cuint(address[2]) if len(address) > 2 else 0
        if len(address) > 3:
            a.scope_id = _cuint(address[3])
        elif "%" in host:
            a.scope_id = _socket.if_nametoindex(host.split("%", 1)[1])
        status = _n.address_from_inet6(ctypes.byref(a), ctypes.byref(out))
    elif family == _socket.AF_UNIX:
        name = os.fsencode(address)
        if name[:1] == b"\0":
            rest = name[1:]
            status = _n.address_from_unix_abstract(rest, len(rest), ctypes.byref(out))
        else:
            status = _n.address_from_unix_path(name, len(name), ctypes.byref(out))
    elif family in (getattr(_socket, "AF_PACKET", None), getattr(_socket, "AF_NETLINK", None),
                    getattr(_socket, "AF_VSOCK", None)):
        # The tuples of socket.sendto, converted as the sendmsg drop-in does.
        from ._sendmsg import _destination

        return _destination(sock, address, "send")
    else:
        raise ValueError("send(): addresses of family %d are not supported" % family)
    _check_build(status, repr(address))
    return out.value


# The builder functions of the items that differ by IP version: for an
# AF_INET socket and for an AF_INET6 one.
_BY_FAMILY = {
    "pktinfo": (_n.cmsg_builder_add_ip_pktinfo, _n.cmsg_builder_add_ipv6_pktinfo),
    "ttl": (_n.cmsg_builder_add_ip_ttl, _n.cmsg_builder_add_ipv6_hoplimit),
    "tos": (_n.cmsg_builder_add_ip_tos, _n.cmsg_builder_add_ipv6_tclass),
}


def _for_family(what, family):
    """The builder function that adds item ``what`` for a socket of
    ``family``; ValueError for a family other than IPv4 and IPv6."""
    ip4, ip6 = _BY_FAMILY[what]
    if family == _socket.AF_INET:
        return ip4
    if family == _socket.AF_INET6:
        return ip6
    raise ValueError("%s needs an AF_INET or AF_INET6 socket" % what)


def _build(builder, sock, fds, ttl, tos, pktinfo, credentials, segment_size,
           txtime, ancillary, per_send=()):
    family = _sock_family(sock)
    if fds:
        nums = [_fd_number(f) for f in fds]
        arr = (ctypes.c_int * len(nums))(*nums)
        _check_build(_n.cmsg_builder_add_fds(builder, arr, len(nums)), "fds")
    if credentials is not None:
        if credentials is True:
            credentials = (os.getpid(), os.getuid(), os.getgid())
        pid, uid, gid = credentials
        _check_build(
            _n.cmsg_builder_add_credentials(builder, _cint(pid), _cuint(uid), _cuint(gid)),
            "credentials",
        )
    if pktinfo is not None:
        ifindex, src = pktinfo
        ifindex = _cuint(ifindex)
        add = _for_family("pktinfo", family)
        raw = _socket.inet_pton(family, src) if src else None
        _check_build(add(builder, ifindex, raw, len(raw) if raw else 0), "pktinfo")
    for what, value in (("ttl", ttl), ("tos", tos)):
        if value is not None:
            add = _for_family(what, family)
            _check_build(add(builder, _cint(value)), what)
    if segment_size is not None:
        segment_size = operator.index(segment_size)
        if not 0 <= segment_size <= 0xFFFF:
            raise ValueError("segment_size out of range")
        _check_build(
            _n.cmsg_builder_add_udp_segment(builder, segment_size), "segment_size"
        )
    if txtime is not None:
        _check_build(_n.cmsg_builder_add_txtime(builder, _cuint(txtime, 64)), "txtime")
    for what, value in per_send:
        if value is None:
            continue
        if what == "dontfrag":
            _check_build(_n.cmsg_builder_add_ipv6_dontfrag(builder, _cint(value)), what)
        elif what == "tls_record_type":
            value = operator.index(value)
            if not 0 <= value <= 0xFF:
                raise ValueError("tls_record_type out of range")
            _check_build(_n.cmsg_builder_add_tls_record_type(builder, value), what)
        elif what == "alg_iv":
            iv = bytes(memoryview(value))
            _check_build(_n.cmsg_builder_add_alg_iv(builder, iv, len(iv)), what)
        else:
            add = getattr(_n, "cmsg_builder_add_" + what)
            _check_build(add(builder, _cuint(value)), what)
    for level, kind, payload in ancillary:
        payload = bytes(memoryview(payload))
        _check_build(
            _n.cmsg_builder_add_raw(
                builder, _cint(level), _cint(kind), payload, len(payload)
            ),
            "ancillary item",
        )


def send(sock, data, fds=(), *, address=None, ttl=None, tos=None,
         pktinfo=None, credentials=None, segment_size=None, txtime=None,
         ancillary=(), flags=0, timestamping=None, ts_opt_id=None,
         priority=None, mark=None, dontfrag=None, tls_record_type=None,
         alg_op=None, alg_iv=None, alg_assoclen=None):
    """Sends one message with ``rmsg_sendmsg``; returns the bytes sent.

    - ``data``: a bytes-like object, or a list/tuple of them (gathered).
    - ``fds``: descriptors (ints, or objects with ``fileno()`` such as
      ``Fd`` or sockets) sent in one ``SCM_RIGHTS`` item; they stay the
      caller's (not closed, not duplicated). At most 253.
    - ``address``: the destination in the socket family's form
      (``(host, port)``, ``(host, port, flowinfo, scope_id)``, a path, or
      ``b"\\0name"`` for an abstract name), or None when connected.
    - ``ttl``: ``IP_TTL`` on IPv4, ``IPV6_HOPLIMIT`` on IPv6 sockets;
      ``tos``: ``IP_TOS`` / ``IPV6_TCLASS`` (ECN bits included);
      ``pktinfo``: ``(ifindex, source address or None)``;
      ``credentials``: ``(pid, uid, gid)`` or True for this process's own;
      ``segment_size``: ``UDP_SEGMENT`` (UDP GSO); ``txtime``:
      ``SCM_TXTIME`` in nanoseconds; ``ancillary``: further
      ``(level, type, bytes)`` items, as ``socket.sendmsg`` takes them.
    - For this send only: ``timestamping``: ``SOF_TIMESTAMPING_TX_*``
      flags (``SO_TIMESTAMPING``); ``ts_opt_id``: the key of its transmit
      stamps (``SCM_TS_OPT_ID``, Linux 6.13); ``priority``
      (``SO_PRIORITY``); ``mark`` (``SO_MARK``); ``dontfrag``: 0 or 1
      (``IPV6_DONTFRAG``); ``tls_record_type`` (kernel TLS's
      ``TLS_SET_RECORD_TYPE``); ``alg_op``, ``alg_iv`` (bytes),
      ``alg_assoclen`` (AF_ALG's ``ALG_SET_OP``, ``ALG_SET_IV``,
      ``ALG_SET_AEAD_ASSOCLEN``).
    - ``flags``: passed to ``sendmsg(2)``.

    ``MSG_NOSIGNAL`` is always added: writing to a stream whose peer has
    gone raises ``BrokenPipeError`` and never delivers ``SIGPIPE``, even if
    the program restored SIGPIPE's default action (CPython ignores SIGPIPE
    at startup, so plain ``socket.send`` also raises, unless it was
    restored). Honours the socket's timeout like ``socket.sendmsg``
    (``TimeoutError``; ``BlockingIOError`` on a non-blocking socket) and
    runs signal handlers while blocked. On a stream socket fewer bytes than
    given may be sent (returned, never retried).
    """
    flags = _cint(flags)
    iov, count, keep = _buffers(data)
    builder = None
    dest = None
    per_send = (
        ("timestamping", timestamping), ("ts_opt_id", ts_opt_id),
        ("priority", priority), ("mark", mark), ("dontfrag", dontfrag),
        ("tls_record_type", tls_record_type), ("alg_op", alg_op),
        ("alg_iv", alg_iv), ("alg_aead_assoclen", alg_assoclen),
    )
    try:
        if (fds or ttl is not None or tos is not None or pktinfo is not None
                or credentials is not None or segment_size is not None
                or txtime is not None or ancillary
                or any(v is not None for _, v in per_send)):
            out = ctypes.c_void_p()
            status = _n.cmsg_builder_new(ctypes.byref(out))
            if status != _n.RMSG_OK:
                _raise_status(status)
            builder = out.value
            _build(builder, sock, fds, ttl, tos, pktinfo, credentials,
                   segment_size, txtime, ancillary, per_send)
        if address is not None:
            dest = _make_destination(sock, address)
        return _send_loop(sock, iov, count, builder, dest, flags)
    finally:
        if builder:
            _n.cmsg_builder_free(builder)
        if dest:
            _n.address_free(dest)
        del keep
