"""Loading librmsg, and the binding's one copy of the C declarations of
include/rmsg.h it uses: the structs (``STRUCTS``), the ``RMSG_`` constants
and the functions (``_FUNCTIONS``). tests/test_header.py compiles a C
program against the header to check the structs and constants.

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

The compiled fast path, the extension module ``rmsg._rmsg`` (built from
``ext/_rmsg.c`` by ``pip install``, or in a checkout by
``python3 build_backend/rmsg_build.py``), does not link the library: it is
given the address of each function it calls from the library loaded here
(``addresses``), so both paths always use the same copy. ``RMSG_IMPL``
chooses the path: ``compiled`` (an error if the module cannot be
imported), ``ctypes`` (never the module), or unset (the module when it
imports, else ctypes). ``implementation`` says which is in use.
"""

import ctypes
import importlib
import os

__all__ = ["lib", "library_path", "extension", "implementation"]


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
# The same library again, for the functions that never block: a PyDLL
# keeps the GIL during the call, which saves releasing and taking it back.
pylib = ctypes.PyDLL(library_path)

c_size_t = ctypes.c_size_t
c_int = ctypes.c_int
c_int32 = ctypes.c_int32
c_int64 = ctypes.c_int64
c_uint8 = ctypes.c_uint8
c_uint16 = ctypes.c_uint16
c_uint32 = ctypes.c_uint32
c_uint64 = ctypes.c_uint64
c_void_p = ctypes.c_void_p
c_bool = ctypes.c_bool


# --- structs ----------------------------------------------------------------------

# Every struct declared below, in order (tests/test_header.py compiles a C
# program against include/rmsg.h and compares each one's size, alignment
# and field offsets, sizes and signedness with these declarations).
STRUCTS = []


def _struct(c_name, *fields):
    """The ctypes declaration of ``struct c_name`` of the header: ``fields``
    are its ``(name, ctypes type)`` pairs, in the header's order and under
    the header's names. The class is named after the struct
    (``rmsg_ip_pktinfo``: ``IpPktinfo``) and remembers it as ``c_name``."""
    name = "".join(part.capitalize() for part in c_name.split("_")[1:])
    cls = type(name, (ctypes.Structure,), {
        "__doc__": "``%s``." % c_name,
        "__module__": __name__,
        "_fields_": list(fields),
        "c_name": c_name,
    })
    STRUCTS.append(cls)
    return cls


RecvOptions = _struct(
    "rmsg_recv_options",
    ("wait", c_uint32), ("flags", c_uint32), ("timeout_ns", c_uint64),
)
# The same fields and meaning as rmsg_recv_options (RMSG_SEND_* flags).
SendOptions = _struct("rmsg_send_options", *RecvOptions._fields_)
# Laid out as struct iovec.
Iovec = _struct("rmsg_iovec", ("base", c_void_p), ("len", c_size_t))
MessageInfo = _struct(
    "rmsg_message_info",
    ("data", c_void_p),
    ("data_len", c_size_t),
    ("nbytes", c_size_t),
    ("flags", c_int),
    ("malformed", c_bool),
    ("item_count", c_size_t),
    ("fd_count", c_size_t),
    ("address", c_void_p),
    ("address_len", c_size_t),
)
ItemView = _struct(
    "rmsg_item_view",
    ("cmsg_level", c_int),
    ("cmsg_type", c_int),
    ("data", c_void_p),
    ("data_len", c_size_t),
    ("truncated", c_bool),
    ("fd_count", c_size_t),
)
InetAddress = _struct("rmsg_inet_address", ("addr", c_uint8 * 4), ("port", c_uint16))
Inet6Address = _struct(
    "rmsg_inet6_address",
    ("addr", c_uint8 * 16),
    ("port", c_uint16),
    ("flowinfo", c_uint32),
    ("scope_id", c_uint32),
)
PacketAddress = _struct(
    "rmsg_packet_address",
    ("ifindex", c_int32),
    ("protocol", c_uint16),
    ("hatype", c_uint16),
    ("pkttype", c_uint8),
    ("halen", c_uint8),
    ("addr", c_uint8 * 8),
)
NetlinkAddress = _struct("rmsg_netlink_address", ("pid", c_uint32), ("groups", c_uint32))
VsockAddress = _struct(
    "rmsg_vsock_address", ("cid", c_uint32), ("port", c_uint32), ("flags", c_uint8),
)
Credentials = _struct(
    "rmsg_credentials", ("pid", c_int32), ("uid", c_uint32), ("gid", c_uint32),
)
Timestamp = _struct("rmsg_timestamp", ("sec", c_int64), ("nsec", c_int64))
Timestamping = _struct(
    "rmsg_timestamping",
    ("software", Timestamp), ("legacy", Timestamp), ("hardware", Timestamp),
)
IpPktinfo = _struct(
    "rmsg_ip_pktinfo",
    ("ifindex", c_int32), ("spec_dst", InetAddress), ("addr", InetAddress),
)
TrafficClass = _struct(
    "rmsg_traffic_class", ("value", c_uint8), ("dscp", c_uint8), ("ecn", c_uint8),
)
ExtendedError = _struct(
    "rmsg_extended_error",
    ("ee_errno", c_uint32),
    ("ee_origin", c_uint8),
    ("ee_type", c_uint8),
    ("ee_code", c_uint8),
    ("ee_info", c_uint32),
    ("ee_data", c_uint32),
    ("offender_family", c_int32),
    ("offender", InetAddress),
    ("offender6", Inet6Address),
)
Ipv6Pktinfo = _struct("rmsg_ipv6_pktinfo", ("ifindex", c_int32), ("addr", Inet6Address))
Ipv6Mtuinfo = _struct("rmsg_ipv6_mtuinfo", ("addr", Inet6Address), ("mtu", c_uint32))
KindInfo = _struct(
    "rmsg_kind_info",
    ("cmsg_level", c_int), ("cmsg_type", c_int), ("name", ctypes.c_char_p),
    ("kind", c_uint32), ("payload_size", c_size_t),
    ("option_level", c_int), ("option_name", c_int),
    ("option", ctypes.c_char_p), ("enabled_by", ctypes.c_char_p),
)
PacketAuxdata = _struct(
    "rmsg_packet_auxdata",
    ("status", c_uint32), ("len", c_uint32), ("snaplen", c_uint32), ("mac", c_uint16),
    ("net", c_uint16), ("vlan_tci", c_uint16), ("vlan_tpid", c_uint16),
)
RecvmsgParts = _struct(
    "rmsg_recvmsg_parts",
    ("data", c_void_p),
    ("data_len", c_size_t),
    ("nbytes", c_size_t),
    ("name", c_void_p),
    ("name_size", c_size_t),
    ("name_len", c_size_t),
    ("control", c_void_p),
    ("control_len", c_size_t),
    ("msg_flags", c_int),
)
# rmsg_message_errqueue's summary; the enum fields are uint32_t in C.
ErrqueueInfo = _struct(
    "rmsg_errqueue_info",
    ("kind", c_uint32),
    ("ee_errno", c_uint32),
    ("ee_origin", c_uint8),
    ("ee_type", c_uint8),
    ("ee_code", c_uint8),
    ("ee_info", c_uint32),
    ("ee_data", c_uint32),
    ("data", c_void_p),
    ("data_len", c_size_t),
    ("tstamp_type", c_uint32),
    ("tstamp_key", c_uint32),
    ("has_timestamping", c_bool),
    ("timestamping", Timestamping),
    ("ifindex", c_int32),
    ("pkt_length", c_uint32),
    ("zerocopy_first", c_uint32),
    ("zerocopy_last", c_uint32),
    ("zerocopy_copied", c_bool),
    ("txtime_error", c_uint32),
    ("txtime", c_uint64),
    ("icmp_reason", c_uint32),
    ("mtu", c_uint32),
    ("rfc4884_len", c_uint16),
    ("rfc4884_invalid", c_bool),
    ("offender_family", c_int32),
    ("offender", InetAddress),
    ("offender6", Inet6Address),
)


# --- constants ----------------------------------------------------------------------
#
# The header's values, defined here once: the other modules and the tests
# take them from this module, and tests/test_header.py compares every
# RMSG_ name here with include/rmsg.h.

# rmsg_status: what every fallible function returns.
RMSG_OK = 0
RMSG_ERR_OS = 1
RMSG_ERR_WOULD_BLOCK = 2
RMSG_ERR_TIMED_OUT = 3
RMSG_ERR_INTERRUPTED = 4
RMSG_ERR_INVALID_ARGUMENT = 6
RMSG_ERR_TOO_LARGE = 7
RMSG_ERR_OUT_OF_MEMORY = 8
RMSG_ERR_BAD_FD = 9
RMSG_ERR_BUFFER_TOO_SMALL = 11
RMSG_ERR_SHORT_ITEM = 13
RMSG_ERR_TOO_MANY_FDS = 30
RMSG_ERR_INVALID_ADDRESS = 31
RMSG_ERR_BROKEN_PIPE = 32

# The wait field of rmsg_recv_options and rmsg_send_options.
RMSG_WAIT_BLOCK = 0
RMSG_WAIT_NONBLOCK = 1
RMSG_WAIT_DEADLINE = 2

# Their flags.
RMSG_RECV_RETURN_EINTR = 1
RMSG_RECV_NO_CLOEXEC = 2
RMSG_SEND_RETURN_EINTR = 1
RMSG_SEND_ALLOW_SIGPIPE = 2

# The most slots a batch may have (Linux's UIO_MAXIOV).
RMSG_BATCH_MAX = 1024

# Linux numbers that the C library's headers (and Python's socket module)
# may lack.
RMSG_SCM_MAX_FD = 253
RMSG_SCM_PIDFD = 4
RMSG_SO_PASSPIDFD = 76
RMSG_SOL_UDP = 17
RMSG_UDP_GRO = 104
RMSG_UDP_SEGMENT = 103
RMSG_IP_RECVRETOPTS = 7

# rmsg_kind: which typed decoder an item takes (rmsg_item_kind).
RMSG_KIND_RAW = 0
RMSG_KIND_RIGHTS = 1
RMSG_KIND_CREDENTIALS = 2
RMSG_KIND_PIDFD = 3
RMSG_KIND_SECURITY = 4
RMSG_KIND_TIMESTAMP = 5
RMSG_KIND_TIMESTAMPING = 6
RMSG_KIND_RXQ_OVFL = 7
RMSG_KIND_MARK = 8
RMSG_KIND_TS_PKTINFO = 9
RMSG_KIND_TS_OPT_STATS = 10
RMSG_KIND_IP_PKTINFO = 11
RMSG_KIND_IP_TTL = 12
RMSG_KIND_IP_TOS = 13
RMSG_KIND_RECVERR = 14
RMSG_KIND_IP_ORIGDSTADDR = 15
RMSG_KIND_FRAGSIZE = 16
RMSG_KIND_IP_OPTIONS = 17
RMSG_KIND_IPV6_PKTINFO = 18
RMSG_KIND_IPV6_HOPLIMIT = 19
RMSG_KIND_IPV6_TCLASS = 20
RMSG_KIND_IPV6_ORIGDSTADDR = 21
RMSG_KIND_IPV6_PATHMTU = 22
RMSG_KIND_UDP_GRO = 23
RMSG_KIND_TLS_RECORD_TYPE = 24
RMSG_KIND_INQ = 25
RMSG_KIND_PACKET_AUXDATA = 26
RMSG_KIND_NETLINK_PKTINFO = 27
RMSG_KIND_NETLINK_NSID = 28

# rmsg_errqueue_kind: what rmsg_message_errqueue says a message is.
RMSG_ERRQUEUE_NONE = 0
RMSG_ERRQUEUE_TIMESTAMP = 1
RMSG_ERRQUEUE_ZEROCOPY = 2
RMSG_ERRQUEUE_TXTIME = 3
RMSG_ERRQUEUE_ICMP = 4
RMSG_ERRQUEUE_ICMP6 = 5
RMSG_ERRQUEUE_LOCAL = 6
RMSG_ERRQUEUE_OTHER = 7


# --- functions ----------------------------------------------------------------------
#
# Pointer arguments are declared c_void_p so that callers can pass plain
# addresses (the cheapest conversion) as well as byref results. Each
# function is loaded from one of the library's two handles: _BLOCKS for
# those that may block (or close descriptors, which can block on a
# lingering socket), which release the GIL during the call, and _QUICK for
# those that only read and write memory, called with the GIL held.
_BLOCKS = lib
_QUICK = pylib

_status = c_uint32  # rmsg_status, and the rmsg_kind of rmsg_item_kind
_char_p = ctypes.c_char_p

# (C name, handle, result type, argument types...): each is this module's
# attribute of the name without "rmsg_".
_FUNCTIONS = (
    ("rmsg_last_errno", _QUICK, c_int),
    ("rmsg_status_name", _QUICK, _char_p, c_uint32),
    ("rmsg_cmsg_len", _QUICK, _status, c_size_t, c_void_p),
    ("rmsg_cmsg_space", _QUICK, _status, c_size_t, c_void_p),
    ("rmsg_kind_name", _QUICK, _char_p, c_int, c_int),
    # The registry of kinds (rmsg_kind_info): rmsg.kinds() reads it.
    ("rmsg_kind_info_count", _QUICK, c_size_t),
    ("rmsg_kind_info_get", _QUICK, _status, c_size_t, c_void_p),
    ("rmsg_control_space_for_socket", _BLOCKS, _status, c_int, c_size_t, c_void_p),
    # Receiving, and the message.
    ("rmsg_recvmsg_with", _BLOCKS, _status,
     c_int, c_size_t, c_size_t, c_int, c_void_p, c_void_p),
    ("rmsg_recvmsg_into", _BLOCKS, _status,
     c_int, c_void_p, c_size_t, c_size_t, c_int, c_void_p, c_void_p, c_void_p),
    ("rmsg_message_free", _BLOCKS, None, c_void_p),
    # Batches (recvmmsg): the receive blocks, and so may freeing (it
    # closes descriptors not taken).
    ("rmsg_batch_new", _QUICK, _status, c_size_t, c_size_t, c_size_t, c_void_p, c_void_p),
    ("rmsg_batch_recv", _BLOCKS, _status, c_void_p, c_int, c_int, c_void_p, c_void_p),
    ("rmsg_batch_message", _QUICK, c_void_p, c_void_p, c_size_t),
    ("rmsg_batch_free", _BLOCKS, None, c_void_p),
    ("rmsg_message_item", _QUICK, c_void_p, c_void_p, c_size_t),
    ("rmsg_message_summarize", _QUICK, _status, c_void_p, c_void_p),
    ("rmsg_message_items", _QUICK, _status, c_void_p, c_void_p, c_size_t, c_void_p),
    ("rmsg_message_take_fds", _QUICK, _status, c_void_p, c_void_p, c_size_t, c_void_p),
    ("rmsg_message_take_item_fds", _QUICK, _status,
     c_void_p, c_size_t, c_void_p, c_size_t, c_void_p),
    ("rmsg_item_kind", _QUICK, _status, c_void_p),
    # The send side.
    ("rmsg_cmsg_builder_new", _QUICK, _status, c_void_p),
    ("rmsg_cmsg_builder_free", _BLOCKS, None, c_void_p),
    ("rmsg_cmsg_builder_add_fds", _QUICK, _status, c_void_p, c_void_p, c_size_t),
    ("rmsg_cmsg_builder_add_credentials", _QUICK, _status,
     c_void_p, c_int32, c_uint32, c_uint32),
    ("rmsg_cmsg_builder_add_ip_pktinfo", _QUICK, _status,
     c_void_p, c_uint32, c_void_p, c_size_t),
    ("rmsg_cmsg_builder_add_ipv6_pktinfo", _QUICK, _status,
     c_void_p, c_uint32, c_void_p, c_size_t),
    ("rmsg_cmsg_builder_add_ip_tos", _QUICK, _status, c_void_p, c_int),
    ("rmsg_cmsg_builder_add_ip_ttl", _QUICK, _status, c_void_p, c_int),
    ("rmsg_cmsg_builder_add_ipv6_tclass", _QUICK, _status, c_void_p, c_int),
    ("rmsg_cmsg_builder_add_ipv6_hoplimit", _QUICK, _status, c_void_p, c_int),
    ("rmsg_cmsg_builder_add_udp_segment", _QUICK, _status, c_void_p, c_uint16),
    ("rmsg_cmsg_builder_add_txtime", _QUICK, _status, c_void_p, c_uint64),
    ("rmsg_cmsg_builder_add_raw", _QUICK, _status,
     c_void_p, c_int, c_int, c_void_p, c_size_t),
    ("rmsg_cmsg_builder_add_timestamping", _QUICK, _status, c_void_p, c_uint32),
    ("rmsg_cmsg_builder_add_ts_opt_id", _QUICK, _status, c_void_p, c_uint32),
    ("rmsg_cmsg_builder_add_priority", _QUICK, _status, c_void_p, c_uint32),
    ("rmsg_cmsg_builder_add_mark", _QUICK, _status, c_void_p, c_uint32),
    ("rmsg_cmsg_builder_add_ipv6_dontfrag", _QUICK, _status, c_void_p, c_int),
    ("rmsg_cmsg_builder_add_tls_record_type", _QUICK, _status, c_void_p, c_uint8),
    ("rmsg_cmsg_builder_add_alg_op", _QUICK, _status, c_void_p, c_uint32),
    ("rmsg_cmsg_builder_add_alg_iv", _QUICK, _status, c_void_p, c_void_p, c_size_t),
    ("rmsg_cmsg_builder_add_alg_aead_assoclen", _QUICK, _status, c_void_p, c_uint32),
    ("rmsg_sendmsg", _BLOCKS, _status,
     c_int, c_void_p, c_size_t, c_void_p, c_void_p, c_int, c_void_p, c_void_p),
    ("rmsg_address_from_inet", _QUICK, _status, c_void_p, c_void_p),
    ("rmsg_address_from_inet6", _QUICK, _status, c_void_p, c_void_p),
    ("rmsg_address_from_unix_path", _QUICK, _status, c_void_p, c_size_t, c_void_p),
    ("rmsg_address_from_unix_abstract", _QUICK, _status, c_void_p, c_size_t, c_void_p),
    ("rmsg_address_from_packet", _QUICK, _status, c_void_p, c_void_p),
    ("rmsg_address_from_netlink", _QUICK, _status, c_void_p, c_void_p),
    ("rmsg_address_from_vsock", _QUICK, _status, c_void_p, c_void_p),
    ("rmsg_address_free", _BLOCKS, None, c_void_p),
    # The error queue by meaning (Message.errqueue).
    ("rmsg_message_from_recvmsg", _QUICK, _status, c_void_p, c_uint32, c_void_p),
    ("rmsg_message_errqueue", _QUICK, _status, c_void_p, c_size_t, c_void_p),
    ("rmsg_errqueue_kind_name", _QUICK, _char_p, c_uint32),
    ("rmsg_icmp_reason_name", _QUICK, _char_p, c_uint32),
    ("rmsg_tstamp_type_name", _QUICK, _char_p, c_uint32),
    ("rmsg_txtime_error_name", _QUICK, _char_p, c_uint32),
) + tuple(
    # The typed decoders: each takes an item and an output pointer;
    # rmsg_item_kind says which one an item takes.
    ("rmsg_item_" + kind, _QUICK, _status, c_void_p, c_void_p)
    for kind in (
        "credentials", "pidfd", "timestamp", "timestamping", "rxq_ovfl", "mark",
        "ip_pktinfo", "ip_ttl", "ip_tos", "recverr", "ip_origdstaddr", "fragsize",
        "ipv6_pktinfo", "ipv6_hoplimit", "ipv6_tclass", "ipv6_origdstaddr",
        "ipv6_pathmtu", "udp_gro", "tls_record_type",
        "inq", "packet_auxdata", "netlink_pktinfo", "netlink_nsid",
    )
)


def _declare(handle, c_name, restype, *argtypes):
    f = handle[c_name]
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


for _entry in _FUNCTIONS:
    globals()[_entry[0][len("rmsg_"):]] = _declare(_entry[1], _entry[0], *_entry[2:])
del _entry

# For a message known to own no descriptors: then freeing cannot block.
message_free_no_fds = _declare(_QUICK, "rmsg_message_free", None, c_void_p)


# --- the compiled fast path ---------------------------------------------------------


def _load_extension():
    choice = os.environ.get("RMSG_IMPL", "")
    if choice not in ("", "compiled", "ctypes"):
        raise ValueError("RMSG_IMPL must be 'compiled' or 'ctypes', not %r" % choice)
    if choice == "ctypes":
        return None
    try:
        return importlib.import_module(__package__ + "._rmsg")
    except ImportError:
        if choice == "compiled":
            raise
        return None


def addresses(names):
    """The address of each named function in the library loaded here."""
    return {name: ctypes.cast(lib[name], c_void_p).value for name in names}


# The module, unbound until rmsg._dropin binds it (it supplies the Python
# helpers the module calls back), or None; and "compiled" or "ctypes".
extension = _load_extension()
implementation = "compiled" if extension is not None else "ctypes"
