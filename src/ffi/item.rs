//! The item handle: generic getters, its kind, and the typed decoders, for
//! items of messages and of parsed control buffers alike.

use std::ffi::{c_char, c_int};

use super::{get, read_into};
use crate::addr::{rmsg_inet_address, rmsg_inet6_address};
use crate::decode::{
    self, Raw, rmsg_credentials, rmsg_extended_error, rmsg_ip_pktinfo, rmsg_ipv6_mtuinfo,
    rmsg_ipv6_pktinfo, rmsg_kind, rmsg_packet_auxdata, rmsg_timestamp, rmsg_timestamping,
    rmsg_traffic_class, rmsg_ts_pktinfo,
};
use crate::items::rmsg_item;
use crate::kinds;
use crate::panic::guard_or;
use crate::status::{Result, rmsg_status};

/// The body of the fixed-size decoders.
///
/// # Safety
/// `item` is NULL or a live item; `out` is NULL or writable for one `T`.
unsafe fn decode_to<T>(
    item: *const rmsg_item,
    out: *mut T,
    f: impl FnOnce(Raw<'_>) -> Result<T>,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { read_into(item, out, |i| f(i.raw())) }
}

/// The body of the accessors that hand out the payload of an item of
/// `kind` as it is, borrowed from the item.
///
/// # Safety
/// `item` is NULL or a live item; `bytes_out` and `len_out` are NULL or
/// writable.
unsafe fn payload_of(
    item: *const rmsg_item,
    kind: rmsg_kind,
    bytes_out: *mut *const u8,
    len_out: *mut usize,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { read_into(item, (bytes_out, len_out), |i| i.raw().expect(kind)) }
}

/// The item's `cmsg_level` (`SOL_SOCKET`, `IPPROTO_IP` ...). -1 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_level(item: *const rmsg_item) -> c_int {
    // SAFETY: item is NULL or a live item.
    unsafe { get(item, -1, rmsg_item::level) }
}

/// The item's `cmsg_type` (`SCM_RIGHTS`, `IP_TTL` ...). -1 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_type(item: *const rmsg_item) -> c_int {
    // SAFETY: item is NULL or a live item.
    unsafe { get(item, -1, rmsg_item::cmsg_type) }
}

/// Which typed accessor decodes the item, from its level and type: one
/// `RMSG_KIND_*` value per accessor (`RMSG_KIND_IP_TTL` for
/// `rmsg_item_ip_ttl` ...), `RMSG_KIND_RAW` for kinds rmsg has no decoder
/// for (read them with `rmsg_item_data`) and for NULL. The kind says which
/// accessor to call; that accessor may still answer `RMSG_ERR_SHORT_ITEM`
/// for an item too short to decode. Bindings and C callers switch on it once
/// instead of trying accessors in turn. The kind is found once, when the
/// message is received or parsed, so this only reads it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_kind(item: *const rmsg_item) -> rmsg_kind {
    // SAFETY: item is NULL or a live item.
    unsafe { get(item, rmsg_kind::RMSG_KIND_RAW, rmsg_item::kind) }
}

/// The item's data bytes (`rmsg_item_data_len` of them), exactly as the
/// kernel wrote them, clamped to the control buffer. The pointer borrows from
/// the item's message and is valid until it is freed. It is not aligned for
/// any type: copy with `memcpy` before reading as anything but bytes.
/// NULL for a NULL item.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_data(item: *const rmsg_item) -> *const u8 {
    // SAFETY: item is NULL or a live item.
    unsafe { get(item, std::ptr::null(), rmsg_item::data_ptr) }
}

/// Number of data bytes of the item. 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_data_len(item: *const rmsg_item) -> usize {
    // SAFETY: item is NULL or a live item.
    unsafe { get(item, 0, rmsg_item::data_len) }
}

/// True when the item's header claimed more data than the control buffer
/// holds: its data is the part inside the buffer (Python warns with
/// `RuntimeWarning` here). Linux itself shortens `cmsg_len` when it
/// truncates an item, so for kernel-filled buffers a cut item shows as
/// shorter data with `MSG_CTRUNC` in the message flags. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_truncated(item: *const rmsg_item) -> bool {
    // SAFETY: item is NULL or a live item.
    unsafe { get(item, false, rmsg_item::truncated) }
}

/// Number of file descriptors in an `SCM_RIGHTS` or `SCM_PIDFD` item (whole
/// ints of its data; a trailing partial int is ignored). 0 for other items
/// and for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_fd_count(item: *const rmsg_item) -> usize {
    // SAFETY: item is NULL or a live item.
    unsafe { get(item, 0, rmsg_item::fd_count) }
}

/// Descriptor `n` of an `SCM_RIGHTS` or `SCM_PIDFD` item, as the kernel
/// installed it, or -1 when `n` is out of range, the item carries no
/// descriptors, or `item` is NULL. This only looks: it reads the number from
/// the item's data, so it gives the same number before and after the
/// descriptor is taken. Until taken, the message owns it and closes it when
/// freed; once taken (`rmsg_message_take_fds`, `rmsg_message_take_item_fds`)
/// it is the caller's, and the numbers written by the take are the ones to
/// use.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_fd(item: *const rmsg_item, n: usize) -> c_int {
    // SAFETY: item is NULL or a live item.
    unsafe {
        get(item, -1, |i| {
            // The numbers the item's descriptor slots hold (a negative
            // SCM_PIDFD value is none).
            i.carried_fds().nth(n).unwrap_or(-1)
        })
    }
}

/// The symbolic name of a `(cmsg_level, cmsg_type)` pair, for printing:
/// `"SOL_SOCKET/SCM_RIGHTS"`, `"IPPROTO_IP/IP_TTL"`,
/// `"IPPROTO_IPV6/IPV6_PKTINFO"`, `"SOL_UDP/UDP_GRO"`. An unknown type at a
/// known level gives `"<LEVEL>/unknown"` (`"IPPROTO_IP/unknown"`); an
/// unknown level `"unknown/unknown"`. The string is static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn rmsg_kind_name(cmsg_level: c_int, cmsg_type: c_int) -> *const c_char {
    guard_or(c"unknown/unknown".as_ptr(), || {
        kinds::name(cmsg_level, cmsg_type).as_ptr()
    })
}

/// `rmsg_kind_name` of an item's level and type; `"unknown/unknown"` for
/// NULL. The string is static.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_name(item: *const rmsg_item) -> *const c_char {
    // SAFETY: item is NULL or a live item.
    unsafe {
        get(item, c"unknown/unknown".as_ptr(), |i| {
            kinds::name(i.level(), i.cmsg_type()).as_ptr()
        })
    }
}

/// Decodes an `SCM_CREDENTIALS` item (`SOL_SOCKET`, sent with
/// `SO_PASSCRED`) into `*value_out`: the sender's pid, uid and gid.
///
/// Like every `rmsg_item_*` decoder: `item` is an item from
/// `rmsg_message_item` or `rmsg_control_item`; on `RMSG_OK` `*value_out` is
/// written; `RMSG_ERR_WRONG_KIND` when the item is of another kind,
/// `RMSG_ERR_SHORT_ITEM` when its data is too short for the structure,
/// `RMSG_ERR_NULL_ARGUMENT` for NULL pointers. Nothing is written on error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_credentials(
    item: *const rmsg_item,
    value_out: *mut rmsg_credentials,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, value_out, decode::credentials) }
}

/// Decodes an `SCM_PIDFD` item (`SOL_SOCKET`, sent with `SO_PASSPIDFD`):
/// `*fd_out` is the pidfd of the sending process. The descriptor stays owned
/// by the message (or by a parsed buffer made with `RMSG_PARSE_OWN_FDS`) and
/// is closed when that is freed; to keep it, take it with
/// `rmsg_message_take_item_fds` (or `rmsg_control_take_item_fds`).
///
/// A negative `*fd_out` (with `RMSG_OK`) is no descriptor: it is the error
/// the kernel put in the item instead, negated, when it could not make a
/// pidfd for this receive (`-EMFILE`: the receiver had no descriptor to
/// spare; `-ESRCH`: the sender had gone, on kernels that cannot make a
/// pidfd of a reaped process). Such an item carries no descriptor: its
/// `rmsg_item_fd_count` is 0, `rmsg_item_fd` gives -1, the take functions
/// move nothing, and rmsg never closes the value. Check `*fd_out >= 0`
/// before using it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_pidfd(
    item: *const rmsg_item,
    fd_out: *mut c_int,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, fd_out, decode::pidfd) }
}

/// Decodes a receive timestamp: `SO_TIMESTAMP` (`struct timeval`),
/// `SO_TIMESTAMP_NEW` (`struct __kernel_sock_timeval`), `SO_TIMESTAMPNS`
/// (`struct timespec`) or `SO_TIMESTAMPNS_NEW` (`struct
/// __kernel_timespec`), all at level `SOL_SOCKET`, by data length (32- or
/// 64-bit fields). Microseconds are converted to nanoseconds.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_timestamp(
    item: *const rmsg_item,
    value_out: *mut rmsg_timestamp,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, value_out, decode::timestamp) }
}

/// Decodes `SO_TIMESTAMPING` or `SO_TIMESTAMPING_NEW` (`SOL_SOCKET`,
/// `struct scm_timestamping[64]`): the software, legacy and hardware stamps.
/// Received on the normal queue for receive stamps and on the error queue
/// (`MSG_ERRQUEUE`, beside an `IP_RECVERR`/`IPV6_RECVERR` item) for
/// transmit stamps.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_timestamping(
    item: *const rmsg_item,
    value_out: *mut rmsg_timestamping,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, value_out, decode::timestamping) }
}

/// Decodes `SO_RXQ_OVFL` (`SOL_SOCKET`, a `uint32_t`): the number of
/// packets the socket dropped (receive buffer full) since it was created.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_rxq_ovfl(
    item: *const rmsg_item,
    value_out: *mut u32,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, value_out, decode::rxq_ovfl) }
}

/// Decodes the mark item sent when the `SO_RCVMARK` option is set
/// (`SOL_SOCKET`, a `uint32_t`): the packet's mark (`SO_MARK` of the sender,
/// or set by netfilter). Linux sends this item with type `SO_MARK` (36), not
/// `SO_RCVMARK`; both types are accepted.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_mark(
    item: *const rmsg_item,
    value_out: *mut u32,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, value_out, decode::mark) }
}

/// Decodes `SCM_TIMESTAMPING_PKTINFO` (`SOL_SOCKET`, `struct
/// scm_ts_pktinfo`, asked for with `SOF_TIMESTAMPING_OPT_PKTINFO`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_ts_pktinfo(
    item: *const rmsg_item,
    value_out: *mut rmsg_ts_pktinfo,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, value_out, decode::ts_pktinfo) }
}

/// Decodes `IP_PKTINFO` (`IPPROTO_IP`, `struct in_pktinfo`, sent with the
/// `IP_PKTINFO` option): interface index, local (`spec_dst`) and
/// destination (`addr`) addresses.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_ip_pktinfo(
    item: *const rmsg_item,
    value_out: *mut rmsg_ip_pktinfo,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, value_out, decode::ip_pktinfo) }
}

/// Decodes `IP_TTL` (`IPPROTO_IP`, an `int` on Linux, a byte accepted too;
/// sent with `IP_RECVTTL`): the packet's time to live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_ip_ttl(
    item: *const rmsg_item,
    value_out: *mut i32,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, value_out, decode::ip_ttl) }
}

/// Decodes `IP_TOS` (`IPPROTO_IP`, one byte on Linux, an `int` accepted
/// too; sent with `IP_RECVTOS`): the TOS byte, its DSCP and ECN bits.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_ip_tos(
    item: *const rmsg_item,
    value_out: *mut rmsg_traffic_class,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, value_out, decode::ip_tos) }
}

/// Decodes an extended error: `IP_RECVERR` (`IPPROTO_IP`) or
/// `IPV6_RECVERR` (`IPPROTO_IPV6`), `struct sock_extended_err` followed by
/// the offender's `sockaddr`. Read from the error queue (`MSG_ERRQUEUE`)
/// with the `IP_RECVERR`/`IPV6_RECVERR` option set, or with transmit
/// timestamps.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_recverr(
    item: *const rmsg_item,
    value_out: *mut rmsg_extended_error,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, value_out, decode::extended_error) }
}

/// Decodes `IP_ORIGDSTADDR` (`IPPROTO_IP`, a `struct sockaddr_in`, sent
/// with `IP_RECVORIGDSTADDR`): the original destination address and port.
/// `RMSG_ERR_WRONG_FAMILY` when the address is not `AF_INET`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_ip_origdstaddr(
    item: *const rmsg_item,
    value_out: *mut rmsg_inet_address,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, value_out, decode::ip_origdstaddr) }
}

/// Decodes `IP_RECVFRAGSIZE` (`IPPROTO_IP`) or `IPV6_RECVFRAGSIZE`
/// (`IPPROTO_IPV6`), an `int`: the size of the largest fragment of a
/// reassembled datagram.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_fragsize(
    item: *const rmsg_item,
    value_out: *mut u32,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, value_out, decode::fragsize) }
}

/// Decodes `IPV6_PKTINFO` (`IPPROTO_IPV6`, `struct in6_pktinfo`, sent with
/// `IPV6_RECVPKTINFO`): interface index and destination address.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_ipv6_pktinfo(
    item: *const rmsg_item,
    value_out: *mut rmsg_ipv6_pktinfo,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, value_out, decode::ipv6_pktinfo) }
}

/// Decodes `IPV6_HOPLIMIT` (`IPPROTO_IPV6`, an `int`; sent with
/// `IPV6_RECVHOPLIMIT`): the packet's hop limit.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_ipv6_hoplimit(
    item: *const rmsg_item,
    value_out: *mut i32,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, value_out, decode::ipv6_hoplimit) }
}

/// Decodes `IPV6_TCLASS` (`IPPROTO_IPV6`, an `int`, a byte accepted too;
/// sent with `IPV6_RECVTCLASS`): the traffic class, its DSCP and ECN bits.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_ipv6_tclass(
    item: *const rmsg_item,
    value_out: *mut rmsg_traffic_class,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, value_out, decode::ipv6_tclass) }
}

/// Decodes `IPV6_ORIGDSTADDR` (`IPPROTO_IPV6`, a `struct sockaddr_in6`,
/// sent with `IPV6_RECVORIGDSTADDR`). `RMSG_ERR_WRONG_FAMILY` when the
/// address is not `AF_INET6`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_ipv6_origdstaddr(
    item: *const rmsg_item,
    value_out: *mut rmsg_inet6_address,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, value_out, decode::ipv6_origdstaddr) }
}

/// Decodes `IPV6_PATHMTU` (`IPPROTO_IPV6`, `struct ip6_mtuinfo`, sent with
/// `IPV6_RECVPATHMTU`): the destination and its new path MTU.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_ipv6_pathmtu(
    item: *const rmsg_item,
    value_out: *mut rmsg_ipv6_mtuinfo,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, value_out, decode::ipv6_pathmtu) }
}

/// Decodes `UDP_GRO` (`SOL_UDP`, an `int` on receive; sent with the
/// `UDP_GRO` option): the segment size of a coalesced datagram (each
/// segment but the last has this many bytes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_udp_gro(
    item: *const rmsg_item,
    value_out: *mut u32,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, value_out, decode::udp_gro) }
}

/// Decodes `TLS_GET_RECORD_TYPE` (`SOL_TLS`, one byte, on a kernel TLS
/// socket): the TLS record type (23 application data, 21 alert, 22
/// handshake ...).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_tls_record_type(
    item: *const rmsg_item,
    value_out: *mut u8,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, value_out, decode::tls_record_type) }
}

/// Decodes an `SCM_SECURITY` item (`SOL_SOCKET`, `RMSG_SCM_SECURITY`, sent
/// with `SO_PASSSEC` when a security module is active): `*label_out` points
/// at the label bytes exactly as the kernel sent them (SELinux includes the
/// terminating NUL in the length) and `*len_out` is their count. The bytes
/// borrow from the item's message or parsed buffer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_security(
    item: *const rmsg_item,
    label_out: *mut *const u8,
    len_out: *mut usize,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { payload_of(item, rmsg_kind::RMSG_KIND_SECURITY, label_out, len_out) }
}

/// Gives the raw netlink attributes of `SCM_TIMESTAMPING_OPT_STATS`
/// (`SOL_SOCKET`, TCP statistics sent with transmit stamps when
/// `SOF_TIMESTAMPING_OPT_STATS` is set): `*attrs_out` borrows from the item,
/// `*len_out` is their length in bytes. Parse them as `struct nlattr`
/// (`TCP_NLA_*` types).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_ts_opt_stats(
    item: *const rmsg_item,
    attrs_out: *mut *const u8,
    len_out: *mut usize,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { payload_of(item, rmsg_kind::RMSG_KIND_TS_OPT_STATS, attrs_out, len_out) }
}

/// Gives the raw IP options of an `IP_RETOPTS` item (`IPPROTO_IP`, sent
/// with `IP_RECVRETOPTS`: options reversed for a reply) or an `IP_OPTIONS`
/// item (sent with `IP_RECVOPTS`). `*options_out` borrows from the item.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_ip_options(
    item: *const rmsg_item,
    options_out: *mut *const u8,
    len_out: *mut usize,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { payload_of(item, rmsg_kind::RMSG_KIND_IP_OPTIONS, options_out, len_out) }
}

/// Decodes the bytes left to read, an `int`: `SCM_INQ` (`SOL_SOCKET`, on
/// an `AF_UNIX` stream or seqpacket socket with `SO_INQ` set, Linux 6.18)
/// or `TCP_CM_INQ` (`SOL_TCP`, on a TCP socket with `TCP_INQ` set). The
/// kernel measures it after this receive took its bytes: 0 when the
/// receive emptied the queue.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_inq(item: *const rmsg_item, value_out: *mut u32) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, value_out, decode::inq) }
}

/// Decodes `PACKET_AUXDATA` (`SOL_PACKET`, `struct tpacket_auxdata`, on an
/// `AF_PACKET` socket with the `PACKET_AUXDATA` option set): the frame's
/// status bits, wire and captured lengths, header offsets, and the VLAN
/// tag the device took off (see `rmsg_packet_auxdata` for the
/// `TP_STATUS_*` bits that say which fields hold something).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_packet_auxdata(
    item: *const rmsg_item,
    value_out: *mut rmsg_packet_auxdata,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, value_out, decode::packet_auxdata) }
}

/// Decodes `NETLINK_PKTINFO` (`SOL_NETLINK`, `struct nl_pktinfo`, on a
/// netlink socket with the `NETLINK_PKTINFO` option set): `*group_out` is
/// the multicast group the message was sent to (`RTNLGRP_LINK` ...), 0 for
/// a unicast message.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_netlink_pktinfo(
    item: *const rmsg_item,
    group_out: *mut u32,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, group_out, decode::netlink_pktinfo) }
}

/// Decodes `NETLINK_LISTEN_ALL_NSID` (`SOL_NETLINK`, an `int`, on a netlink
/// socket with the `NETLINK_LISTEN_ALL_NSID` option set): `*nsid_out` is
/// the id, in the receiver's network namespace, of the namespace the
/// message came from. The kernel sends the item only for messages from
/// namespaces that have an id there (`ip netns set`, `RTM_NEWNSID`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_netlink_nsid(
    item: *const rmsg_item,
    nsid_out: *mut i32,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_to(item, nsid_out, decode::netlink_nsid) }
}
