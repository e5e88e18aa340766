//! Typed decoding of the control messages Linux delivers: the kind of an
//! item, the C structs the decoders fill, and the decoders (the C shims
//! are in `ffi::item`).
//!
//! Every decoder takes an item's level, type and data bytes, checks the
//! kind, and decodes by the data length with unaligned reads, so that it
//! never reads past the data and accepts the payload widths the kernel uses
//! on each architecture (a 32-bit `struct timeval` or a 64-bit one, an `int`
//! TTL or a byte).

use std::ffi::c_int;
use std::mem::size_of;

use crate::addr::{InetSockaddr, rmsg_inet_address, rmsg_inet6_address};
pub use crate::kinds::rmsg_kind;
use crate::kinds::rmsg_kind::*;
use crate::status::{Error, Result, rmsg_status::*};

/// Credentials of the sending process (`SCM_CREDENTIALS`, `struct ucred`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct rmsg_credentials {
    /// Process id of the sender (as seen in the receiver's pid namespace).
    pub pid: i32,
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
}

/// A point in time: seconds and nanoseconds since the Unix epoch
/// (`CLOCK_REALTIME`), or for hardware stamps in the device's clock.
/// Microsecond stamps (`SO_TIMESTAMP`) are converted: `nsec` is then a
/// multiple of 1000.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct rmsg_timestamp {
    /// Whole seconds.
    pub sec: i64,
    /// Nanoseconds, 0 to 999999999 for stamps the kernel produced.
    pub nsec: i64,
}

/// The three stamps of `SO_TIMESTAMPING` (`struct scm_timestamping`). A
/// stamp the kernel did not take is all zero.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct rmsg_timestamping {
    /// `ts[0]`: the software stamp.
    pub software: rmsg_timestamp,
    /// `ts[1]`: deprecated, formerly the hardware stamp converted to system
    /// time; normally zero.
    pub legacy: rmsg_timestamp,
    /// `ts[2]`: the raw hardware stamp.
    pub hardware: rmsg_timestamp,
}

/// `SCM_TIMESTAMPING_PKTINFO` (`struct scm_ts_pktinfo`): the interface and
/// length of the packet a hardware stamp belongs to.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct rmsg_ts_pktinfo {
    /// Interface index.
    pub ifindex: u32,
    /// Length of the packet at layer 2.
    pub pkt_length: u32,
}

/// A traffic-class byte (`IP_TOS`, `IPV6_TCLASS`) with its two parts.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct rmsg_traffic_class {
    /// The whole byte as received (TOS octet or IPv6 traffic class).
    pub value: u8,
    /// The Differentiated Services code point: `value >> 2`.
    pub dscp: u8,
    /// The ECN bits: `value & 3` (0 Not-ECT, 1 ECT(1), 2 ECT(0), 3 CE).
    pub ecn: u8,
}

/// `IP_PKTINFO` (`struct in_pktinfo`). The addresses reuse
/// `rmsg_inet_address` with `port` 0.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct rmsg_ip_pktinfo {
    /// Index of the interface the packet arrived on.
    pub ifindex: i32,
    /// `ipi_spec_dst`: the local address a reply would be sent from.
    pub spec_dst: rmsg_inet_address,
    /// `ipi_addr`: the destination address in the packet's header.
    pub addr: rmsg_inet_address,
}

/// `IPV6_PKTINFO` (`struct in6_pktinfo`). The address reuses
/// `rmsg_inet6_address` with `port`, `flowinfo` and `scope_id` 0.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct rmsg_ipv6_pktinfo {
    /// Index of the interface the packet arrived on.
    pub ifindex: i32,
    /// The destination address in the packet's header.
    pub addr: rmsg_inet6_address,
}

/// `IPV6_PATHMTU` (`struct ip6_mtuinfo`): a path MTU change.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct rmsg_ipv6_mtuinfo {
    /// The destination the MTU applies to.
    pub addr: rmsg_inet6_address,
    /// The path MTU in bytes.
    pub mtu: u32,
}

/// An extended error from the error queue (`IP_RECVERR`, `IPV6_RECVERR`):
/// `struct sock_extended_err` and the offender address that follows it.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct rmsg_extended_error {
    /// The error number (`ECONNREFUSED`, `EMSGSIZE` ...; `ENOMSG` for
    /// timestamps).
    pub ee_errno: u32,
    /// Where it came from: `SO_EE_ORIGIN_LOCAL` (1), `_ICMP` (2), `_ICMP6`
    /// (3), `_TXSTATUS` and `_TIMESTAMPING` (both 4), `_ZEROCOPY` (5),
    /// `_TXTIME` (6).
    pub ee_origin: u8,
    /// ICMP type, for ICMP origins.
    pub ee_type: u8,
    /// ICMP code, for ICMP origins.
    pub ee_code: u8,
    /// Extra information (the MTU for "fragmentation needed"; the
    /// timestamp key for timestamps).
    pub ee_info: u32,
    /// Extra data.
    pub ee_data: u32,
    /// `AF_INET` when `offender` holds the offender address, `AF_INET6` when
    /// `offender6` does, 0 (`AF_UNSPEC`) when there is none (the kernel sends
    /// `AF_UNSPEC` for locally generated errors, or the item has no bytes for
    /// it).
    pub offender_family: i32,
    /// The node that reported the error, for `AF_INET` (port 0 for ICMP).
    pub offender: rmsg_inet_address,
    /// The node that reported the error, for `AF_INET6`.
    pub offender6: rmsg_inet6_address,
}

/// `PACKET_AUXDATA` (`struct tpacket_auxdata`): what an `AF_PACKET` socket
/// knows of a frame beyond its bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct rmsg_packet_auxdata {
    /// `tp_status`, bits of `TP_STATUS_*` (`<linux/if_packet.h>`):
    /// `TP_STATUS_CSUMNOTREADY` (1 << 3, the checksum is left to the
    /// hardware: true of locally sent packets), `TP_STATUS_VLAN_VALID`
    /// (1 << 4, `vlan_tci` holds a tag the device took off),
    /// `TP_STATUS_VLAN_TPID_VALID` (1 << 6, `vlan_tpid` holds that tag's
    /// protocol), `TP_STATUS_CSUM_VALID` (1 << 7, the checksum was
    /// verified), `TP_STATUS_GSO_TCP` (1 << 8). Other bits belong to the
    /// ring-buffer interface.
    pub status: u32,
    /// `tp_len`: the frame's length as it was on the wire (before any cut
    /// by the receive length).
    pub len: u32,
    /// `tp_snaplen`: how many bytes of it were captured.
    pub snaplen: u32,
    /// `tp_mac`: the link-layer header's offset (0 for a receive).
    pub mac: u16,
    /// `tp_net`: the network header's offset in the bytes received (the
    /// link-layer header's length for `SOCK_RAW`, 0 for `SOCK_DGRAM`).
    pub net: u16,
    /// `tp_vlan_tci`: the VLAN tag control information (priority, DEI and
    /// VLAN id); meaningful with `TP_STATUS_VLAN_VALID`.
    pub vlan_tci: u16,
    /// `tp_vlan_tpid`: the VLAN tag's protocol (0x8100, 0x88a8);
    /// meaningful with `TP_STATUS_VLAN_TPID_VALID`.
    pub vlan_tpid: u16,
}

/// An item as the decoders see it: its type, its kind (found once, from
/// the registry) and its data bytes.
#[derive(Debug, Clone, Copy)]
pub struct Raw<'a> {
    pub cmsg_type: c_int,
    pub kind: rmsg_kind,
    pub data: &'a [u8],
}

impl<'a> Raw<'a> {
    /// An item of a known kind (as items store it).
    #[inline(always)]
    pub fn of_kind(kind: rmsg_kind, cmsg_type: c_int, data: &'a [u8]) -> Raw<'a> {
        Raw {
            cmsg_type,
            kind,
            data,
        }
    }

    /// An item whose kind is looked up in the registry.
    #[cfg(test)]
    pub fn new(level: c_int, cmsg_type: c_int, data: &'a [u8]) -> Raw<'a> {
        Raw::of_kind(crate::kinds::kind_of(level, cmsg_type), cmsg_type, data)
    }

    /// The item's data, or `RMSG_ERR_WRONG_KIND` unless it is of `want`.
    /// For the kinds whose payload is handed out raw (`SCM_SECURITY`,
    /// `SCM_TIMESTAMPING_OPT_STATS`, IP options) this is the decoder.
    #[inline(always)]
    pub fn expect(&self, want: rmsg_kind) -> Result<&'a [u8]> {
        if self.kind == want {
            Ok(self.data)
        } else {
            Err(Error::new(RMSG_ERR_WRONG_KIND))
        }
    }
}

fn short() -> Error {
    Error::new(RMSG_ERR_SHORT_ITEM)
}

/// `N` bytes at `off`, or `RMSG_ERR_SHORT_ITEM`.
#[inline(always)]
fn bytes<const N: usize>(data: &[u8], off: usize) -> Result<[u8; N]> {
    let end = off.checked_add(N).ok_or_else(short)?;
    data.get(off..end)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(short)
}

/// `data` when it holds at least `n` bytes, or `RMSG_ERR_SHORT_ITEM`: one
/// check before reading the fields of a fixed struct.
#[inline(always)]
fn at_least(data: &[u8], n: usize) -> Result<&[u8]> {
    if data.len() < n {
        return Err(short());
    }
    Ok(data)
}

#[inline(always)]
fn u32_at(data: &[u8], off: usize) -> Result<u32> {
    Ok(u32::from_ne_bytes(bytes(data, off)?))
}

#[inline(always)]
fn i32_at(data: &[u8], off: usize) -> Result<i32> {
    Ok(i32::from_ne_bytes(bytes(data, off)?))
}

/// An IPv4 address (its 4 bytes, no port) at `off`.
#[inline(always)]
fn inet_at(data: &[u8], off: usize) -> Result<rmsg_inet_address> {
    Ok(rmsg_inet_address {
        addr: bytes(data, off)?,
        port: 0,
    })
}

/// An IPv6 address (its 16 bytes; no port, flow or scope) at `off`.
#[inline(always)]
fn inet6_at(data: &[u8], off: usize) -> Result<rmsg_inet6_address> {
    Ok(rmsg_inet6_address {
        addr: bytes(data, off)?,
        ..Default::default()
    })
}

#[inline(always)]
fn i64_at(data: &[u8], off: usize) -> Result<i64> {
    Ok(i64::from_ne_bytes(bytes(data, off)?))
}

/// An `int`, or a single byte (the width some kernels and systems use for
/// the same option), by length.
#[inline(always)]
fn int_or_byte(data: &[u8]) -> Result<i32> {
    if data.len() >= 4 {
        i32_at(data, 0)
    } else if data.len() == 1 {
        Ok(i32::from(data[0]))
    } else {
        Err(short())
    }
}

/// Two integers of a time pair (`timeval`/`timespec`): 64-bit fields when
/// the data holds 16 bytes from `off`, else 32-bit ones (32-bit `_OLD` ABI).
#[inline(always)]
fn time_pair(data: &[u8], off: usize, wide: bool) -> Result<(i64, i64)> {
    if wide {
        Ok((i64_at(data, off)?, i64_at(data, off + 8)?))
    } else {
        Ok((
            i64::from(i32_at(data, off)?),
            i64::from(i32_at(data, off + 4)?),
        ))
    }
}

/// `SCM_CREDENTIALS`.
#[inline]
pub fn credentials(raw: Raw<'_>) -> Result<rmsg_credentials> {
    let d = at_least(raw.expect(RMSG_KIND_CREDENTIALS)?, 12)?;
    Ok(rmsg_credentials {
        pid: i32_at(d, 0)?,
        uid: u32_at(d, 4)?,
        gid: u32_at(d, 8)?,
    })
}

/// `SCM_PIDFD`: the descriptor number the kernel installed.
#[cfg(target_os = "linux")]
#[inline]
pub fn pidfd(raw: Raw<'_>) -> Result<c_int> {
    let d = raw.expect(RMSG_KIND_PIDFD)?;
    i32_at(d, 0)
}

/// `SO_TIMESTAMP`, `SO_TIMESTAMP_NEW`, `SO_TIMESTAMPNS`,
/// `SO_TIMESTAMPNS_NEW`, normalised to nanoseconds.
#[inline]
pub fn timestamp(raw: Raw<'_>) -> Result<rmsg_timestamp> {
    let d = raw.expect(RMSG_KIND_TIMESTAMP)?;
    // `_NEW` is always two 64-bit fields; `_OLD` follows the ABI's `long`.
    let is_new =
        raw.cmsg_type == libc::SO_TIMESTAMP_NEW || raw.cmsg_type == libc::SO_TIMESTAMPNS_NEW;
    let wide = is_new || d.len() >= 16;
    let (sec, frac) = time_pair(d, 0, wide)?;
    let nsec = if raw.cmsg_type == libc::SO_TIMESTAMP || raw.cmsg_type == libc::SO_TIMESTAMP_NEW {
        frac.saturating_mul(1000)
    } else {
        frac
    };
    Ok(rmsg_timestamp { sec, nsec })
}

/// `SO_TIMESTAMPING` and `SO_TIMESTAMPING_NEW`: three `timespec`s.
#[inline]
pub fn timestamping(raw: Raw<'_>) -> Result<rmsg_timestamping> {
    let d = raw.expect(RMSG_KIND_TIMESTAMPING)?;
    let wide = raw.cmsg_type == libc::SO_TIMESTAMPING_NEW || d.len() >= 48;
    let step = if wide { 16 } else { 8 };
    let mut ts = [rmsg_timestamp::default(); 3];
    for (n, t) in ts.iter_mut().enumerate() {
        let (sec, nsec) = time_pair(d, n * step, wide)?;
        *t = rmsg_timestamp { sec, nsec };
    }
    Ok(rmsg_timestamping {
        software: ts[0],
        legacy: ts[1],
        hardware: ts[2],
    })
}

/// `SO_RXQ_OVFL`: packets dropped before this one.
#[inline]
pub fn rxq_ovfl(raw: Raw<'_>) -> Result<u32> {
    let d = raw.expect(RMSG_KIND_RXQ_OVFL)?;
    u32_at(d, 0)
}

/// The packet's mark, sent when `SO_RCVMARK` is set. Linux sends it with
/// type `SO_MARK` (36), not `SO_RCVMARK`; both are accepted.
#[inline]
pub fn mark(raw: Raw<'_>) -> Result<u32> {
    let d = raw.expect(RMSG_KIND_MARK)?;
    u32_at(d, 0)
}

/// `SCM_TIMESTAMPING_PKTINFO`.
#[inline]
pub fn ts_pktinfo(raw: Raw<'_>) -> Result<rmsg_ts_pktinfo> {
    let d = at_least(raw.expect(RMSG_KIND_TS_PKTINFO)?, 8)?;
    Ok(rmsg_ts_pktinfo {
        ifindex: u32_at(d, 0)?,
        pkt_length: u32_at(d, 4)?,
    })
}

/// `IP_PKTINFO`.
#[inline]
pub fn ip_pktinfo(raw: Raw<'_>) -> Result<rmsg_ip_pktinfo> {
    let d = at_least(raw.expect(RMSG_KIND_IP_PKTINFO)?, 12)?;
    Ok(rmsg_ip_pktinfo {
        ifindex: i32_at(d, 0)?,
        spec_dst: inet_at(d, 4)?,
        addr: inet_at(d, 8)?,
    })
}

/// `IP_TTL`: an `int` on Linux (a byte accepted too).
#[inline]
pub fn ip_ttl(raw: Raw<'_>) -> Result<i32> {
    int_or_byte(raw.expect(RMSG_KIND_IP_TTL)?)
}

#[inline(always)]
fn traffic_class(v: i32) -> rmsg_traffic_class {
    let value = v as u8;
    rmsg_traffic_class {
        value,
        dscp: value >> 2,
        ecn: value & 3,
    }
}

/// `IP_TOS`: one byte on Linux (an `int` accepted too).
#[inline]
pub fn ip_tos(raw: Raw<'_>) -> Result<rmsg_traffic_class> {
    Ok(traffic_class(int_or_byte(raw.expect(RMSG_KIND_IP_TOS)?)?))
}

/// `IP_RECVERR` and `IPV6_RECVERR`.
#[inline]
pub fn extended_error(raw: Raw<'_>) -> Result<rmsg_extended_error> {
    let d = raw.expect(RMSG_KIND_RECVERR)?;
    let hdr = size_of::<libc::sock_extended_err>();
    let mut e = rmsg_extended_error {
        ee_errno: u32_at(d, 0)?,
        ee_origin: bytes::<1>(d, 4)?[0],
        ee_type: bytes::<1>(d, 5)?[0],
        ee_code: bytes::<1>(d, 6)?[0],
        ee_info: u32_at(d, 8)?,
        ee_data: u32_at(d, 12)?,
        ..Default::default()
    };
    let rest = d.get(hdr..).unwrap_or(&[]);
    if let Some(a) = rmsg_inet_address::from_sockaddr(rest) {
        e.offender_family = libc::AF_INET;
        e.offender = a;
    } else if let Some(a) = rmsg_inet6_address::from_sockaddr(rest) {
        e.offender_family = libc::AF_INET6;
        e.offender6 = a;
    }
    Ok(e)
}

/// An original destination address (`IP_ORIGDSTADDR`,
/// `IPV6_ORIGDSTADDR`): a whole `sockaddr_in` or `sockaddr_in6`.
#[inline(always)]
fn origdstaddr<A: InetSockaddr>(data: &[u8]) -> Result<A> {
    if data.len() < A::SOCKADDR_LEN {
        return Err(short());
    }
    A::from_sockaddr(data).ok_or(Error::new(RMSG_ERR_WRONG_FAMILY))
}

/// `IP_ORIGDSTADDR`: a `sockaddr_in`.
#[inline]
pub fn ip_origdstaddr(raw: Raw<'_>) -> Result<rmsg_inet_address> {
    origdstaddr(raw.expect(RMSG_KIND_IP_ORIGDSTADDR)?)
}

/// `IP_RECVFRAGSIZE` and `IPV6_RECVFRAGSIZE`: an `int`.
#[inline]
pub fn fragsize(raw: Raw<'_>) -> Result<u32> {
    u32_at(raw.expect(RMSG_KIND_FRAGSIZE)?, 0)
}

/// `IPV6_PKTINFO`.
#[inline]
pub fn ipv6_pktinfo(raw: Raw<'_>) -> Result<rmsg_ipv6_pktinfo> {
    let d = at_least(raw.expect(RMSG_KIND_IPV6_PKTINFO)?, 20)?;
    Ok(rmsg_ipv6_pktinfo {
        ifindex: i32_at(d, 16)?,
        addr: inet6_at(d, 0)?,
    })
}

/// `IPV6_HOPLIMIT`: an `int`.
#[inline]
pub fn ipv6_hoplimit(raw: Raw<'_>) -> Result<i32> {
    int_or_byte(raw.expect(RMSG_KIND_IPV6_HOPLIMIT)?)
}

/// `IPV6_TCLASS`: an `int` (a byte accepted too).
#[inline]
pub fn ipv6_tclass(raw: Raw<'_>) -> Result<rmsg_traffic_class> {
    Ok(traffic_class(int_or_byte(
        raw.expect(RMSG_KIND_IPV6_TCLASS)?,
    )?))
}

/// `IPV6_ORIGDSTADDR`: a `sockaddr_in6`.
#[inline]
pub fn ipv6_origdstaddr(raw: Raw<'_>) -> Result<rmsg_inet6_address> {
    origdstaddr(raw.expect(RMSG_KIND_IPV6_ORIGDSTADDR)?)
}

/// `IPV6_PATHMTU`: `struct ip6_mtuinfo`.
#[inline]
pub fn ipv6_pathmtu(raw: Raw<'_>) -> Result<rmsg_ipv6_mtuinfo> {
    let d = raw.expect(RMSG_KIND_IPV6_PATHMTU)?;
    let sa = rmsg_inet6_address::SOCKADDR_LEN;
    let mtu = u32_at(d, sa)?;
    let addr = rmsg_inet6_address::from_sockaddr(d).unwrap_or_default();
    Ok(rmsg_ipv6_mtuinfo { addr, mtu })
}

/// `UDP_GRO`: the segment size, an `int` on receive (a `uint16_t`, the
/// send-side width, accepted too).
#[cfg(target_os = "linux")]
#[inline]
pub fn udp_gro(raw: Raw<'_>) -> Result<u32> {
    let d = raw.expect(RMSG_KIND_UDP_GRO)?;
    match d.len() {
        2 | 3 => Ok(u32::from(u16::from_ne_bytes(bytes(d, 0)?))),
        _ => u32_at(d, 0),
    }
}

/// `TLS_GET_RECORD_TYPE`: one byte.
#[cfg(target_os = "linux")]
#[inline]
pub fn tls_record_type(raw: Raw<'_>) -> Result<u8> {
    let d = raw.expect(RMSG_KIND_TLS_RECORD_TYPE)?;
    Ok(bytes::<1>(d, 0)?[0])
}

/// `SCM_INQ` and `TCP_CM_INQ`: an `int`, the bytes left to read.
#[inline]
pub fn inq(raw: Raw<'_>) -> Result<u32> {
    u32_at(raw.expect(RMSG_KIND_INQ)?, 0)
}

#[inline(always)]
fn u16_at(data: &[u8], off: usize) -> Result<u16> {
    Ok(u16::from_ne_bytes(bytes(data, off)?))
}

/// `PACKET_AUXDATA`: `struct tpacket_auxdata`.
#[inline]
pub fn packet_auxdata(raw: Raw<'_>) -> Result<rmsg_packet_auxdata> {
    let d = at_least(raw.expect(RMSG_KIND_PACKET_AUXDATA)?, 20)?;
    Ok(rmsg_packet_auxdata {
        status: u32_at(d, 0)?,
        len: u32_at(d, 4)?,
        snaplen: u32_at(d, 8)?,
        mac: u16_at(d, 12)?,
        net: u16_at(d, 14)?,
        vlan_tci: u16_at(d, 16)?,
        vlan_tpid: u16_at(d, 18)?,
    })
}

/// `NETLINK_PKTINFO`: `struct nl_pktinfo`, the destination group.
#[inline]
pub fn netlink_pktinfo(raw: Raw<'_>) -> Result<u32> {
    u32_at(raw.expect(RMSG_KIND_NETLINK_PKTINFO)?, 0)
}

/// `NETLINK_LISTEN_ALL_NSID`: an `int`, the namespace id.
#[inline]
pub fn netlink_nsid(raw: Raw<'_>) -> Result<i32> {
    i32_at(raw.expect(RMSG_KIND_NETLINK_NSID)?, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_family_items() {
        let v = 7i32.to_ne_bytes();
        assert_eq!(inq(r(libc::SOL_SOCKET, crate::linux::SO_INQ, &v)), Ok(7));
        assert_eq!(inq(r(libc::SOL_TCP, libc::TCP_CM_INQ, &v)), Ok(7));
        assert!(inq(r(libc::SOL_TCP, libc::TCP_CM_INQ, &v[..3])).is_err());
        let level = crate::linux::RMSG_SOL_NETLINK;
        let g = netlink_pktinfo(r(level, crate::linux::RMSG_NETLINK_PKTINFO, &v));
        assert_eq!(g, Ok(7));
        let n = netlink_nsid(r(level, crate::linux::RMSG_NETLINK_LISTEN_ALL_NSID, &v));
        assert_eq!(n, Ok(7));
        let e = netlink_nsid(r(level, crate::linux::RMSG_NETLINK_PKTINFO, &v)).unwrap_err();
        assert_eq!(e.status, RMSG_ERR_WRONG_KIND);
        let mut a = Vec::new();
        for w in [0x90u32, 60, 42] {
            a.extend_from_slice(&w.to_ne_bytes());
        }
        for h in [0u16, 14, 0x2005, 0x8100] {
            a.extend_from_slice(&h.to_ne_bytes());
        }
        let (level, ty) = (
            crate::linux::RMSG_SOL_PACKET,
            crate::linux::RMSG_PACKET_AUXDATA,
        );
        let x = packet_auxdata(r(level, ty, &a)).unwrap();
        assert_eq!((x.status, x.len, x.snaplen), (0x90, 60, 42));
        assert_eq!(
            (x.mac, x.net, x.vlan_tci, x.vlan_tpid),
            (0, 14, 0x2005, 0x8100)
        );
        let e = packet_auxdata(r(level, ty, &a[..19])).unwrap_err();
        assert_eq!(e.status, RMSG_ERR_SHORT_ITEM);
    }

    fn r(level: c_int, kind: c_int, data: &[u8]) -> Raw<'_> {
        Raw::new(level, kind, data)
    }

    #[test]
    fn credentials_by_length() {
        let mut d = Vec::new();
        d.extend_from_slice(&42i32.to_ne_bytes());
        d.extend_from_slice(&1000u32.to_ne_bytes());
        d.extend_from_slice(&100u32.to_ne_bytes());
        let c = credentials(r(libc::SOL_SOCKET, libc::SCM_CREDENTIALS, &d)).unwrap();
        assert_eq!((c.pid, c.uid, c.gid), (42, 1000, 100));
        let e = credentials(r(libc::SOL_SOCKET, libc::SCM_CREDENTIALS, &d[..11])).unwrap_err();
        assert_eq!(e.status, RMSG_ERR_SHORT_ITEM);
        let e = credentials(r(libc::IPPROTO_IP, libc::SCM_CREDENTIALS, &d)).unwrap_err();
        assert_eq!(e.status, RMSG_ERR_WRONG_KIND);
    }

    #[test]
    fn timestamps_both_widths() {
        let mut wide = Vec::new();
        wide.extend_from_slice(&5i64.to_ne_bytes());
        wide.extend_from_slice(&7i64.to_ne_bytes());
        let t = timestamp(r(libc::SOL_SOCKET, libc::SO_TIMESTAMP_NEW, &wide)).unwrap();
        assert_eq!((t.sec, t.nsec), (5, 7000));
        let t = timestamp(r(libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, &wide)).unwrap();
        assert_eq!((t.sec, t.nsec), (5, 7));
        let mut narrow = Vec::new();
        narrow.extend_from_slice(&5i32.to_ne_bytes());
        narrow.extend_from_slice(&7i32.to_ne_bytes());
        let t = timestamp(r(libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, &narrow)).unwrap();
        assert_eq!((t.sec, t.nsec), (5, 7));
        let e = timestamp(r(libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, &narrow[..7])).unwrap_err();
        assert_eq!(e.status, RMSG_ERR_SHORT_ITEM);
        // _NEW is always 64-bit: 8 bytes are too short, not a 32-bit pair.
        let e = timestamp(r(libc::SOL_SOCKET, libc::SO_TIMESTAMPNS_NEW, &narrow)).unwrap_err();
        assert_eq!(e.status, RMSG_ERR_SHORT_ITEM);
        let mut three = Vec::new();
        for v in 1..=6i64 {
            three.extend_from_slice(&v.to_ne_bytes());
        }
        let t = timestamping(r(libc::SOL_SOCKET, libc::SO_TIMESTAMPING, &three)).unwrap();
        assert_eq!((t.hardware.sec, t.hardware.nsec), (5, 6));
        let e = timestamping(r(libc::SOL_SOCKET, libc::SO_TIMESTAMPING, &three[..20])).unwrap_err();
        assert_eq!(e.status, RMSG_ERR_SHORT_ITEM);
    }

    #[test]
    fn ttl_and_tos_widths() {
        let t = ip_ttl(r(libc::IPPROTO_IP, libc::IP_TTL, &64i32.to_ne_bytes())).unwrap();
        assert_eq!(t, 64);
        assert_eq!(ip_ttl(r(libc::IPPROTO_IP, libc::IP_TTL, &[9])).unwrap(), 9);
        assert!(ip_ttl(r(libc::IPPROTO_IP, libc::IP_TTL, &[9, 9])).is_err());
        let c = ip_tos(r(libc::IPPROTO_IP, libc::IP_TOS, &[0xb9])).unwrap();
        assert_eq!((c.value, c.dscp, c.ecn), (0xb9, 0x2e, 1));
        let c = ipv6_tclass(r(
            libc::IPPROTO_IPV6,
            libc::IPV6_TCLASS,
            &3i32.to_ne_bytes(),
        ))
        .unwrap();
        assert_eq!((c.value, c.dscp, c.ecn), (3, 0, 3));
    }

    #[test]
    fn extended_error_with_and_without_offender() {
        let mut d = Vec::new();
        d.extend_from_slice(&111u32.to_ne_bytes());
        d.extend_from_slice(&[2, 3, 3, 0]);
        d.extend_from_slice(&0u32.to_ne_bytes());
        d.extend_from_slice(&0u32.to_ne_bytes());
        let e = extended_error(r(libc::IPPROTO_IP, libc::IP_RECVERR, &d)).unwrap();
        assert_eq!(
            (e.ee_errno, e.ee_origin, e.ee_type, e.ee_code),
            (111, 2, 3, 3)
        );
        assert_eq!(e.offender_family, 0);
        // SAFETY: plain data.
        let mut sin: libc::sockaddr_in = unsafe { std::mem::zeroed() };
        sin.sin_family = libc::AF_INET as libc::sa_family_t;
        sin.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
        d.extend_from_slice(crate::ptr::bytes_of(&sin));
        let e = extended_error(r(libc::IPPROTO_IP, libc::IP_RECVERR, &d)).unwrap();
        assert_eq!(e.offender_family, libc::AF_INET);
        assert_eq!(e.offender.addr, [127, 0, 0, 1]);
        // Cut offender: no offender, no error.
        let e = extended_error(r(libc::IPPROTO_IP, libc::IP_RECVERR, &d[..20])).unwrap();
        assert_eq!(e.offender_family, 0);
        assert!(extended_error(r(libc::IPPROTO_IP, libc::IP_RECVERR, &d[..15])).is_err());
    }

    #[test]
    fn every_decoder_survives_every_short_length() {
        let buf = [0xffu8; 64];
        let kinds: &[(c_int, c_int)] = &[
            (libc::SOL_SOCKET, libc::SCM_CREDENTIALS),
            (libc::SOL_SOCKET, libc::SO_TIMESTAMPING_NEW),
            (libc::IPPROTO_IP, libc::IP_RECVERR),
            (libc::IPPROTO_IPV6, libc::IPV6_PATHMTU),
            (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO),
            (libc::IPPROTO_IP, libc::IP_PKTINFO),
            (
                crate::linux::RMSG_SOL_PACKET,
                crate::linux::RMSG_PACKET_AUXDATA,
            ),
            (libc::SOL_TCP, libc::TCP_CM_INQ),
            (
                crate::linux::RMSG_SOL_NETLINK,
                crate::linux::RMSG_NETLINK_PKTINFO,
            ),
        ];
        for &(level, kind) in kinds {
            for n in 0..=buf.len() {
                let raw = r(level, kind, &buf[..n]);
                let _ = credentials(raw);
                let _ = timestamping(raw);
                let _ = extended_error(raw);
                let _ = ipv6_pathmtu(raw);
                let _ = ipv6_pktinfo(raw);
                let _ = ip_pktinfo(raw);
                let _ = packet_auxdata(raw);
                let _ = inq(raw);
                let _ = netlink_pktinfo(raw);
                let _ = netlink_nsid(raw);
            }
        }
    }
}
