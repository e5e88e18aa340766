//! The registry of control-message kinds: one row per `(cmsg_level,
//! cmsg_type)` pair rmsg knows, saying its printable name, which typed
//! accessor decodes it (`rmsg_kind`), how much room it takes in a control
//! buffer and which socket option makes the kernel send it. Everything that
//! depends on a kind is derived from [`ROWS`]: the kind of an item (found
//! once, when the control bytes are walked), `rmsg_kind_name`,
//! `rmsg_control_space` and `rmsg_control_space_for_socket`, and what
//! `rmsg_kind_info_get` hands to bindings and tools. A new kind is one row
//! here, one decoder in `decode` and one shim in `ffi::item`.

use std::ffi::{CStr, c_char, c_int};
use std::mem::size_of;

#[cfg(target_os = "linux")]
use crate::linux::*;
use crate::sizing::{RMSG_OPT_STATS_SPACE, RMSG_SECURITY_LABEL_SPACE};

/// Which typed accessor decodes an item, from its level and type (see
/// `rmsg_item_kind`). The values are fixed forever; new kinds get new
/// numbers.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum rmsg_kind {
    /// No typed accessor: read the raw bytes (`rmsg_item_data`).
    RMSG_KIND_RAW = 0,
    /// `SCM_RIGHTS`: `rmsg_item_fd_count`, `rmsg_item_fd`, the take functions.
    RMSG_KIND_RIGHTS = 1,
    /// `SCM_CREDENTIALS`: `rmsg_item_credentials`.
    RMSG_KIND_CREDENTIALS = 2,
    /// `SCM_PIDFD`: `rmsg_item_pidfd`.
    RMSG_KIND_PIDFD = 3,
    /// `SCM_SECURITY`: `rmsg_item_security`.
    RMSG_KIND_SECURITY = 4,
    /// `SO_TIMESTAMP`, `SO_TIMESTAMPNS` and their `_NEW` forms:
    /// `rmsg_item_timestamp`.
    RMSG_KIND_TIMESTAMP = 5,
    /// `SO_TIMESTAMPING`, `SO_TIMESTAMPING_NEW`: `rmsg_item_timestamping`.
    RMSG_KIND_TIMESTAMPING = 6,
    /// `SO_RXQ_OVFL`: `rmsg_item_rxq_ovfl`.
    RMSG_KIND_RXQ_OVFL = 7,
    /// `SO_MARK` (sent for `SO_RCVMARK`), `SO_RCVMARK`: `rmsg_item_mark`.
    RMSG_KIND_MARK = 8,
    /// `SCM_TIMESTAMPING_PKTINFO`: `rmsg_item_ts_pktinfo`.
    RMSG_KIND_TS_PKTINFO = 9,
    /// `SCM_TIMESTAMPING_OPT_STATS`: `rmsg_item_ts_opt_stats`.
    RMSG_KIND_TS_OPT_STATS = 10,
    /// `IP_PKTINFO`: `rmsg_item_ip_pktinfo`.
    RMSG_KIND_IP_PKTINFO = 11,
    /// `IP_TTL`: `rmsg_item_ip_ttl`.
    RMSG_KIND_IP_TTL = 12,
    /// `IP_TOS`: `rmsg_item_ip_tos`.
    RMSG_KIND_IP_TOS = 13,
    /// `IP_RECVERR`, `IPV6_RECVERR`: `rmsg_item_recverr`.
    RMSG_KIND_RECVERR = 14,
    /// `IP_ORIGDSTADDR`: `rmsg_item_ip_origdstaddr`.
    RMSG_KIND_IP_ORIGDSTADDR = 15,
    /// `IP_RECVFRAGSIZE`, `IPV6_RECVFRAGSIZE`: `rmsg_item_fragsize`.
    RMSG_KIND_FRAGSIZE = 16,
    /// `IP_RETOPTS`, `IP_OPTIONS`: `rmsg_item_ip_options`.
    RMSG_KIND_IP_OPTIONS = 17,
    /// `IPV6_PKTINFO`: `rmsg_item_ipv6_pktinfo`.
    RMSG_KIND_IPV6_PKTINFO = 18,
    /// `IPV6_HOPLIMIT`: `rmsg_item_ipv6_hoplimit`.
    RMSG_KIND_IPV6_HOPLIMIT = 19,
    /// `IPV6_TCLASS`: `rmsg_item_ipv6_tclass`.
    RMSG_KIND_IPV6_TCLASS = 20,
    /// `IPV6_ORIGDSTADDR`: `rmsg_item_ipv6_origdstaddr`.
    RMSG_KIND_IPV6_ORIGDSTADDR = 21,
    /// `IPV6_PATHMTU`: `rmsg_item_ipv6_pathmtu`.
    RMSG_KIND_IPV6_PATHMTU = 22,
    /// `UDP_GRO`: `rmsg_item_udp_gro`.
    RMSG_KIND_UDP_GRO = 23,
    /// `TLS_GET_RECORD_TYPE`: `rmsg_item_tls_record_type`.
    RMSG_KIND_TLS_RECORD_TYPE = 24,
    /// `SCM_INQ` (`SO_INQ`, `AF_UNIX`) and `TCP_CM_INQ` (`TCP_INQ`, TCP):
    /// `rmsg_item_inq`.
    RMSG_KIND_INQ = 25,
    /// `PACKET_AUXDATA` (`AF_PACKET`): `rmsg_item_packet_auxdata`.
    RMSG_KIND_PACKET_AUXDATA = 26,
    /// `NETLINK_PKTINFO` (`AF_NETLINK`): `rmsg_item_netlink_pktinfo`.
    RMSG_KIND_NETLINK_PKTINFO = 27,
    /// `NETLINK_LISTEN_ALL_NSID` (`AF_NETLINK`): `rmsg_item_netlink_nsid`.
    RMSG_KIND_NETLINK_NSID = 28,
}

use rmsg_kind::*;

/// How much room an item of a kind takes, as `rmsg_control_space` sizes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Payload {
    /// At most this many data bytes (for timestamps, the wider of the
    /// `_OLD` and `_NEW` layouts).
    Fixed(usize),
    /// A payload of varying length: this many bytes are reserved.
    Reserve(usize),
    /// File descriptors: sized by the caller's descriptor count.
    Fds,
    /// Not something a receive delivers (a send-side type, or a name
    /// only): not sized.
    Unsized,
}

impl Payload {
    /// The bytes reserved for one item, when the kind is sized this way.
    pub(crate) const fn bytes(self) -> Option<usize> {
        match self {
            Payload::Fixed(n) | Payload::Reserve(n) => Some(n),
            Payload::Fds | Payload::Unsized => None,
        }
    }
}

/// A socket option: `setsockopt(fd, level, name, ...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Opt {
    pub level: c_int,
    pub name: c_int,
    /// Its name: `"IP_RECVTTL"`.
    pub label: &'static CStr,
}

/// What makes the kernel deliver a kind on a receiving socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Enable {
    /// The sender puts it in its message (`SCM_RIGHTS`).
    Sender,
    /// This option, set to a non-zero `int`, on a socket the row's level
    /// applies to (see `space_for_socket`).
    Opt(Opt),
    /// Either of two options: the `_OLD` and `_NEW` forms of a timestamp
    /// option (`getsockopt` reports each only for its own form).
    Either(Opt, Opt),
    /// `SO_TIMESTAMPING` with this flag among its flags (0: any flag).
    Timestamping(u32),
    /// This option, or transmit timestamps, which are read from the error
    /// queue with an extended error.
    ErrorQueue(Opt),
    /// Kernel TLS attached to a TCP socket (`TCP_ULP` "tls").
    TlsUlp,
    /// This option, which some kernels accept on `AF_UNIX` stream and
    /// seqpacket sockets without reporting it back (`getsockopt` gives
    /// `ENOPROTOOPT`: `SO_INQ` on Linux 6.18): where it cannot be read on
    /// such a socket it is taken to be on, since a missing item's room
    /// would cut the control data.
    Unreported(Opt),
    /// Delivered when this option is set, but another row of the same
    /// kind is sized for it (the second type one option can deliver, such
    /// as a `_NEW` layout).
    Alias(Opt),
    /// Never delivered by a receive: a send-side type, or a name only.
    Never,
}

/// One known `(cmsg_level, cmsg_type)` pair.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    pub level: c_int,
    pub cmsg_type: c_int,
    /// `"SOL_SOCKET/SCM_RIGHTS"`.
    pub name: &'static CStr,
    pub kind: rmsg_kind,
    pub payload: Payload,
    pub enable: Enable,
    /// What enables it, for people: the option's name for [`Enable::Opt`]
    /// (`"IP_RECVTTL"`), else a short phrase.
    pub enabled_by: &'static CStr,
}

/// A socket option and its name: `o!(IP, IP_RECVTTL)` for `libc::IP_RECVTTL`,
/// `o!(SOL, RMSG_SO_PASSPIDFD, "SO_PASSPIDFD")` for one `libc` lacks.
macro_rules! o {
    ($level:expr, $name:ident) => {
        o!($level, libc::$name, stringify!($name))
    };
    ($level:expr, $value:expr, $label:expr) => {
        Opt {
            level: $level,
            name: $value,
            label: label(concat!($label, "\0")),
        }
    };
}

/// A NUL-terminated `&str` as a `CStr`, at compile time.
const fn label(s: &'static str) -> &'static CStr {
    match CStr::from_bytes_with_nul(s.as_bytes()) {
        Ok(c) => c,
        Err(_) => panic!("option label is not NUL-terminated"),
    }
}

/// A row enabled by one socket option, whose name is also what
/// `enabled_by` says.
const fn opt_row(
    level: c_int,
    cmsg_type: c_int,
    name: &'static CStr,
    kind: rmsg_kind,
    payload: Payload,
    option: Opt,
) -> Row {
    row(
        level,
        cmsg_type,
        name,
        kind,
        payload,
        Enable::Opt(option),
        option.label,
    )
}

const fn row(
    level: c_int,
    cmsg_type: c_int,
    name: &'static CStr,
    kind: rmsg_kind,
    payload: Payload,
    enable: Enable,
    enabled_by: &'static CStr,
) -> Row {
    Row {
        level,
        cmsg_type,
        name,
        kind,
        payload,
        enable,
        enabled_by,
    }
}

/// `struct timeval`/`timespec` in the wider of the `_OLD` and `_NEW`
/// layouts (two 64-bit fields in `_NEW`).
const TIME_PAIR: usize = 16;
const INT: usize = size_of::<c_int>();
const EXT_ERR: usize = size_of::<libc::sock_extended_err>();

/// `struct tpacket_auxdata`: three `u32`s and four `u16`s.
const PACKET_AUXDATA_LEN: usize = 20;

/// Bytes reserved for `IP_RETOPTS`/`IP_OPTIONS` (the IPv4 maximum).
const IP_OPTIONS_SPACE: usize = 40;

/// Bytes reserved for one IPv6 extension header handed out raw
/// (`IPV6_HOPOPTS`, `IPV6_RTHDR`, `IPV6_DSTOPTS`): room for the common ones
/// (a router alert is 8 bytes, a type 2 routing header 24). Such a header
/// may be up to 2048 bytes; a larger one is cut (`MSG_CTRUNC`) unless the
/// caller sizes for it.
const IPV6_EXT_SPACE: usize = 64;

use Enable::{Alias, Either, ErrorQueue, Never, Sender, Timestamping, TlsUlp, Unreported};
use Payload::{Fds, Fixed, Reserve, Unsized};

const SOL: c_int = libc::SOL_SOCKET;
const IP: c_int = libc::IPPROTO_IP;
const IP6: c_int = libc::IPPROTO_IPV6;
const TCP: c_int = libc::SOL_TCP;

/// Every kind rmsg knows, by level. Rows whose kind is `RMSG_KIND_RAW`
/// give a name only.
#[rustfmt::skip]
pub(crate) const ROWS: &[Row] = &[
    row(SOL, libc::SCM_RIGHTS, c"SOL_SOCKET/SCM_RIGHTS", RMSG_KIND_RIGHTS, Fds, Sender,
        c"the sender"),
    opt_row(SOL, libc::SCM_CREDENTIALS, c"SOL_SOCKET/SCM_CREDENTIALS", RMSG_KIND_CREDENTIALS,
        Fixed(size_of::<libc::ucred>()), o!(SOL, SO_PASSCRED)),
    opt_row(SOL, RMSG_SCM_SECURITY, c"SOL_SOCKET/SCM_SECURITY", RMSG_KIND_SECURITY,
        Reserve(RMSG_SECURITY_LABEL_SPACE), o!(SOL, SO_PASSSEC)),
    opt_row(SOL, RMSG_SCM_PIDFD, c"SOL_SOCKET/SCM_PIDFD", RMSG_KIND_PIDFD,
        Fixed(INT), o!(SOL, RMSG_SO_PASSPIDFD, "SO_PASSPIDFD")),
    row(SOL, libc::SO_TIMESTAMP, c"SOL_SOCKET/SO_TIMESTAMP", RMSG_KIND_TIMESTAMP,
        Fixed(TIME_PAIR), Either(o!(SOL, SO_TIMESTAMP), o!(SOL, SO_TIMESTAMP_NEW)),
        c"SO_TIMESTAMP"),
    row(SOL, libc::SO_TIMESTAMP_NEW, c"SOL_SOCKET/SO_TIMESTAMP_NEW", RMSG_KIND_TIMESTAMP,
        Fixed(TIME_PAIR), Alias(o!(SOL, SO_TIMESTAMP_NEW)), c"SO_TIMESTAMP_NEW"),
    row(SOL, libc::SO_TIMESTAMPNS, c"SOL_SOCKET/SO_TIMESTAMPNS", RMSG_KIND_TIMESTAMP,
        Fixed(TIME_PAIR), Either(o!(SOL, SO_TIMESTAMPNS), o!(SOL, SO_TIMESTAMPNS_NEW)),
        c"SO_TIMESTAMPNS"),
    row(SOL, libc::SO_TIMESTAMPNS_NEW, c"SOL_SOCKET/SO_TIMESTAMPNS_NEW", RMSG_KIND_TIMESTAMP,
        Fixed(TIME_PAIR), Alias(o!(SOL, SO_TIMESTAMPNS_NEW)), c"SO_TIMESTAMPNS_NEW"),
    row(SOL, libc::SO_TIMESTAMPING, c"SOL_SOCKET/SO_TIMESTAMPING", RMSG_KIND_TIMESTAMPING,
        Fixed(3 * TIME_PAIR), Timestamping(0), c"SO_TIMESTAMPING"),
    row(SOL, libc::SO_TIMESTAMPING_NEW, c"SOL_SOCKET/SO_TIMESTAMPING_NEW", RMSG_KIND_TIMESTAMPING,
        Fixed(3 * TIME_PAIR), Alias(o!(SOL, SO_TIMESTAMPING_NEW)), c"SO_TIMESTAMPING_NEW"),
    opt_row(SOL, libc::SO_RXQ_OVFL, c"SOL_SOCKET/SO_RXQ_OVFL", RMSG_KIND_RXQ_OVFL,
        Fixed(INT), o!(SOL, SO_RXQ_OVFL)),
    row(SOL, SO_INQ, c"SOL_SOCKET/SCM_INQ", RMSG_KIND_INQ, Fixed(INT),
        Unreported(o!(SOL, SO_INQ, "SO_INQ")), c"SO_INQ"),
    // SO_RCVMARK makes Linux send the mark with type SO_MARK.
    opt_row(SOL, libc::SO_MARK, c"SOL_SOCKET/SO_MARK", RMSG_KIND_MARK,
        Fixed(INT), o!(SOL, SO_RCVMARK)),
    row(SOL, libc::SO_RCVMARK, c"SOL_SOCKET/SO_RCVMARK", RMSG_KIND_MARK, Fixed(INT),
        Alias(o!(SOL, SO_RCVMARK)), c"SO_RCVMARK"),
    row(SOL, libc::SCM_TIMESTAMPING_PKTINFO, c"SOL_SOCKET/SCM_TIMESTAMPING_PKTINFO",
        RMSG_KIND_TS_PKTINFO, Fixed(4 * size_of::<u32>()),
        Timestamping(libc::SOF_TIMESTAMPING_OPT_PKTINFO), c"SOF_TIMESTAMPING_OPT_PKTINFO"),
    row(SOL, libc::SCM_TIMESTAMPING_OPT_STATS, c"SOL_SOCKET/SCM_TIMESTAMPING_OPT_STATS",
        RMSG_KIND_TS_OPT_STATS, Reserve(RMSG_OPT_STATS_SPACE),
        Timestamping(libc::SOF_TIMESTAMPING_OPT_STATS), c"SOF_TIMESTAMPING_OPT_STATS"),
    opt_row(SOL, libc::SO_WIFI_STATUS, c"SOL_SOCKET/SO_WIFI_STATUS", RMSG_KIND_RAW, Fixed(INT),
        o!(SOL, SO_WIFI_STATUS)),
    row(SOL, SCM_TXTIME, c"SOL_SOCKET/SCM_TXTIME", RMSG_KIND_RAW, Unsized, Never,
        c"(sent, not received)"),
    row(SOL, SCM_TS_OPT_ID, c"SOL_SOCKET/SCM_TS_OPT_ID", RMSG_KIND_RAW, Unsized, Never,
        c"(sent, not received)"),
    row(SOL, libc::SO_PRIORITY, c"SOL_SOCKET/SO_PRIORITY", RMSG_KIND_RAW, Unsized, Never,
        c"(sent, not received)"),

    opt_row(IP, libc::IP_PKTINFO, c"IPPROTO_IP/IP_PKTINFO", RMSG_KIND_IP_PKTINFO,
        Fixed(size_of::<libc::in_pktinfo>()), o!(IP, IP_PKTINFO)),
    opt_row(IP, libc::IP_TTL, c"IPPROTO_IP/IP_TTL", RMSG_KIND_IP_TTL,
        Fixed(INT), o!(IP, IP_RECVTTL)),
    opt_row(IP, libc::IP_TOS, c"IPPROTO_IP/IP_TOS", RMSG_KIND_IP_TOS, Fixed(1), o!(IP, IP_RECVTOS)),
    row(IP, libc::IP_RECVERR, c"IPPROTO_IP/IP_RECVERR", RMSG_KIND_RECVERR,
        Fixed(EXT_ERR + size_of::<libc::sockaddr_in>()), ErrorQueue(o!(IP, IP_RECVERR)),
        c"IP_RECVERR (read with MSG_ERRQUEUE)"),
    opt_row(IP, libc::IP_ORIGDSTADDR, c"IPPROTO_IP/IP_ORIGDSTADDR", RMSG_KIND_IP_ORIGDSTADDR,
        Fixed(size_of::<libc::sockaddr_in>()), o!(IP, IP_RECVORIGDSTADDR)),
    opt_row(IP, libc::IP_RECVFRAGSIZE, c"IPPROTO_IP/IP_RECVFRAGSIZE", RMSG_KIND_FRAGSIZE,
        Fixed(INT), o!(IP, IP_RECVFRAGSIZE)),
    opt_row(IP, libc::IP_RETOPTS, c"IPPROTO_IP/IP_RETOPTS", RMSG_KIND_IP_OPTIONS,
        Reserve(IP_OPTIONS_SPACE), o!(IP, RMSG_IP_RECVRETOPTS, "IP_RECVRETOPTS")),
    opt_row(IP, libc::IP_OPTIONS, c"IPPROTO_IP/IP_OPTIONS", RMSG_KIND_IP_OPTIONS,
        Reserve(IP_OPTIONS_SPACE), o!(IP, IP_RECVOPTS)),
    opt_row(IP, libc::IP_CHECKSUM, c"IPPROTO_IP/IP_CHECKSUM", RMSG_KIND_RAW, Fixed(INT),
        o!(IP, IP_CHECKSUM)),

    opt_row(IP6, libc::IPV6_PKTINFO, c"IPPROTO_IPV6/IPV6_PKTINFO", RMSG_KIND_IPV6_PKTINFO,
        Fixed(size_of::<libc::in6_pktinfo>()), o!(IP6, IPV6_RECVPKTINFO)),
    opt_row(IP6, libc::IPV6_HOPLIMIT, c"IPPROTO_IPV6/IPV6_HOPLIMIT", RMSG_KIND_IPV6_HOPLIMIT,
        Fixed(INT), o!(IP6, IPV6_RECVHOPLIMIT)),
    opt_row(IP6, libc::IPV6_TCLASS, c"IPPROTO_IPV6/IPV6_TCLASS", RMSG_KIND_IPV6_TCLASS,
        Fixed(INT), o!(IP6, IPV6_RECVTCLASS)),
    row(IP6, libc::IPV6_RECVERR, c"IPPROTO_IPV6/IPV6_RECVERR", RMSG_KIND_RECVERR,
        Fixed(EXT_ERR + size_of::<libc::sockaddr_in6>()), ErrorQueue(o!(IP6, IPV6_RECVERR)),
        c"IPV6_RECVERR (read with MSG_ERRQUEUE)"),
    opt_row(IP6, libc::IPV6_ORIGDSTADDR, c"IPPROTO_IPV6/IPV6_ORIGDSTADDR",
        RMSG_KIND_IPV6_ORIGDSTADDR,
        Fixed(size_of::<libc::sockaddr_in6>()), o!(IP6, IPV6_RECVORIGDSTADDR)),
    opt_row(IP6, libc::IPV6_PATHMTU, c"IPPROTO_IPV6/IPV6_PATHMTU", RMSG_KIND_IPV6_PATHMTU,
        Fixed(size_of::<libc::sockaddr_in6>() + size_of::<u32>()), o!(IP6, IPV6_RECVPATHMTU)),
    opt_row(IP6, libc::IPV6_RECVFRAGSIZE, c"IPPROTO_IPV6/IPV6_RECVFRAGSIZE", RMSG_KIND_FRAGSIZE,
        Fixed(INT), o!(IP6, IPV6_RECVFRAGSIZE)),
    opt_row(IP6, libc::IPV6_HOPOPTS, c"IPPROTO_IPV6/IPV6_HOPOPTS", RMSG_KIND_RAW,
        Reserve(IPV6_EXT_SPACE), o!(IP6, IPV6_RECVHOPOPTS)),
    opt_row(IP6, libc::IPV6_RTHDR, c"IPPROTO_IPV6/IPV6_RTHDR", RMSG_KIND_RAW,
        Reserve(IPV6_EXT_SPACE), o!(IP6, IPV6_RECVRTHDR)),
    opt_row(IP6, libc::IPV6_DSTOPTS, c"IPPROTO_IPV6/IPV6_DSTOPTS", RMSG_KIND_RAW,
        Reserve(IPV6_EXT_SPACE), o!(IP6, IPV6_RECVDSTOPTS)),
    // The flow label, 4 bytes in network order.
    opt_row(IP6, libc::IPV6_FLOWINFO, c"IPPROTO_IPV6/IPV6_FLOWINFO", RMSG_KIND_RAW, Fixed(INT),
        o!(IP6, IPV6_FLOWINFO)),
    row(IP6, libc::IPV6_DONTFRAG, c"IPPROTO_IPV6/IPV6_DONTFRAG", RMSG_KIND_RAW, Unsized, Never,
        c"(sent, not received)"),

    opt_row(RMSG_SOL_UDP, RMSG_UDP_GRO, c"SOL_UDP/UDP_GRO", RMSG_KIND_UDP_GRO,
        Fixed(INT), o!(RMSG_SOL_UDP, RMSG_UDP_GRO, "UDP_GRO")),
    row(RMSG_SOL_UDP, RMSG_UDP_SEGMENT, c"SOL_UDP/UDP_SEGMENT", RMSG_KIND_RAW, Unsized, Never,
        c"(sent, not received)"),

    row(RMSG_SOL_TLS, RMSG_TLS_GET_RECORD_TYPE, c"SOL_TLS/TLS_GET_RECORD_TYPE",
        RMSG_KIND_TLS_RECORD_TYPE, Fixed(1), TlsUlp, c"kernel TLS (TCP_ULP \"tls\")"),
    row(RMSG_SOL_TLS, RMSG_TLS_SET_RECORD_TYPE, c"SOL_TLS/TLS_SET_RECORD_TYPE", RMSG_KIND_RAW,
        Unsized, Never, c"(sent, not received)"),

    opt_row(TCP, libc::TCP_CM_INQ, c"SOL_TCP/TCP_CM_INQ", RMSG_KIND_INQ, Fixed(INT),
        o!(TCP, TCP_INQ)),

    opt_row(RMSG_SOL_PACKET, RMSG_PACKET_AUXDATA, c"SOL_PACKET/PACKET_AUXDATA",
        RMSG_KIND_PACKET_AUXDATA, Fixed(PACKET_AUXDATA_LEN),
        o!(RMSG_SOL_PACKET, RMSG_PACKET_AUXDATA, "PACKET_AUXDATA")),

    opt_row(RMSG_SOL_NETLINK, RMSG_NETLINK_PKTINFO, c"SOL_NETLINK/NETLINK_PKTINFO",
        RMSG_KIND_NETLINK_PKTINFO, Fixed(size_of::<u32>()),
        o!(RMSG_SOL_NETLINK, RMSG_NETLINK_PKTINFO, "NETLINK_PKTINFO")),
    opt_row(RMSG_SOL_NETLINK, RMSG_NETLINK_LISTEN_ALL_NSID,
        c"SOL_NETLINK/NETLINK_LISTEN_ALL_NSID", RMSG_KIND_NETLINK_NSID, Fixed(INT),
        o!(RMSG_SOL_NETLINK, RMSG_NETLINK_LISTEN_ALL_NSID, "NETLINK_LISTEN_ALL_NSID")),

    row(libc::SOL_ALG, libc::ALG_SET_IV, c"SOL_ALG/ALG_SET_IV", RMSG_KIND_RAW, Unsized, Never,
        c"(sent, not received)"),
    row(libc::SOL_ALG, libc::ALG_SET_OP, c"SOL_ALG/ALG_SET_OP", RMSG_KIND_RAW, Unsized, Never,
        c"(sent, not received)"),
    row(libc::SOL_ALG, libc::ALG_SET_AEAD_ASSOCLEN, c"SOL_ALG/ALG_SET_AEAD_ASSOCLEN",
        RMSG_KIND_RAW, Unsized, Never, c"(sent, not received)"),
];

/// One row of rmsg's registry of control-message kinds, as
/// `rmsg_kind_info_get` and `rmsg_kind_info_find` give it: what rmsg knows
/// about one `(cmsg_level, cmsg_type)` pair. The strings are static: never
/// free them.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmsg_kind_info {
    /// `cmsg_level` (`SOL_SOCKET`, `IPPROTO_IP` ...).
    pub cmsg_level: c_int,
    /// `cmsg_type` (`SCM_RIGHTS`, `IP_TTL` ...).
    pub cmsg_type: c_int,
    /// The name `rmsg_kind_name` gives: `"IPPROTO_IP/IP_TTL"`.
    pub name: *const c_char,
    /// The typed accessor that decodes it (`RMSG_KIND_RAW` for types
    /// handed out raw, read with `rmsg_item_data`, and for send-side types
    /// rmsg only names).
    pub kind: rmsg_kind,
    /// The data bytes `rmsg_control_space` reserves for one item of it; 0
    /// for `SCM_RIGHTS` (sized by the descriptor count, `sizeof(int)`
    /// each) and for types a receive does not deliver.
    pub payload_size: usize,
    /// The socket option (`setsockopt` level and name) that makes the
    /// kernel deliver it: `IPPROTO_IP`/`IP_RECVTTL` for `IP_TTL`;
    /// `SOL_SOCKET`/`SO_TIMESTAMPING` for the kinds its flags ask for;
    /// `IPPROTO_TCP`/`TCP_ULP` for kernel TLS. -1 and -1 when no option
    /// does (`SCM_RIGHTS`: the sender decides; send-side types).
    pub option_level: c_int,
    /// See `option_level`.
    pub option_name: c_int,
    /// The name of that option: `"IP_RECVTTL"`; `""` when there is none.
    pub option: *const c_char,
    /// What enables it, for people: `"IP_RECVTTL"`, `"the sender"`,
    /// `"kernel TLS (TCP_ULP \"tls\")"`; `""` when nothing does.
    pub enabled_by: *const c_char,
}

impl Row {
    /// The row as C sees it.
    pub(crate) fn info(&self) -> rmsg_kind_info {
        let (option_level, option_name, option) = match self.enable {
            Enable::Opt(o) | Either(o, _) | ErrorQueue(o) | Alias(o) | Unreported(o) => {
                (o.level, o.name, o.label)
            }
            Timestamping(_) => (SOL, libc::SO_TIMESTAMPING, c"SO_TIMESTAMPING"),
            TlsUlp => (libc::IPPROTO_TCP, libc::TCP_ULP, c"TCP_ULP"),
            Sender | Never => (-1, -1, c""),
        };
        rmsg_kind_info {
            cmsg_level: self.level,
            cmsg_type: self.cmsg_type,
            name: self.name.as_ptr(),
            kind: self.kind,
            payload_size: self.payload.bytes().unwrap_or(0),
            option_level,
            option_name,
            option: option.as_ptr(),
            enabled_by: self.enabled_by.as_ptr(),
        }
    }
}

/// The levels the registry knows, with the name an unknown type at that
/// level prints as. Their order is the first index of [`TABLE`].
const LEVELS: [(c_int, &CStr); 9] = [
    (SOL, c"SOL_SOCKET/unknown"),
    (IP, c"IPPROTO_IP/unknown"),
    (IP6, c"IPPROTO_IPV6/unknown"),
    (RMSG_SOL_UDP, c"SOL_UDP/unknown"),
    (RMSG_SOL_TLS, c"SOL_TLS/unknown"),
    (TCP, c"SOL_TCP/unknown"),
    (RMSG_SOL_PACKET, c"SOL_PACKET/unknown"),
    (RMSG_SOL_NETLINK, c"SOL_NETLINK/unknown"),
    (libc::SOL_ALG, c"SOL_ALG/unknown"),
];

/// Types below this are looked up in [`TABLE`]; every known type is.
const TYPES: usize = 128;

/// The index of a level in [`LEVELS`] (the `match` the table is built
/// with; lookups use [`LEVEL_SLOTS`]).
const fn level_index(level: c_int) -> Option<usize> {
    let mut i = 0;
    while i < LEVELS.len() {
        if LEVELS[i].0 == level {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Level slots: `level & 63` picks one, which holds the level that hashes
/// there and its index, so a lookup is a mask, a load and a compare. The
/// known levels hash apart (checked when the crate is built). An empty
/// slot holds a level that hashes elsewhere (its own number plus one), so
/// that no level matches it.
const LEVEL_SLOTS: [(c_int, u8); 64] = build_level_slots();

const fn build_level_slots() -> [(c_int, u8); 64] {
    let mut slots = [(0, 0u8); 64];
    let mut h = 0;
    while h < 64 {
        slots[h] = (h as c_int + 1, u8::MAX);
        h += 1;
    }
    let mut i = 0;
    while i < LEVELS.len() {
        let level = LEVELS[i].0;
        let h = (level & 63) as usize;
        assert!(
            slots[h].1 == u8::MAX,
            "two levels share a slot: change the hash"
        );
        slots[h] = (level, i as u8);
        i += 1;
    }
    slots
}

/// The index of `level` in [`LEVELS`], through [`LEVEL_SLOTS`].
#[inline(always)]
fn level_slot(level: c_int) -> Option<usize> {
    let (l, i) = LEVEL_SLOTS[(level & 63) as usize];
    (l == level).then_some(i as usize)
}

/// One entry of the lookup table: the kind of a `(level, type)` pair and
/// the row (plus one; 0 for none) that describes it.
#[derive(Debug, Clone, Copy)]
struct Entry {
    kind: rmsg_kind,
    row: u8,
}

/// `(level, type)` to kind and row, by level index and type: a lookup is
/// a `match` on the level and one load. Built from [`ROWS`] when the crate
/// is compiled, which also checks that every row's level is in
/// [`LEVELS`], its type is below [`TYPES`] and no pair appears twice.
const TABLE: [[Entry; TYPES]; LEVELS.len()] = build_table();

const fn build_table() -> [[Entry; TYPES]; LEVELS.len()] {
    let none = Entry {
        kind: RMSG_KIND_RAW,
        row: 0,
    };
    let mut t = [[none; TYPES]; LEVELS.len()];
    assert!(
        ROWS.len() < u8::MAX as usize,
        "row numbers are stored in a u8"
    );
    let mut r = 0;
    while r < ROWS.len() {
        let row = &ROWS[r];
        let Some(l) = level_index(row.level) else {
            panic!("a row's level is missing from LEVELS");
        };
        assert!(
            row.cmsg_type >= 0 && (row.cmsg_type as usize) < TYPES,
            "a row's type is past TYPES"
        );
        let ty = row.cmsg_type as usize;
        assert!(t[l][ty].row == 0, "a (level, type) pair has two rows");
        t[l][ty] = Entry {
            kind: row.kind,
            row: (r + 1) as u8,
        };
        r += 1;
    }
    t
}

#[inline(always)]
fn entry(level: c_int, cmsg_type: c_int) -> Option<(usize, Entry)> {
    let l = level_slot(level)?;
    let e = *TABLE[l].get(usize::try_from(cmsg_type).ok()?)?;
    Some((l, e))
}

/// The kind of a `(level, type)` pair (`RMSG_KIND_RAW` for those rmsg has
/// no decoder for).
#[inline(always)]
pub(crate) fn kind_of(level: c_int, cmsg_type: c_int) -> rmsg_kind {
    match entry(level, cmsg_type) {
        Some((_, e)) => e.kind,
        None => RMSG_KIND_RAW,
    }
}

/// The row of a `(level, type)` pair, if rmsg knows it.
pub(crate) fn row_of(level: c_int, cmsg_type: c_int) -> Option<&'static Row> {
    let (_, e) = entry(level, cmsg_type)?;
    ROWS.get(usize::from(e.row).checked_sub(1)?)
}

/// The symbolic name of a (level, type) pair, for printing:
/// `"SOL_SOCKET/SCM_RIGHTS"`, `"IPPROTO_IP/IP_TTL"`. Unknown types at a
/// known level give `"<LEVEL>/unknown"`, unknown levels `"unknown/unknown"`.
pub(crate) fn name(level: c_int, cmsg_type: c_int) -> &'static CStr {
    if let Some(row) = row_of(level, cmsg_type) {
        return row.name;
    }
    match level_slot(level) {
        Some(l) => LEVELS[l].1,
        None => c"unknown/unknown",
    }
}

/// True for the kinds whose data is descriptors the kernel installed in
/// the receiving process.
#[inline(always)]
pub(crate) fn carries_fds(kind: rmsg_kind) -> bool {
    matches!(kind, RMSG_KIND_RIGHTS | RMSG_KIND_PIDFD)
}

/// The largest data length the kernel sends for a pair, as
/// `rmsg_control_space` reserves it. `None` for pairs that are not sized
/// this way: unknown ones, names only, and `SCM_RIGHTS` (sized by the
/// descriptor count).
pub(crate) fn payload_size(level: c_int, cmsg_type: c_int) -> Option<usize> {
    row_of(level, cmsg_type)?.payload.bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_agrees_with_every_row() {
        for row in ROWS {
            assert_eq!(
                kind_of(row.level, row.cmsg_type),
                row.kind,
                "{:?}",
                row.name
            );
            assert_eq!(name(row.level, row.cmsg_type), row.name);
            let found = row_of(row.level, row.cmsg_type).expect("known");
            assert_eq!((found.level, found.cmsg_type), (row.level, row.cmsg_type));
            // The name is "<LEVEL>/<TYPE>" with the level's own prefix.
            let (level, _) = row.name.to_str().unwrap().split_once('/').unwrap();
            let unknown = name(row.level, 127).to_str().unwrap();
            assert_eq!(unknown, format!("{level}/unknown"));
            // A kind with a decoder is sized unless it is descriptors.
            if row.kind != RMSG_KIND_RAW && row.kind != RMSG_KIND_RIGHTS {
                assert!(row.payload.bytes().is_some(), "{:?}", row.name);
            }
            assert_eq!(
                carries_fds(row.kind),
                row.payload == Payload::Fds || row.kind == RMSG_KIND_PIDFD
            );
        }
    }

    #[test]
    fn options_are_named_and_said() {
        for row in ROWS {
            let info = row.info();
            // SAFETY: `info` points at the row's static strings.
            let (option, said) =
                unsafe { (CStr::from_ptr(info.option), CStr::from_ptr(info.enabled_by)) };
            let (option, said) = (option.to_str().unwrap(), said.to_str().unwrap());
            assert_eq!(option.is_empty(), info.option_name == -1, "{:?}", row.name);
            // What enabled_by says names the option (or, for
            // SO_TIMESTAMPING, the flag given to it).
            let flag = option == "SO_TIMESTAMPING" && said.starts_with("SOF_TIMESTAMPING_");
            assert!(said.contains(option) || flag, "{said} / {option}");
            // The label is the option's own name, prefixed as its level's are.
            let prefixes: &[&str] = match info.option_level {
                SOL => &["SO_"],
                IP => &["IP_"],
                IP6 => &["IPV6_"],
                RMSG_SOL_UDP => &["UDP_"],
                libc::IPPROTO_TCP => &["TCP_"],
                RMSG_SOL_PACKET => &["PACKET_"],
                RMSG_SOL_NETLINK => &["NETLINK_"],
                _ => &[""],
            };
            assert!(prefixes.iter().any(|p| option.starts_with(p)), "{option}");
        }
    }

    #[test]
    fn unknown_pairs_are_raw() {
        for (level, ty) in [(-1, 1), (SOL, -1), (SOL, 9999), (IP, 127), (12345, 2)] {
            assert_eq!(kind_of(level, ty), RMSG_KIND_RAW);
            assert!(row_of(level, ty).is_none());
        }
        assert_eq!(name(-5, 1), c"unknown/unknown");
        assert_eq!(name(IP, 9999), c"IPPROTO_IP/unknown");
        // The same type number at another level is another kind.
        assert_eq!(kind_of(IP, libc::SCM_RIGHTS), RMSG_KIND_IP_TOS);
        assert_eq!(kind_of(RMSG_SOL_UDP, RMSG_UDP_SEGMENT), RMSG_KIND_RAW);
    }

    #[test]
    fn every_kind_has_a_row() {
        for k in 1..=RMSG_KIND_NETLINK_NSID as u32 {
            assert!(
                ROWS.iter().any(|r| r.kind as u32 == k),
                "kind {k} has no row"
            );
        }
    }
}
