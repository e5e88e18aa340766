//! Error-queue messages by meaning: what a message read with
//! `MSG_ERRQUEUE` says (a transmit timestamp, a zero-copy completion, an
//! `SO_TXTIME` drop, an ICMP or ICMPv6 error, a local error), summarised
//! from its extended-error item and the items that come with it (the
//! `SCM_TIMESTAMPING` stamps, packet info). The raw fields stay readable
//! with `rmsg_item_recverr`. The C shims are in `ffi::errqueue`.

use std::ffi::CStr;
use std::mem::size_of;

use crate::addr::{rmsg_inet_address, rmsg_inet6_address};
use crate::decode::{self, Raw, rmsg_timestamping};
use crate::kinds::rmsg_kind::*;
use crate::linux::*;
use crate::status::Result;

/// What an error-queue message is (`rmsg_errqueue_info.kind`), from the
/// origin of its extended error. The values are fixed forever; new kinds
/// get new numbers.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum rmsg_errqueue_kind {
    /// Not an error-queue message: it holds no `IP_RECVERR`/`IPV6_RECVERR`
    /// item.
    RMSG_ERRQUEUE_NONE = 0,
    /// A transmit timestamp (`SO_EE_ORIGIN_TIMESTAMPING`): `tstamp_type`,
    /// `tstamp_key`, `timestamping`.
    RMSG_ERRQUEUE_TIMESTAMP = 1,
    /// A `MSG_ZEROCOPY` completion (`SO_EE_ORIGIN_ZEROCOPY`):
    /// `zerocopy_first`..`zerocopy_last`, `zerocopy_copied`.
    RMSG_ERRQUEUE_ZEROCOPY = 2,
    /// A packet `SO_TXTIME` dropped (`SO_EE_ORIGIN_TXTIME`): `txtime_error`,
    /// `txtime`.
    RMSG_ERRQUEUE_TXTIME = 3,
    /// An ICMP error (`SO_EE_ORIGIN_ICMP`): `icmp_reason`, `mtu`, the
    /// offender, the original datagram in `data`.
    RMSG_ERRQUEUE_ICMP = 4,
    /// An ICMPv6 error (`SO_EE_ORIGIN_ICMP6`), as `RMSG_ERRQUEUE_ICMP`.
    RMSG_ERRQUEUE_ICMP6 = 5,
    /// An error of the local stack (`SO_EE_ORIGIN_LOCAL`): `ee_errno`
    /// (`EMSGSIZE` with the path MTU in `mtu`).
    RMSG_ERRQUEUE_LOCAL = 6,
    /// An extended error of another origin: read the `ee_*` fields.
    RMSG_ERRQUEUE_OTHER = 7,
}

/// What an ICMP or ICMPv6 error means (`rmsg_errqueue_info.icmp_reason`);
/// the type and code stay in `ee_type` and `ee_code`. The values are fixed
/// forever.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum rmsg_icmp_reason {
    /// Not an ICMP error.
    RMSG_ICMP_NONE = 0,
    /// Network unreachable (ICMP 3/0; ICMPv6 1/0 no route).
    RMSG_ICMP_NET_UNREACHABLE = 1,
    /// Host unreachable (ICMP 3/1; ICMPv6 1/3 address unreachable).
    RMSG_ICMP_HOST_UNREACHABLE = 2,
    /// Protocol unreachable (ICMP 3/2).
    RMSG_ICMP_PROTOCOL_UNREACHABLE = 3,
    /// Port unreachable (ICMP 3/3; ICMPv6 1/4).
    RMSG_ICMP_PORT_UNREACHABLE = 4,
    /// Administratively prohibited (ICMP 3/9, 3/10, 3/13; ICMPv6 1/1, 1/5,
    /// 1/6).
    RMSG_ICMP_ADMIN_PROHIBITED = 5,
    /// Too big: fragmentation needed (ICMP 3/4) or packet too big (ICMPv6
    /// 2), with the next-hop MTU in `mtu`.
    RMSG_ICMP_TOO_BIG = 6,
    /// Time exceeded (ICMP 11; ICMPv6 3).
    RMSG_ICMP_TIME_EXCEEDED = 7,
    /// Parameter problem (ICMP 12; ICMPv6 4); the pointer is in `ee_info`.
    RMSG_ICMP_PARAMETER_PROBLEM = 8,
    /// Source quench (ICMP 4).
    RMSG_ICMP_SOURCE_QUENCH = 9,
    /// Destination unreachable for another reason (ICMP 3 or ICMPv6 1 with
    /// another code).
    RMSG_ICMP_OTHER_UNREACHABLE = 10,
    /// Another ICMP type.
    RMSG_ICMP_OTHER = 11,
}

/// The stamp type of a transmit timestamp (`rmsg_errqueue_info.tstamp_type`,
/// the kernel's `SCM_TSTAMP_*` values in `ee_info`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum rmsg_tstamp_type {
    /// `SCM_TSTAMP_SND`: the packet left the stack for the device
    /// (`SOF_TIMESTAMPING_TX_SOFTWARE`, `_TX_HARDWARE`).
    RMSG_TSTAMP_SND = 0,
    /// `SCM_TSTAMP_SCHED`: the packet entered the packet scheduler
    /// (`SOF_TIMESTAMPING_TX_SCHED`).
    RMSG_TSTAMP_SCHED = 1,
    /// `SCM_TSTAMP_ACK`: the peer acknowledged all the data (TCP,
    /// `SOF_TIMESTAMPING_TX_ACK`).
    RMSG_TSTAMP_ACK = 2,
    /// `SCM_TSTAMP_COMPLETION`: the device reported the transmission done
    /// (`SOF_TIMESTAMPING_TX_COMPLETION`, Linux 6.15).
    RMSG_TSTAMP_COMPLETION = 3,
    /// Another type (the raw value is in `ee_info`), or not a timestamp.
    RMSG_TSTAMP_OTHER = 255,
}

/// Why `SO_TXTIME` dropped a packet (`rmsg_errqueue_info.txtime_error`,
/// from `ee_code`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum rmsg_txtime_error {
    /// Not an `SO_TXTIME` error.
    RMSG_TXTIME_NONE = 0,
    /// `SO_EE_CODE_TXTIME_INVALID_PARAM`: the txtime or clock was refused
    /// (`EINVAL`).
    RMSG_TXTIME_INVALID_PARAM = 1,
    /// `SO_EE_CODE_TXTIME_MISSED`: the deadline passed before the packet
    /// could be sent (`ECANCELED`).
    RMSG_TXTIME_MISSED = 2,
    /// Another code (in `ee_code`).
    RMSG_TXTIME_OTHER = 255,
}

/// An error-queue message by meaning, filled by `rmsg_message_errqueue`
/// from the message's extended-error item (`IP_RECVERR`/`IPV6_RECVERR`,
/// the first one) and the items beside it. The caller owns the struct;
/// `data` borrows from the message and is valid as long as it is.
///
/// Versioning: `rmsg_message_errqueue` takes `info_size`, the
/// `sizeof(rmsg_errqueue_info)` the program was built with. Later versions
/// only append fields.
///
/// Fields that do not apply to `kind` are zero (`tstamp_type` is then
/// `RMSG_TSTAMP_OTHER`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmsg_errqueue_info {
    /// What the message is; `RMSG_ERRQUEUE_NONE` when it holds no extended
    /// error (then only `data` and `data_len` say something: the other
    /// fields are zero, `tstamp_type` `RMSG_TSTAMP_OTHER`).
    pub kind: rmsg_errqueue_kind,
    /// `ee_errno`: the error number (`ECONNREFUSED`, `EMSGSIZE` ...;
    /// `ENOMSG` for timestamps, 0 for zero-copy completions).
    pub ee_errno: u32,
    /// `ee_origin` as the kernel sent it (`SO_EE_ORIGIN_*`).
    pub ee_origin: u8,
    /// `ee_type`: the ICMP type for ICMP origins.
    pub ee_type: u8,
    /// `ee_code`: the ICMP code, the zero-copy or txtime code.
    pub ee_code: u8,
    /// `ee_info` as the kernel sent it.
    pub ee_info: u32,
    /// `ee_data` as the kernel sent it.
    pub ee_data: u32,
    /// The message's data (as `rmsg_message_data`): the original datagram
    /// of an ICMP or local error, the bytes a timestamp belongs to (none
    /// with `SOF_TIMESTAMPING_OPT_TSONLY`), nothing for a zero-copy
    /// completion. Never NULL; borrowed from the message.
    pub data: *const u8,
    /// Number of bytes at `data`.
    pub data_len: usize,
    /// `RMSG_ERRQUEUE_TIMESTAMP`: which stamp this is (from `ee_info`).
    pub tstamp_type: rmsg_tstamp_type,
    /// `RMSG_ERRQUEUE_TIMESTAMP`: the `SOF_TIMESTAMPING_OPT_ID` key of the
    /// send it stamps (`ee_data`; 0, 1, 2 ... per send or per byte for
    /// TCP). Meaningless without `OPT_ID`.
    pub tstamp_key: u32,
    /// The message holds an `SCM_TIMESTAMPING` item, in `timestamping`.
    pub has_timestamping: bool,
    /// The `SCM_TIMESTAMPING` stamps of the message (the first item): the
    /// software stamp and the raw hardware stamp.
    pub timestamping: rmsg_timestamping,
    /// Interface index of the packet, from its packet-info item
    /// (`IP_PKTINFO` with `SOF_TIMESTAMPING_OPT_CMSG`, `IPV6_PKTINFO`,
    /// `SCM_TIMESTAMPING_PKTINFO`): for a transmit timestamp, the outgoing
    /// interface. 0 when the message has none. Filled for every kind.
    pub ifindex: i32,
    /// Layer-2 length of the packet, from `SCM_TIMESTAMPING_PKTINFO`; 0
    /// without it.
    pub pkt_length: u32,
    /// `RMSG_ERRQUEUE_ZEROCOPY`: the first send the completion covers
    /// (`ee_info`; sends are counted from 0 per socket).
    pub zerocopy_first: u32,
    /// `RMSG_ERRQUEUE_ZEROCOPY`: the last send it covers (`ee_data`),
    /// inclusive.
    pub zerocopy_last: u32,
    /// `RMSG_ERRQUEUE_ZEROCOPY`: `SO_EE_CODE_ZEROCOPY_COPIED`, the kernel
    /// copied the data (as it always does on loopback): zero-copy did not
    /// pay off for these sends.
    pub zerocopy_copied: bool,
    /// `RMSG_ERRQUEUE_TXTIME`: why the packet was dropped.
    pub txtime_error: rmsg_txtime_error,
    /// `RMSG_ERRQUEUE_TXTIME`: the txtime of the dropped packet, in
    /// nanoseconds of its `SO_TXTIME` clock (`ee_data` high, `ee_info` low
    /// 32 bits).
    pub txtime: u64,
    /// `RMSG_ERRQUEUE_ICMP`, `_ICMP6`: what the error means.
    pub icmp_reason: rmsg_icmp_reason,
    /// The path MTU: for `RMSG_ICMP_TOO_BIG` and for a local `EMSGSIZE`
    /// (`ee_info`); 0 otherwise.
    pub mtu: u32,
    /// ICMP errors on a socket with `IP_RECVERR_RFC4884` or
    /// `IPV6_RECVERR_RFC4884`: the length of the original-datagram field,
    /// where the RFC 4884 extension structure starts in `data`
    /// (`ee_rfc4884.len`); 0 when there is no extension.
    pub rfc4884_len: u16,
    /// The kernel found the RFC 4884 extension invalid
    /// (`SO_EE_RFC4884_FLAG_INVALID`).
    pub rfc4884_invalid: bool,
    /// `AF_INET` when `offender` holds the offender address
    /// (`SO_EE_OFFENDER`: the node that sent the ICMP error), `AF_INET6`
    /// when `offender6` does, 0 when there is none (local errors,
    /// timestamps). For an IPv4 transmit timestamp with
    /// `SOF_TIMESTAMPING_OPT_CMSG` the kernel puts the packet's source
    /// address here.
    pub offender_family: i32,
    /// The offender, for `AF_INET` (port 0).
    pub offender: rmsg_inet_address,
    /// The offender, for `AF_INET6`.
    pub offender6: rmsg_inet6_address,
}

/// The size of the first version of the struct: the least a caller may
/// say it has.
const V1_SIZE: usize = size_of::<rmsg_errqueue_info>();

/// The check of a caller's `info_size`: from the first version's size up
/// to this library's, else `RMSG_ERR_INVALID_ARGUMENT`.
pub(crate) fn check_size(info_size: usize) -> Result<()> {
    crate::ptr::check_struct_size::<rmsg_errqueue_info>(info_size, V1_SIZE)
}

impl rmsg_errqueue_info {
    /// Nothing but the data.
    fn none(data: &[u8]) -> rmsg_errqueue_info {
        rmsg_errqueue_info {
            kind: rmsg_errqueue_kind::RMSG_ERRQUEUE_NONE,
            ee_errno: 0,
            ee_origin: 0,
            ee_type: 0,
            ee_code: 0,
            ee_info: 0,
            ee_data: 0,
            data: data.as_ptr(),
            data_len: data.len(),
            tstamp_type: rmsg_tstamp_type::RMSG_TSTAMP_OTHER,
            tstamp_key: 0,
            has_timestamping: false,
            timestamping: rmsg_timestamping::default(),
            ifindex: 0,
            pkt_length: 0,
            zerocopy_first: 0,
            zerocopy_last: 0,
            zerocopy_copied: false,
            txtime_error: rmsg_txtime_error::RMSG_TXTIME_NONE,
            txtime: 0,
            icmp_reason: rmsg_icmp_reason::RMSG_ICMP_NONE,
            mtu: 0,
            rfc4884_len: 0,
            rfc4884_invalid: false,
            offender_family: 0,
            offender: rmsg_inet_address::default(),
            offender6: rmsg_inet6_address::default(),
        }
    }
}

/// Summarises a message from its items (in kernel order) and its data.
/// `data` must be non-dangling for its length (a message's data is).
pub(crate) fn summarise<'a>(
    items: impl Iterator<Item = Raw<'a>>,
    data: &[u8],
) -> rmsg_errqueue_info {
    let mut info = rmsg_errqueue_info::none(data);
    let mut err = None;
    for raw in items {
        match raw.kind {
            RMSG_KIND_RECVERR if err.is_none() => {
                if let Ok(e) = decode::extended_error(raw) {
                    err = Some((e, raw.data));
                }
            }
            RMSG_KIND_TIMESTAMPING if !info.has_timestamping => {
                if let Ok(t) = decode::timestamping(raw) {
                    info.timestamping = t;
                    info.has_timestamping = true;
                }
            }
            RMSG_KIND_IP_PKTINFO if info.ifindex == 0 => {
                if let Ok(p) = decode::ip_pktinfo(raw) {
                    info.ifindex = p.ifindex;
                }
            }
            RMSG_KIND_IPV6_PKTINFO if info.ifindex == 0 => {
                if let Ok(p) = decode::ipv6_pktinfo(raw) {
                    info.ifindex = p.ifindex;
                }
            }
            RMSG_KIND_TS_PKTINFO => {
                if let Ok(p) = decode::ts_pktinfo(raw) {
                    if info.ifindex == 0 {
                        info.ifindex = p.ifindex as i32;
                    }
                    info.pkt_length = p.pkt_length;
                }
            }
            _ => {}
        }
    }
    let Some((e, bytes)) = err else {
        // Not an error-queue message: say nothing of what came with it.
        return rmsg_errqueue_info::none(data);
    };
    info.ee_errno = e.ee_errno;
    info.ee_origin = e.ee_origin;
    info.ee_type = e.ee_type;
    info.ee_code = e.ee_code;
    info.ee_info = e.ee_info;
    info.ee_data = e.ee_data;
    info.offender_family = e.offender_family;
    info.offender = e.offender;
    info.offender6 = e.offender6;
    use rmsg_errqueue_kind::*;
    info.kind = match e.ee_origin {
        libc::SO_EE_ORIGIN_TIMESTAMPING => {
            info.tstamp_type = tstamp_type(e.ee_info);
            info.tstamp_key = e.ee_data;
            RMSG_ERRQUEUE_TIMESTAMP
        }
        SO_EE_ORIGIN_ZEROCOPY => {
            info.zerocopy_first = e.ee_info;
            info.zerocopy_last = e.ee_data;
            info.zerocopy_copied = e.ee_code & SO_EE_CODE_ZEROCOPY_COPIED != 0;
            RMSG_ERRQUEUE_ZEROCOPY
        }
        SO_EE_ORIGIN_TXTIME => {
            info.txtime_error = match e.ee_code {
                SO_EE_CODE_TXTIME_INVALID_PARAM => rmsg_txtime_error::RMSG_TXTIME_INVALID_PARAM,
                SO_EE_CODE_TXTIME_MISSED => rmsg_txtime_error::RMSG_TXTIME_MISSED,
                _ => rmsg_txtime_error::RMSG_TXTIME_OTHER,
            };
            info.txtime = (u64::from(e.ee_data) << 32) | u64::from(e.ee_info);
            RMSG_ERRQUEUE_TXTIME
        }
        libc::SO_EE_ORIGIN_ICMP | libc::SO_EE_ORIGIN_ICMP6 => {
            let v6 = e.ee_origin == libc::SO_EE_ORIGIN_ICMP6;
            info.icmp_reason = if v6 {
                icmp6_reason(e.ee_type, e.ee_code)
            } else {
                icmp_reason(e.ee_type, e.ee_code)
            };
            if info.icmp_reason == rmsg_icmp_reason::RMSG_ICMP_TOO_BIG {
                info.mtu = e.ee_info;
            }
            // ee_data is a union with struct sock_ee_data_rfc4884 { __u16
            // len; __u8 flags; __u8 reserved; } (native byte order).
            if let Some(r) = bytes.get(12..15) {
                info.rfc4884_len = u16::from_ne_bytes([r[0], r[1]]);
                info.rfc4884_invalid = r[2] & SO_EE_RFC4884_FLAG_INVALID != 0;
            }
            if v6 {
                RMSG_ERRQUEUE_ICMP6
            } else {
                RMSG_ERRQUEUE_ICMP
            }
        }
        libc::SO_EE_ORIGIN_LOCAL => {
            if e.ee_errno == libc::EMSGSIZE as u32 {
                info.mtu = e.ee_info;
            }
            RMSG_ERRQUEUE_LOCAL
        }
        _ => RMSG_ERRQUEUE_OTHER,
    };
    info
}

fn tstamp_type(v: u32) -> rmsg_tstamp_type {
    use rmsg_tstamp_type::*;
    match v {
        SCM_TSTAMP_SND => RMSG_TSTAMP_SND,
        SCM_TSTAMP_SCHED => RMSG_TSTAMP_SCHED,
        SCM_TSTAMP_ACK => RMSG_TSTAMP_ACK,
        SCM_TSTAMP_COMPLETION => RMSG_TSTAMP_COMPLETION,
        _ => RMSG_TSTAMP_OTHER,
    }
}

fn icmp_reason(icmp_type: u8, code: u8) -> rmsg_icmp_reason {
    use rmsg_icmp_reason::*;
    match (icmp_type, code) {
        (ICMP_DEST_UNREACH, ICMP_NET_UNREACH) => RMSG_ICMP_NET_UNREACHABLE,
        (ICMP_DEST_UNREACH, ICMP_HOST_UNREACH) => RMSG_ICMP_HOST_UNREACHABLE,
        (ICMP_DEST_UNREACH, ICMP_PROT_UNREACH) => RMSG_ICMP_PROTOCOL_UNREACHABLE,
        (ICMP_DEST_UNREACH, ICMP_PORT_UNREACH) => RMSG_ICMP_PORT_UNREACHABLE,
        (ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED) => RMSG_ICMP_TOO_BIG,
        (ICMP_DEST_UNREACH, ICMP_NET_ANO | ICMP_HOST_ANO | ICMP_PKT_FILTERED) => {
            RMSG_ICMP_ADMIN_PROHIBITED
        }
        (ICMP_DEST_UNREACH, _) => RMSG_ICMP_OTHER_UNREACHABLE,
        (ICMP_SOURCE_QUENCH, _) => RMSG_ICMP_SOURCE_QUENCH,
        (ICMP_TIME_EXCEEDED, _) => RMSG_ICMP_TIME_EXCEEDED,
        (ICMP_PARAMETERPROB, _) => RMSG_ICMP_PARAMETER_PROBLEM,
        _ => RMSG_ICMP_OTHER,
    }
}

fn icmp6_reason(icmp_type: u8, code: u8) -> rmsg_icmp_reason {
    use rmsg_icmp_reason::*;
    match (icmp_type, code) {
        (ICMPV6_DEST_UNREACH, ICMPV6_NOROUTE) => RMSG_ICMP_NET_UNREACHABLE,
        (ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH) => RMSG_ICMP_HOST_UNREACHABLE,
        (ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH) => RMSG_ICMP_PORT_UNREACHABLE,
        (ICMPV6_DEST_UNREACH, ICMPV6_ADM_PROHIBITED | ICMPV6_POLICY_FAIL | ICMPV6_REJECT_ROUTE) => {
            RMSG_ICMP_ADMIN_PROHIBITED
        }
        (ICMPV6_DEST_UNREACH, _) => RMSG_ICMP_OTHER_UNREACHABLE,
        (ICMPV6_PKT_TOOBIG, _) => RMSG_ICMP_TOO_BIG,
        (ICMPV6_TIME_EXCEED, _) => RMSG_ICMP_TIME_EXCEEDED,
        (ICMPV6_PARAMPROB, _) => RMSG_ICMP_PARAMETER_PROBLEM,
        _ => RMSG_ICMP_OTHER,
    }
}

/// The name of an `rmsg_errqueue_kind` value.
pub(crate) fn kind_name(v: u32) -> &'static CStr {
    match v {
        0 => c"none",
        1 => c"timestamp",
        2 => c"zerocopy",
        3 => c"txtime",
        4 => c"icmp",
        5 => c"icmp6",
        6 => c"local",
        7 => c"other",
        _ => c"unknown",
    }
}

/// The name of an `rmsg_icmp_reason` value.
pub(crate) fn icmp_reason_name(v: u32) -> &'static CStr {
    match v {
        0 => c"none",
        1 => c"net unreachable",
        2 => c"host unreachable",
        3 => c"protocol unreachable",
        4 => c"port unreachable",
        5 => c"administratively prohibited",
        6 => c"too big",
        7 => c"time exceeded",
        8 => c"parameter problem",
        9 => c"source quench",
        10 => c"unreachable",
        11 => c"other",
        _ => c"unknown",
    }
}

/// The name of an `rmsg_tstamp_type` value.
pub(crate) fn tstamp_type_name(v: u32) -> &'static CStr {
    match v {
        0 => c"snd",
        1 => c"sched",
        2 => c"ack",
        3 => c"completion",
        255 => c"other",
        _ => c"unknown",
    }
}

/// The name of an `rmsg_txtime_error` value.
pub(crate) fn txtime_error_name(v: u32) -> &'static CStr {
    match v {
        0 => c"none",
        1 => c"invalid parameter",
        2 => c"missed deadline",
        255 => c"other",
        _ => c"unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmsg_errqueue_kind::*;

    /// A `sock_extended_err` followed by an optional offender sockaddr.
    fn ee(errno: u32, origin: u8, t: u8, c: u8, info: u32, data: u32, off: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&errno.to_ne_bytes());
        v.extend_from_slice(&[origin, t, c, 0]);
        v.extend_from_slice(&info.to_ne_bytes());
        v.extend_from_slice(&data.to_ne_bytes());
        v.extend_from_slice(off);
        v
    }

    fn sin(addr: [u8; 4]) -> Vec<u8> {
        let mut v = vec![0u8; 16];
        v[..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        v[4..8].copy_from_slice(&addr);
        v
    }

    #[test]
    fn none_without_an_extended_error() {
        let ttl = 64i32.to_ne_bytes();
        let items = [Raw::new(libc::IPPROTO_IP, libc::IP_TTL, &ttl)];
        let i = summarise(items.into_iter(), b"abc");
        assert_eq!(i.kind, RMSG_ERRQUEUE_NONE);
        assert_eq!(i.data_len, 3);
        assert_eq!(i.ifindex, 0);
    }

    #[test]
    fn icmp_port_unreachable() {
        let e = ee(
            libc::ECONNREFUSED as u32,
            2,
            3,
            3,
            0,
            0,
            &sin([127, 0, 0, 1]),
        );
        let items = [Raw::new(libc::IPPROTO_IP, libc::IP_RECVERR, &e)];
        let i = summarise(items.into_iter(), b"x");
        assert_eq!(i.kind, RMSG_ERRQUEUE_ICMP);
        assert_eq!(i.icmp_reason, rmsg_icmp_reason::RMSG_ICMP_PORT_UNREACHABLE);
        assert_eq!(i.offender_family, libc::AF_INET);
        assert_eq!(i.offender.addr, [127, 0, 0, 1]);
        assert_eq!(i.mtu, 0);
    }

    #[test]
    fn icmp_too_big_and_rfc4884() {
        let mut e = ee(libc::EMSGSIZE as u32, 2, 3, 4, 1280, 0, &[]);
        e[12..14].copy_from_slice(&128u16.to_ne_bytes());
        e[14] = 1;
        let items = [Raw::new(libc::IPPROTO_IP, libc::IP_RECVERR, &e)];
        let i = summarise(items.into_iter(), b"");
        assert_eq!(i.icmp_reason, rmsg_icmp_reason::RMSG_ICMP_TOO_BIG);
        assert_eq!(i.mtu, 1280);
        assert_eq!(i.rfc4884_len, 128);
        assert!(i.rfc4884_invalid);
        let e6 = ee(libc::EMSGSIZE as u32, 3, 2, 0, 1400, 0, &[]);
        let items = [Raw::new(libc::IPPROTO_IPV6, libc::IPV6_RECVERR, &e6)];
        let i = summarise(items.into_iter(), b"");
        assert_eq!(i.kind, RMSG_ERRQUEUE_ICMP6);
        assert_eq!(i.mtu, 1400);
    }

    #[test]
    fn timestamp_zerocopy_txtime_local() {
        let e = ee(libc::ENOMSG as u32, 4, 0, 0, 1, 7, &[]);
        let stamps = [0u8; 48];
        let items = [
            Raw::new(libc::SOL_SOCKET, libc::SO_TIMESTAMPING, &stamps),
            Raw::new(libc::IPPROTO_IP, libc::IP_RECVERR, &e),
        ];
        let i = summarise(items.into_iter(), b"");
        assert_eq!(i.kind, RMSG_ERRQUEUE_TIMESTAMP);
        assert_eq!(i.tstamp_type, rmsg_tstamp_type::RMSG_TSTAMP_SCHED);
        assert_eq!(i.tstamp_key, 7);
        assert!(i.has_timestamping);

        let e = ee(0, 5, 0, 1, 3, 9, &[]);
        let items = [Raw::new(libc::IPPROTO_IP, libc::IP_RECVERR, &e)];
        let i = summarise(items.into_iter(), b"");
        assert_eq!(i.kind, RMSG_ERRQUEUE_ZEROCOPY);
        assert_eq!((i.zerocopy_first, i.zerocopy_last), (3, 9));
        assert!(i.zerocopy_copied);

        let e = ee(
            libc::ECANCELED as u32,
            6,
            0,
            2,
            0x89ab_cdef,
            0x0123_4567,
            &[],
        );
        let items = [Raw::new(libc::IPPROTO_IPV6, libc::IPV6_RECVERR, &e)];
        let i = summarise(items.into_iter(), b"");
        assert_eq!(i.kind, RMSG_ERRQUEUE_TXTIME);
        assert_eq!(i.txtime_error, rmsg_txtime_error::RMSG_TXTIME_MISSED);
        assert_eq!(i.txtime, 0x0123_4567_89ab_cdef);

        let e = ee(libc::EMSGSIZE as u32, 1, 0, 0, 1500, 0, &[]);
        let items = [Raw::new(libc::IPPROTO_IP, libc::IP_RECVERR, &e)];
        let i = summarise(items.into_iter(), b"");
        assert_eq!(i.kind, RMSG_ERRQUEUE_LOCAL);
        assert_eq!(i.mtu, 1500);
    }

    #[test]
    fn names() {
        assert_eq!(kind_name(4), c"icmp");
        assert_eq!(kind_name(99), c"unknown");
        assert_eq!(icmp_reason_name(4), c"port unreachable");
        assert_eq!(tstamp_type_name(1), c"sched");
        assert_eq!(txtime_error_name(2), c"missed deadline");
    }
}
