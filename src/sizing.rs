//! Control-buffer sizing: the room a set of expected control messages
//! needs, from a list of kinds or from the receive options enabled on a
//! socket (the safe core; the C shims are in `ffi::sizing`).

use std::ffi::c_int;
use std::mem::size_of;

use crate::cmsg;
use crate::status::{Error, Result, rmsg_status::*};

#[cfg(target_os = "linux")]
use crate::linux::*;

/// Bytes reserved for an `SCM_SECURITY` label (the label's length depends
/// on the security module and policy; add more if yours are longer).
pub const RMSG_SECURITY_LABEL_SPACE: usize = 256;
/// Bytes reserved for `SCM_TIMESTAMPING_OPT_STATS` (TCP statistics as
/// netlink attributes; Linux 6.x sends well under this).
pub const RMSG_OPT_STATS_SPACE: usize = 1024;
/// Bytes reserved for `IP_RETOPTS`/`IP_OPTIONS` (the IPv4 maximum).
const IP_OPTIONS_SPACE: usize = 40;

/// A control-message kind: a `(cmsg_level, cmsg_type)` pair, for
/// `rmsg_control_space`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct rmsg_cmsg_kind {
    /// `cmsg_level` (`SOL_SOCKET`, `IPPROTO_IP` ...).
    pub cmsg_level: i32,
    /// `cmsg_type` (`SCM_CREDENTIALS`, `IP_TTL` ...).
    pub cmsg_type: i32,
}

/// Size of `struct timeval`/`timespec` with the wider of the `_OLD` and
/// `_NEW` layouts (two 64-bit fields in `_NEW`).
const TIME_PAIR: usize = 16;

/// The largest data length the kernel sends for a kind (for timestamps: the
/// larger of the `_OLD` and `_NEW` layouts). `None` for kinds rmsg does not
/// know; `SCM_RIGHTS` is sized separately.
pub fn payload_size(level: c_int, kind: c_int) -> Option<usize> {
    let ext_err = size_of::<libc::sock_extended_err>();
    let v = match (level, kind) {
        (libc::SOL_SOCKET, libc::SCM_CREDENTIALS) => size_of::<libc::ucred>(),
        #[cfg(target_os = "linux")]
        (libc::SOL_SOCKET, RMSG_SCM_PIDFD) => size_of::<c_int>(),
        #[cfg(target_os = "linux")]
        (libc::SOL_SOCKET, RMSG_SCM_SECURITY) => RMSG_SECURITY_LABEL_SPACE,
        (libc::SOL_SOCKET, libc::SO_TIMESTAMP | libc::SO_TIMESTAMP_NEW) => TIME_PAIR,
        (libc::SOL_SOCKET, libc::SO_TIMESTAMPNS | libc::SO_TIMESTAMPNS_NEW) => TIME_PAIR,
        (libc::SOL_SOCKET, libc::SO_TIMESTAMPING | libc::SO_TIMESTAMPING_NEW) => 3 * TIME_PAIR,
        (libc::SOL_SOCKET, libc::SO_RXQ_OVFL | libc::SO_MARK | libc::SO_RCVMARK) => {
            size_of::<u32>()
        }
        (libc::SOL_SOCKET, libc::SCM_TIMESTAMPING_PKTINFO) => 4 * size_of::<u32>(),
        (libc::SOL_SOCKET, libc::SCM_TIMESTAMPING_OPT_STATS) => RMSG_OPT_STATS_SPACE,
        (libc::IPPROTO_IP, libc::IP_PKTINFO) => size_of::<libc::in_pktinfo>(),
        (libc::IPPROTO_IP, libc::IP_TTL | libc::IP_RECVFRAGSIZE) => size_of::<c_int>(),
        (libc::IPPROTO_IP, libc::IP_TOS) => 1,
        (libc::IPPROTO_IP, libc::IP_RECVERR) => ext_err + size_of::<libc::sockaddr_in>(),
        (libc::IPPROTO_IP, libc::IP_ORIGDSTADDR) => size_of::<libc::sockaddr_in>(),
        (libc::IPPROTO_IP, libc::IP_RETOPTS | libc::IP_OPTIONS) => IP_OPTIONS_SPACE,
        (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO) => size_of::<libc::in6_pktinfo>(),
        (libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT | libc::IPV6_TCLASS | libc::IPV6_RECVFRAGSIZE) => {
            size_of::<c_int>()
        }
        (libc::IPPROTO_IPV6, libc::IPV6_RECVERR) => ext_err + size_of::<libc::sockaddr_in6>(),
        (libc::IPPROTO_IPV6, libc::IPV6_ORIGDSTADDR) => size_of::<libc::sockaddr_in6>(),
        (libc::IPPROTO_IPV6, libc::IPV6_PATHMTU) => {
            size_of::<libc::sockaddr_in6>() + size_of::<u32>()
        }
        #[cfg(target_os = "linux")]
        (RMSG_SOL_UDP, RMSG_UDP_GRO) => size_of::<c_int>(),
        #[cfg(target_os = "linux")]
        (RMSG_SOL_TLS, RMSG_TLS_GET_RECORD_TYPE) => 1,
        _ => return None,
    };
    Some(v)
}

/// Accumulates `CMSG_SPACE` values with overflow checks.
#[derive(Debug, Default)]
struct Space(usize);

impl Space {
    fn add(&mut self, payload: usize) -> Result<()> {
        let too_large = || Error::new(RMSG_ERR_TOO_LARGE);
        let s = cmsg::cmsg_space(payload).ok_or_else(too_large)?;
        self.0 = self.0.checked_add(s).ok_or_else(too_large)?;
        if self.0 > cmsg::SOCKLEN_MAX {
            return Err(too_large());
        }
        Ok(())
    }

    fn add_kind(&mut self, level: c_int, kind: c_int) -> Result<()> {
        self.add(payload_size(level, kind).ok_or(Error::new(RMSG_ERR_UNKNOWN_KIND))?)
    }

    fn add_fds(&mut self, max_fds: usize) -> Result<()> {
        if max_fds == 0 {
            return Ok(());
        }
        let n = max_fds
            .checked_mul(size_of::<c_int>())
            .ok_or(Error::new(RMSG_ERR_TOO_LARGE))?;
        self.add(n)
    }
}

/// The control-buffer size for the listed kinds plus one `SCM_RIGHTS` item
/// of up to `max_fds` descriptors. `SCM_RIGHTS` entries in `kinds` are
/// accepted and sized by `max_fds` only.
pub fn space_for_kinds(kinds: &[rmsg_cmsg_kind], max_fds: usize) -> Result<usize> {
    let mut s = Space::default();
    for k in kinds {
        if k.cmsg_level == libc::SOL_SOCKET && k.cmsg_type == libc::SCM_RIGHTS {
            continue;
        }
        s.add_kind(k.cmsg_level, k.cmsg_type)?;
    }
    s.add_fds(max_fds)?;
    Ok(s.0)
}

/// Reads an `int` socket option; `None` when the socket does not have it
/// (`ENOPROTOOPT`, `EINVAL`, `EOPNOTSUPP` ...).
fn int_opt(fd: c_int, level: c_int, name: c_int) -> Option<c_int> {
    let mut v: c_int = 0;
    let mut len = size_of::<c_int>() as libc::socklen_t;
    // SAFETY: v and len are valid for writing; the kernel writes at most len bytes.
    let r = unsafe { libc::getsockopt(fd, level, name, (&mut v as *mut c_int).cast(), &mut len) };
    (r == 0).then_some(v)
}

fn enabled(fd: c_int, level: c_int, name: c_int) -> bool {
    int_opt(fd, level, name).is_some_and(|v| v != 0)
}

/// The receive options of IP sockets that each enable one kind of item:
/// `(level, option, type of the item)`.
const IP_RECEIVE_OPTIONS: [(c_int, c_int, c_int); 13] = [
    (libc::IPPROTO_IP, libc::IP_PKTINFO, libc::IP_PKTINFO),
    (libc::IPPROTO_IP, libc::IP_RECVTTL, libc::IP_TTL),
    (libc::IPPROTO_IP, libc::IP_RECVTOS, libc::IP_TOS),
    (
        libc::IPPROTO_IP,
        libc::IP_RECVORIGDSTADDR,
        libc::IP_ORIGDSTADDR,
    ),
    (
        libc::IPPROTO_IP,
        libc::IP_RECVFRAGSIZE,
        libc::IP_RECVFRAGSIZE,
    ),
    (libc::IPPROTO_IP, RMSG_IP_RECVRETOPTS, libc::IP_RETOPTS),
    (libc::IPPROTO_IP, libc::IP_RECVOPTS, libc::IP_OPTIONS),
    (
        libc::IPPROTO_IPV6,
        libc::IPV6_RECVPKTINFO,
        libc::IPV6_PKTINFO,
    ),
    (
        libc::IPPROTO_IPV6,
        libc::IPV6_RECVHOPLIMIT,
        libc::IPV6_HOPLIMIT,
    ),
    (libc::IPPROTO_IPV6, libc::IPV6_RECVTCLASS, libc::IPV6_TCLASS),
    (
        libc::IPPROTO_IPV6,
        libc::IPV6_RECVORIGDSTADDR,
        libc::IPV6_ORIGDSTADDR,
    ),
    (
        libc::IPPROTO_IPV6,
        libc::IPV6_RECVPATHMTU,
        libc::IPV6_PATHMTU,
    ),
    (
        libc::IPPROTO_IPV6,
        libc::IPV6_RECVFRAGSIZE,
        libc::IPV6_RECVFRAGSIZE,
    ),
];

/// The control-buffer size for the receive options enabled on socket `fd`,
/// plus room for `max_fds` descriptors.
#[cfg(target_os = "linux")]
pub fn space_for_socket(fd: c_int, max_fds: usize) -> Result<usize> {
    if fd < 0 {
        return Err(Error::new(RMSG_ERR_BAD_FD));
    }
    let domain = match int_opt(fd, libc::SOL_SOCKET, libc::SO_DOMAIN) {
        Some(d) => d,
        None => return Err(Error::last_os_error()),
    };
    let protocol = int_opt(fd, libc::SOL_SOCKET, libc::SO_PROTOCOL).unwrap_or(0);
    let mut s = Space::default();
    let sol = libc::SOL_SOCKET;
    if enabled(fd, sol, libc::SO_PASSCRED) {
        s.add_kind(sol, libc::SCM_CREDENTIALS)?;
    }
    if enabled(fd, sol, RMSG_SO_PASSPIDFD) {
        s.add_kind(sol, RMSG_SCM_PIDFD)?;
    }
    if enabled(fd, sol, libc::SO_PASSSEC) {
        s.add_kind(sol, RMSG_SCM_SECURITY)?;
    }
    // getsockopt(SO_TIMESTAMP) reports only the old layout and
    // SO_TIMESTAMP_NEW only the new one; both are sized alike.
    if enabled(fd, sol, libc::SO_TIMESTAMP) || enabled(fd, sol, libc::SO_TIMESTAMP_NEW) {
        s.add_kind(sol, libc::SO_TIMESTAMP_NEW)?;
    }
    if enabled(fd, sol, libc::SO_TIMESTAMPNS) || enabled(fd, sol, libc::SO_TIMESTAMPNS_NEW) {
        s.add_kind(sol, libc::SO_TIMESTAMPNS_NEW)?;
    }
    let tsflags = int_opt(fd, sol, libc::SO_TIMESTAMPING).unwrap_or(0) as u32;
    let mut error_queue = false;
    if tsflags != 0 {
        s.add_kind(sol, libc::SO_TIMESTAMPING_NEW)?;
        if tsflags & libc::SOF_TIMESTAMPING_OPT_PKTINFO != 0 {
            s.add_kind(sol, libc::SCM_TIMESTAMPING_PKTINFO)?;
        }
        if tsflags & libc::SOF_TIMESTAMPING_OPT_STATS != 0 {
            s.add_kind(sol, libc::SCM_TIMESTAMPING_OPT_STATS)?;
        }
        let tx = libc::SOF_TIMESTAMPING_TX_HARDWARE
            | libc::SOF_TIMESTAMPING_TX_SOFTWARE
            | libc::SOF_TIMESTAMPING_TX_SCHED
            | libc::SOF_TIMESTAMPING_TX_ACK;
        error_queue = tsflags & tx != 0;
    }
    if enabled(fd, sol, libc::SO_RXQ_OVFL) {
        s.add_kind(sol, libc::SO_RXQ_OVFL)?;
    }
    if enabled(fd, sol, libc::SO_RCVMARK) {
        // Delivered with type SO_MARK.
        s.add_kind(sol, libc::SO_MARK)?;
    }
    if domain == libc::AF_INET || domain == libc::AF_INET6 {
        // IPv4 options also apply to IPv4 packets on a dual-stack IPv6
        // socket; IPv6 ones only to IPv6 sockets.
        for &(level, opt, kind) in IP_RECEIVE_OPTIONS.iter() {
            if (level == libc::IPPROTO_IP || domain == libc::AF_INET6) && enabled(fd, level, opt) {
                s.add_kind(level, kind)?;
            }
        }
        // Transmit stamps arrive on the error queue with an extended error.
        let ip = libc::IPPROTO_IP;
        if enabled(fd, ip, libc::IP_RECVERR) || (error_queue && domain == libc::AF_INET) {
            s.add_kind(ip, libc::IP_RECVERR)?;
        }
        let v6 = libc::IPPROTO_IPV6;
        if domain == libc::AF_INET6 && (enabled(fd, v6, libc::IPV6_RECVERR) || error_queue) {
            s.add_kind(v6, libc::IPV6_RECVERR)?;
        }
    }
    if protocol == libc::IPPROTO_UDP && enabled(fd, RMSG_SOL_UDP, RMSG_UDP_GRO) {
        s.add_kind(RMSG_SOL_UDP, RMSG_UDP_GRO)?;
    }
    if protocol == libc::IPPROTO_TCP && tls_ulp(fd) {
        s.add_kind(RMSG_SOL_TLS, RMSG_TLS_GET_RECORD_TYPE)?;
    }
    s.add_fds(max_fds)?;
    Ok(s.0)
}

/// Whether the kernel TLS upper-layer protocol is attached to a TCP socket.
#[cfg(target_os = "linux")]
fn tls_ulp(fd: c_int) -> bool {
    let mut name = [0u8; 16];
    let mut len = name.len() as libc::socklen_t;
    // SAFETY: name and len are valid for writing; the kernel writes at most len bytes.
    let r = unsafe {
        libc::getsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_ULP,
            name.as_mut_ptr().cast(),
            &mut len,
        )
    };
    r == 0 && name.starts_with(b"tls")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_sum_cmsg_space() {
        let kinds = [
            rmsg_cmsg_kind {
                cmsg_level: libc::IPPROTO_IP,
                cmsg_type: libc::IP_TTL,
            },
            rmsg_cmsg_kind {
                cmsg_level: libc::SOL_SOCKET,
                cmsg_type: libc::SO_TIMESTAMP,
            },
        ];
        let want = cmsg::cmsg_space(4).unwrap() + cmsg::cmsg_space(16).unwrap();
        assert_eq!(space_for_kinds(&kinds, 0), Ok(want));
        let fds = cmsg::cmsg_space(12).unwrap();
        assert_eq!(space_for_kinds(&kinds, 3), Ok(want + fds));
        let bad = [rmsg_cmsg_kind {
            cmsg_level: 12345,
            cmsg_type: 1,
        }];
        assert_eq!(
            space_for_kinds(&bad, 0).unwrap_err().status,
            RMSG_ERR_UNKNOWN_KIND
        );
        assert_eq!(
            space_for_kinds(&[], usize::MAX).unwrap_err().status,
            RMSG_ERR_TOO_LARGE
        );
    }
}
