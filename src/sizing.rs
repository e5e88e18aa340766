//! Control-buffer sizing: the room a set of expected control messages
//! needs, from a list of kinds or from the receive options enabled on a
//! socket (the safe core; the C shims are in `ffi::sizing`).

use std::ffi::c_int;
use std::mem::size_of;

use crate::cmsg;
use crate::fds;
use crate::kinds::{self, Enable, Opt};
use crate::status::{Error, Result, rmsg_status::*};

#[cfg(target_os = "linux")]
use crate::linux::*;

/// Bytes reserved for an `SCM_SECURITY` label (the label's length depends
/// on the security module and policy; add more if yours are longer).
pub const RMSG_SECURITY_LABEL_SPACE: usize = 256;
/// Bytes reserved for `SCM_TIMESTAMPING_OPT_STATS` (TCP statistics as
/// netlink attributes; Linux 6.x sends well under this).
pub const RMSG_OPT_STATS_SPACE: usize = 1024;

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

    fn add_kind(&mut self, level: c_int, cmsg_type: c_int) -> Result<()> {
        let size = kinds::payload_size(level, cmsg_type);
        self.add(size.ok_or(Error::new(RMSG_ERR_UNKNOWN_KIND))?)
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

/// The control-buffer size for the receive options enabled on socket `fd`,
/// plus room for `max_fds` descriptors: every row of the registry whose
/// option is set on the socket (and whose level applies to it) is sized.
#[cfg(target_os = "linux")]
pub fn space_for_socket(fd: c_int, max_fds: usize) -> Result<usize> {
    fds::check_fd(fd)?;
    let domain = match int_opt(fd, libc::SOL_SOCKET, libc::SO_DOMAIN) {
        Some(d) => d,
        None => return Err(Error::last_os_error()),
    };
    let protocol = int_opt(fd, libc::SOL_SOCKET, libc::SO_PROTOCOL).unwrap_or(0);
    let inet = domain == libc::AF_INET || domain == libc::AF_INET6;
    // Which levels' options a socket of this domain and protocol has.
    // IPv4 options also apply to IPv4 packets on a dual-stack IPv6
    // socket; IPv6 ones only to IPv6 sockets.
    let applies = |level: c_int| match level {
        libc::SOL_SOCKET => true,
        libc::IPPROTO_IP => inet,
        libc::IPPROTO_IPV6 => domain == libc::AF_INET6,
        RMSG_SOL_UDP => inet && protocol == libc::IPPROTO_UDP,
        libc::SOL_TCP => inet && protocol == libc::IPPROTO_TCP,
        RMSG_SOL_PACKET => domain == libc::AF_PACKET,
        RMSG_SOL_NETLINK => domain == libc::AF_NETLINK,
        _ => false,
    };
    let on = |o: &Opt| applies(o.level) && enabled(fd, o.level, o.name);
    let tsflags = int_opt(fd, libc::SOL_SOCKET, libc::SO_TIMESTAMPING).unwrap_or(0) as u32;
    // Transmit stamps arrive on the error queue with an extended error of
    // the socket's own family.
    let tx = libc::SOF_TIMESTAMPING_TX_HARDWARE
        | libc::SOF_TIMESTAMPING_TX_SOFTWARE
        | libc::SOF_TIMESTAMPING_TX_SCHED
        | libc::SOF_TIMESTAMPING_TX_ACK;
    // So do MSG_ZEROCOPY completions, on a socket with SO_ZEROCOPY.
    let zerocopy = enabled(fd, libc::SOL_SOCKET, SO_ZEROCOPY);
    let tx_family = if tsflags & tx != 0 || zerocopy {
        domain
    } else {
        -1
    };
    let mut s = Space::default();
    for row in kinds::ROWS {
        let wanted = match &row.enable {
            Enable::Unreported(o) => on(o) || unreported_on_unix_stream(fd, domain, o),
            Enable::Opt(o) => on(o),
            Enable::Either(a, b) => on(a) || on(b),
            Enable::Timestamping(flag) => tsflags != 0 && (*flag == 0 || tsflags & flag != 0),
            Enable::ErrorQueue(o) => {
                let family = if o.level == libc::IPPROTO_IP {
                    libc::AF_INET
                } else {
                    libc::AF_INET6
                };
                on(o) || (applies(o.level) && tx_family == family)
            }
            Enable::TlsUlp => protocol == libc::IPPROTO_TCP && tls_ulp(fd),
            Enable::Sender | Enable::Alias(_) | Enable::Never => false,
        };
        if wanted {
            s.add_kind(row.level, row.cmsg_type)?;
        }
    }
    s.add_fds(max_fds)?;
    Ok(s.0)
}

/// Whether option `o` may be set on an `AF_UNIX` stream or seqpacket
/// socket without `getsockopt` being able to say so (see
/// [`Enable::Unreported`]).
#[cfg(target_os = "linux")]
fn unreported_on_unix_stream(fd: c_int, domain: c_int, o: &Opt) -> bool {
    if domain != libc::AF_UNIX {
        return false;
    }
    let ty = int_opt(fd, libc::SOL_SOCKET, libc::SO_TYPE).unwrap_or(0);
    (ty == libc::SOCK_STREAM || ty == libc::SOCK_SEQPACKET)
        && int_opt(fd, o.level, o.name).is_none()
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
