//! The `extern "C"` functions for typed control-message accessors, the raw
//! parse API and control-buffer sizing. Thin shims over `decode`, `parse`
//! and `sizing`, with the conventions of `capi`: pointers checked, outputs
//! written only on `RMSG_OK`, every body inside the panic boundary.
//!
//! Safety, for every function here: each pointer argument is NULL or valid
//! as its documentation says (a live item or handle from rmsg, or memory
//! readable or writable for the length passed beside it).
#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, c_int};

use crate::capi::{rmsg_inet_address, rmsg_inet6_address};
use crate::decode::{
    self, Raw, rmsg_credentials, rmsg_extended_error, rmsg_ip_pktinfo, rmsg_ipv6_mtuinfo,
    rmsg_ipv6_pktinfo, rmsg_timestamp, rmsg_timestamping, rmsg_traffic_class, rmsg_ts_pktinfo,
};
use crate::panic::{guard, guard_or};
use crate::parse::{self, rmsg_control};
use crate::ptr::{check_out, free_box, try_mut, try_ref, try_slice, try_slice_mut, write_out};
use crate::recv::rmsg_item;
use crate::sizing::{self, rmsg_cmsg_kind};
use crate::status::{Error, Result, rmsg_status};

fn raw(item: &rmsg_item) -> Raw<'_> {
    Raw::new(item.level(), item.kind(), item.data())
}

/// The common body of the fixed-size accessors: borrow the item, decode,
/// write the result only on success.
///
/// # Safety
/// `item` is NULL or a live item; `out` is NULL or writable for one `T`.
unsafe fn decode_into<T>(
    item: *const rmsg_item,
    out: *mut T,
    f: impl FnOnce(Raw<'_>) -> Result<T>,
) -> rmsg_status {
    guard(|| {
        // SAFETY: item is NULL or a live item, per the contract.
        let i = unsafe { try_ref(item) }?;
        check_out(out)?;
        let v = f(raw(i))?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { write_out(out, v) };
        Ok(())
    })
}

/// The common body of the accessors that hand out a byte range borrowed
/// from the item.
///
/// # Safety
/// `item` is NULL or a live item; `bytes_out` and `len_out` are NULL or
/// writable.
unsafe fn decode_bytes(
    item: *const rmsg_item,
    bytes_out: *mut *const u8,
    len_out: *mut usize,
    f: impl for<'a> FnOnce(Raw<'a>) -> Result<&'a [u8]>,
) -> rmsg_status {
    guard(|| {
        // SAFETY: item is NULL or a live item, per the contract.
        let i = unsafe { try_ref(item) }?;
        check_out(bytes_out)?;
        check_out(len_out)?;
        let b = f(raw(i))?;
        // SAFETY: both checked non-NULL; writable per the contract.
        unsafe {
            write_out(bytes_out, b.as_ptr());
            write_out(len_out, b.len());
        }
        Ok(())
    })
}

/// The symbolic name of a `(cmsg_level, cmsg_type)` pair, for printing:
/// `"SOL_SOCKET/SCM_RIGHTS"`, `"IPPROTO_IP/IP_TTL"`,
/// `"IPPROTO_IPV6/IPV6_PKTINFO"`, `"SOL_UDP/UDP_GRO"`. An unknown type at a
/// known level gives `"<LEVEL>/unknown"` (`"IPPROTO_IP/unknown"`); an
/// unknown level `"unknown/unknown"`. The string is static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn rmsg_kind_name(cmsg_level: c_int, cmsg_type: c_int) -> *const c_char {
    guard_or(c"unknown/unknown".as_ptr(), || {
        decode::kind_name(cmsg_level, cmsg_type).as_ptr()
    })
}

/// `rmsg_kind_name` of an item's level and type; `"unknown/unknown"` for
/// NULL. The string is static.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_name(item: *const rmsg_item) -> *const c_char {
    // SAFETY: item is NULL or a live item.
    guard_or(c"unknown/unknown".as_ptr(), || {
        match unsafe { try_ref(item) } {
            Ok(i) => decode::kind_name(i.level(), i.kind()).as_ptr(),
            Err(_) => c"unknown/unknown".as_ptr(),
        }
    })
}

/// Decodes an `SCM_CREDENTIALS` item (`SOL_SOCKET`, sent with
/// `SO_PASSCRED`) into `*out`: the sender's pid, uid and gid.
///
/// Like every `rmsg_item_*` decoder: `item` is an item from
/// `rmsg_message_item` or `rmsg_control_item`; on `RMSG_OK` `*out` is
/// written; `RMSG_ERR_WRONG_KIND` when the item is of another kind,
/// `RMSG_ERR_SHORT_ITEM` when its data is too short for the structure,
/// `RMSG_ERR_NULL_ARGUMENT` for NULL pointers. Nothing is written on error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_credentials(
    item: *const rmsg_item,
    out: *mut rmsg_credentials,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_into(item, out, decode::credentials) }
}

/// Decodes an `SCM_PIDFD` item (`SOL_SOCKET`, sent with `SO_PASSPIDFD`):
/// `*fd_out` is the pidfd of the sending process. The descriptor stays owned
/// by the message (or by a parsed buffer made with `RMSG_PARSE_OWN_FDS`) and
/// is closed when that is freed; to keep it, take it with
/// `rmsg_message_take_item_fds` (or `rmsg_control_take_item_fds`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_pidfd(
    item: *const rmsg_item,
    fd_out: *mut c_int,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_into(item, fd_out, decode::pidfd) }
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
    unsafe { decode_bytes(item, label_out, len_out, decode::security) }
}

/// Decodes a receive timestamp: `SO_TIMESTAMP` (`struct timeval`),
/// `SO_TIMESTAMP_NEW` (`struct __kernel_sock_timeval`), `SO_TIMESTAMPNS`
/// (`struct timespec`) or `SO_TIMESTAMPNS_NEW` (`struct
/// __kernel_timespec`), all at level `SOL_SOCKET`, by data length (32- or
/// 64-bit fields). Microseconds are converted to nanoseconds.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_timestamp(
    item: *const rmsg_item,
    out: *mut rmsg_timestamp,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_into(item, out, decode::timestamp) }
}

/// Decodes `SO_TIMESTAMPING` or `SO_TIMESTAMPING_NEW` (`SOL_SOCKET`,
/// `struct scm_timestamping[64]`): the software, legacy and hardware stamps.
/// Received on the normal queue for receive stamps and on the error queue
/// (`MSG_ERRQUEUE`, beside an `IP_RECVERR`/`IPV6_RECVERR` item) for
/// transmit stamps.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_timestamping(
    item: *const rmsg_item,
    out: *mut rmsg_timestamping,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_into(item, out, decode::timestamping) }
}

/// Decodes `SO_RXQ_OVFL` (`SOL_SOCKET`, a `uint32_t`): the number of
/// packets the socket dropped (receive buffer full) since it was created.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_rxq_ovfl(item: *const rmsg_item, out: *mut u32) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_into(item, out, decode::rxq_ovfl) }
}

/// Decodes the mark item sent when the `SO_RCVMARK` option is set
/// (`SOL_SOCKET`, a `uint32_t`): the packet's mark (`SO_MARK` of the sender,
/// or set by netfilter). Linux sends this item with type `SO_MARK` (36), not
/// `SO_RCVMARK`; both types are accepted.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_mark(item: *const rmsg_item, out: *mut u32) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_into(item, out, decode::mark) }
}

/// Decodes `SCM_TIMESTAMPING_PKTINFO` (`SOL_SOCKET`, `struct
/// scm_ts_pktinfo`, asked for with `SOF_TIMESTAMPING_OPT_PKTINFO`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_ts_pktinfo(
    item: *const rmsg_item,
    out: *mut rmsg_ts_pktinfo,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_into(item, out, decode::ts_pktinfo) }
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
    unsafe { decode_bytes(item, attrs_out, len_out, decode::ts_opt_stats) }
}

/// Decodes `IP_PKTINFO` (`IPPROTO_IP`, `struct in_pktinfo`, sent with the
/// `IP_PKTINFO` option): interface index, local (`spec_dst`) and
/// destination (`addr`) addresses.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_ip_pktinfo(
    item: *const rmsg_item,
    out: *mut rmsg_ip_pktinfo,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_into(item, out, decode::ip_pktinfo) }
}

/// Decodes `IP_TTL` (`IPPROTO_IP`, an `int` on Linux, a byte accepted too;
/// sent with `IP_RECVTTL`): the packet's time to live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_ip_ttl(item: *const rmsg_item, out: *mut i32) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_into(item, out, decode::ip_ttl) }
}

/// Decodes `IP_TOS` (`IPPROTO_IP`, one byte on Linux, an `int` accepted
/// too; sent with `IP_RECVTOS`): the TOS byte, its DSCP and ECN bits.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_ip_tos(
    item: *const rmsg_item,
    out: *mut rmsg_traffic_class,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_into(item, out, decode::ip_tos) }
}

/// Decodes an extended error: `IP_RECVERR` (`IPPROTO_IP`) or
/// `IPV6_RECVERR` (`IPPROTO_IPV6`), `struct sock_extended_err` followed by
/// the offender's `sockaddr`. Read from the error queue (`MSG_ERRQUEUE`)
/// with the `IP_RECVERR`/`IPV6_RECVERR` option set, or with transmit
/// timestamps.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_recverr(
    item: *const rmsg_item,
    out: *mut rmsg_extended_error,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_into(item, out, decode::extended_error) }
}

/// Decodes `IP_ORIGDSTADDR` (`IPPROTO_IP`, a `struct sockaddr_in`, sent
/// with `IP_RECVORIGDSTADDR`): the original destination address and port.
/// `RMSG_ERR_WRONG_FAMILY` when the address is not `AF_INET`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_ip_origdstaddr(
    item: *const rmsg_item,
    out: *mut rmsg_inet_address,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_into(item, out, decode::ip_origdstaddr) }
}

/// Decodes `IP_RECVFRAGSIZE` (`IPPROTO_IP`) or `IPV6_RECVFRAGSIZE`
/// (`IPPROTO_IPV6`), an `int`: the size of the largest fragment of a
/// reassembled datagram.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_fragsize(item: *const rmsg_item, out: *mut u32) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_into(item, out, decode::fragsize) }
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
    unsafe { decode_bytes(item, options_out, len_out, decode::ip_options) }
}

/// Decodes `IPV6_PKTINFO` (`IPPROTO_IPV6`, `struct in6_pktinfo`, sent with
/// `IPV6_RECVPKTINFO`): interface index and destination address.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_ipv6_pktinfo(
    item: *const rmsg_item,
    out: *mut rmsg_ipv6_pktinfo,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_into(item, out, decode::ipv6_pktinfo) }
}

/// Decodes `IPV6_HOPLIMIT` (`IPPROTO_IPV6`, an `int`; sent with
/// `IPV6_RECVHOPLIMIT`): the packet's hop limit.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_ipv6_hoplimit(
    item: *const rmsg_item,
    out: *mut i32,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_into(item, out, decode::ipv6_hoplimit) }
}

/// Decodes `IPV6_TCLASS` (`IPPROTO_IPV6`, an `int`, a byte accepted too;
/// sent with `IPV6_RECVTCLASS`): the traffic class, its DSCP and ECN bits.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_ipv6_tclass(
    item: *const rmsg_item,
    out: *mut rmsg_traffic_class,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_into(item, out, decode::ipv6_tclass) }
}

/// Decodes `IPV6_ORIGDSTADDR` (`IPPROTO_IPV6`, a `struct sockaddr_in6`,
/// sent with `IPV6_RECVORIGDSTADDR`). `RMSG_ERR_WRONG_FAMILY` when the
/// address is not `AF_INET6`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_ipv6_origdstaddr(
    item: *const rmsg_item,
    out: *mut rmsg_inet6_address,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_into(item, out, decode::ipv6_origdstaddr) }
}

/// Decodes `IPV6_PATHMTU` (`IPPROTO_IPV6`, `struct ip6_mtuinfo`, sent with
/// `IPV6_RECVPATHMTU`): the destination and its new path MTU.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_ipv6_pathmtu(
    item: *const rmsg_item,
    out: *mut rmsg_ipv6_mtuinfo,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_into(item, out, decode::ipv6_pathmtu) }
}

/// Decodes `UDP_GRO` (`SOL_UDP`, an `int` on receive; sent with the
/// `UDP_GRO` option): the segment size of a coalesced datagram (each
/// segment but the last has this many bytes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_udp_gro(item: *const rmsg_item, out: *mut u32) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_into(item, out, decode::udp_gro) }
}

/// Decodes `TLS_GET_RECORD_TYPE` (`SOL_TLS`, one byte, on a kernel TLS
/// socket): the TLS record type (23 application data, 21 alert, 22
/// handshake ...).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_tls_record_type(
    item: *const rmsg_item,
    out: *mut u8,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { decode_into(item, out, decode::tls_record_type) }
}

/// Parses a control buffer the caller obtained elsewhere (its own
/// `recvmsg(2)`, io_uring ...): `buf` holds `len` bytes (NULL allowed when
/// `len` is 0), any alignment. The bytes are copied; the caller keeps its
/// buffer. On `RMSG_OK` `*control_out` is a new handle the caller owns and
/// frees with `rmsg_control_free`; its items (`rmsg_control_item`) work
/// with every `rmsg_item_*` function.
///
/// `flags`: 0, or `RMSG_PARSE_OWN_FDS` to hand the descriptors of the
/// buffer's `SCM_RIGHTS`/`SCM_PIDFD` items to the handle (closed by
/// `rmsg_control_free` unless taken; use it only for a buffer the kernel
/// filled, each descriptor once). Without it the handle never closes a
/// descriptor. Unknown flag bits are `RMSG_ERR_INVALID_ARGUMENT`.
///
/// Malformed input never reads outside `buf` and never loops: the walk
/// stops at a length below the header size (`rmsg_control_malformed`), and
/// an item claiming more bytes than remain is clamped and marked
/// (`rmsg_item_truncated`). On `RMSG_ERR_OUT_OF_MEMORY` with
/// `RMSG_PARSE_OWN_FDS`, the buffer's descriptors are closed; on argument
/// errors nothing happens to them.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_control_parse(
    buf: *const u8,
    len: usize,
    flags: u32,
    control_out: *mut *mut rmsg_control,
) -> rmsg_status {
    guard(|| {
        check_out(control_out)?;
        let own = parse::parse_flags(flags)?;
        if len > isize::MAX as usize {
            return Err(Error::new(rmsg_status::RMSG_ERR_TOO_LARGE));
        }
        // SAFETY: buf is readable for len bytes per the contract.
        let bytes = unsafe { try_slice(buf, len) }?;
        let c = rmsg_control::parse(bytes, own)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(control_out, Box::into_raw(c)) };
        Ok(())
    })
}

/// Frees a parsed control buffer; with `RMSG_PARSE_OWN_FDS` closes every
/// descriptor not taken. Its items become invalid. NULL is accepted.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_control_free(control: *mut rmsg_control) {
    // SAFETY: control is NULL or a live handle from rmsg, freed once.
    guard_or((), || unsafe { free_box(control) })
}

/// Number of items found. 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_control_item_count(control: *const rmsg_control) -> usize {
    // SAFETY: control is NULL or a live handle.
    guard_or(0, || {
        unsafe { try_ref(control) }.map_or(0, |c| c.items().len())
    })
}

/// Item `index` (0-based, buffer order), or NULL when out of range or
/// `control` is NULL. The item borrows from the handle and is valid until it
/// is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_control_item(
    control: *const rmsg_control,
    index: usize,
) -> *const rmsg_item {
    // SAFETY: control is NULL or a live handle.
    guard_or(std::ptr::null(), || match unsafe { try_ref(control) } {
        Ok(c) => c
            .items()
            .get(index)
            .map_or(std::ptr::null(), |i| i as *const rmsg_item),
        Err(_) => std::ptr::null(),
    })
}

/// True when the walk stopped at a malformed header (a length below the
/// header size); the items before it are still there. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_control_malformed(control: *const rmsg_control) -> bool {
    // SAFETY: control is NULL or a live handle.
    guard_or(false, || {
        unsafe { try_ref(control) }.is_ok_and(|c| c.malformed())
    })
}

/// Takes the descriptors of item `index` (an `SCM_RIGHTS` or `SCM_PIDFD`
/// item) not yet taken, in order, into `fds_out` (room for `fds_len` ints).
/// On `RMSG_OK` `*count_out` of them were written; the handle forgets them
/// (with `RMSG_PARSE_OWN_FDS` the caller now owns them). Errors as for
/// `rmsg_message_take_item_fds`: `RMSG_ERR_INVALID_ARGUMENT` (index),
/// `RMSG_ERR_WRONG_KIND`, `RMSG_ERR_BUFFER_TOO_SMALL` (nothing taken).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_control_take_item_fds(
    control: *mut rmsg_control,
    index: usize,
    fds_out: *mut c_int,
    fds_len: usize,
    count_out: *mut usize,
) -> rmsg_status {
    guard(|| {
        // SAFETY: control is NULL or a live handle not used elsewhere now.
        let c = unsafe { try_mut(control) }?;
        check_out(count_out)?;
        // SAFETY: fds_out is writable for fds_len ints.
        let out = unsafe { try_slice_mut(fds_out, fds_len) }?;
        let n = c.take_item_fds(index, out)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(count_out, n) };
        Ok(())
    })
}

/// The control-buffer size (`ancbufsize`) that holds one item of each of
/// the `count` kinds in `kinds` (NULL allowed when `count` is 0) plus one
/// `SCM_RIGHTS` item of up to `max_fds` descriptors: the sum of their
/// `CMSG_SPACE`. Timestamps get room for the larger `_NEW` layout whichever
/// variant is named; `SCM_SECURITY` gets `RMSG_SECURITY_LABEL_SPACE` bytes,
/// `SCM_TIMESTAMPING_OPT_STATS` `RMSG_OPT_STATS_SPACE`; `SCM_RIGHTS` entries
/// are sized by `max_fds` only. List a kind twice to room for two items.
/// `RMSG_ERR_UNKNOWN_KIND` for a pair rmsg has no size for (add
/// `rmsg_cmsg_space` of its payload yourself), `RMSG_ERR_TOO_LARGE` when the
/// sum passes `socklen_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_control_space(
    kinds: *const rmsg_cmsg_kind,
    count: usize,
    max_fds: usize,
    space_out: *mut usize,
) -> rmsg_status {
    guard(|| {
        check_out(space_out)?;
        // SAFETY: kinds is readable for count entries.
        let k = unsafe { try_slice(kinds, count) }?;
        let v = sizing::space_for_kinds(k, max_fds)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(space_out, v) };
        Ok(())
    })
}

/// The control-buffer size for the receive options enabled on socket `fd`,
/// read with `getsockopt(2)`: `SO_PASSCRED`, `SO_PASSPIDFD`, `SO_PASSSEC`,
/// `SO_TIMESTAMP[_NEW]`, `SO_TIMESTAMPNS[_NEW]`, `SO_TIMESTAMPING` (with
/// `OPT_PKTINFO`, `OPT_STATS`, and an extended error for transmit stamps),
/// `SO_RXQ_OVFL`, `SO_RCVMARK`; `IP_PKTINFO`, `IP_RECVTTL`, `IP_RECVTOS`,
/// `IP_RECVERR`, `IP_RECVORIGDSTADDR`, `IP_RECVFRAGSIZE`, `IP_RECVRETOPTS`,
/// `IP_RECVOPTS`; `IPV6_RECVPKTINFO`, `IPV6_RECVHOPLIMIT`,
/// `IPV6_RECVTCLASS`, `IPV6_RECVERR`, `IPV6_RECVORIGDSTADDR`,
/// `IPV6_RECVPATHMTU`, `IPV6_RECVFRAGSIZE`; `UDP_GRO`; kernel TLS. Plus one
/// `SCM_RIGHTS` item of up to `max_fds` descriptors. Sizes as for
/// `rmsg_control_space`. Options enabled later are not counted: size again
/// after changing them. `RMSG_ERR_BAD_FD`/`RMSG_ERR_NOT_A_SOCKET` for a bad
/// `fd`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_control_space_for_socket(
    fd: c_int,
    max_fds: usize,
    space_out: *mut usize,
) -> rmsg_status {
    guard(|| {
        check_out(space_out)?;
        let v = sizing::space_for_socket(fd, max_fds)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(space_out, v) };
        Ok(())
    })
}
