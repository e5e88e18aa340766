//! The control-message builder: the safe core behind `rmsg_cmsg_builder_*`.
//! It encodes each item the way the kernel expects it on the *send* side
//! (widths differ from what the receive side reports) into an 8-byte
//! aligned buffer laid out with `CMSG_LEN`/`CMSG_SPACE`, padding zeroed.

use std::ffi::c_int;
use std::mem::size_of;

use crate::buffer::AlignedBuf;
use crate::cmsg;
use crate::linux::{
    RMSG_SCM_MAX_FD, RMSG_SOL_TLS, RMSG_SOL_UDP, RMSG_TLS_SET_RECORD_TYPE, RMSG_UDP_SEGMENT,
    SCM_TS_OPT_ID, SCM_TXTIME,
};
use crate::ptr;
use crate::status::{Error, Result, rmsg_status::*};

/// A control buffer being built (opaque to C). It holds copies of the values
/// added; for `SCM_RIGHTS` it holds the descriptor *numbers* only: it does
/// not own, duplicate or close them, and they must stay open until the
/// message is sent.
///
/// Threads: a builder may move between threads. Several threads may send
/// with one builder at once (`rmsg_sendmsg`, `rmsg_sendmmsg`,
/// `rmsg_cmsg_builder_data` and `rmsg_cmsg_builder_fd_count` take it
/// `const`); the `rmsg_cmsg_builder_add_*` functions,
/// `rmsg_cmsg_builder_reset` and `rmsg_cmsg_builder_free` need it to
/// themselves.
#[derive(Default)]
pub struct rmsg_cmsg_builder {
    /// The control buffer, aligned for `struct cmsghdr`.
    buf: AlignedBuf,
    /// Bytes of `buf` in use (a multiple of the `CMSG_ALIGN` unit).
    len: usize,
    /// Descriptors over all `SCM_RIGHTS` items so far.
    fd_count: usize,
}

impl rmsg_cmsg_builder {
    /// Forgets every item; the memory is kept for reuse.
    pub(crate) fn reset(&mut self) {
        self.len = 0;
        self.fd_count = 0;
    }

    /// The control bytes built so far (empty when nothing was added).
    pub(crate) fn bytes(&self) -> &[u8] {
        self.buf.bytes(self.len)
    }

    /// Descriptors added so far, over all `SCM_RIGHTS` items.
    pub(crate) fn fd_count(&self) -> usize {
        self.fd_count
    }

    /// Appends one item: header, data, zeroed padding up to `CMSG_SPACE`.
    /// On error the builder is unchanged.
    pub(crate) fn push(&mut self, level: c_int, kind: c_int, data: &[u8]) -> Result<()> {
        let too_large = || Error::new(RMSG_ERR_TOO_LARGE);
        let add_fds = if level == libc::SOL_SOCKET && kind == libc::SCM_RIGHTS {
            data.len() / size_of::<c_int>()
        } else {
            0
        };
        if self.fd_count + add_fds > RMSG_SCM_MAX_FD {
            return Err(Error::new(RMSG_ERR_TOO_MANY_FDS));
        }
        let len = cmsg::cmsg_len(data.len()).ok_or_else(too_large)?;
        let space = cmsg::cmsg_space(data.len()).ok_or_else(too_large)?;
        let new_len = self.len.checked_add(space).ok_or_else(too_large)?;
        if new_len > cmsg::SOCKLEN_MAX {
            return Err(too_large());
        }
        self.buf.grow(new_len)?;
        let item = &mut self.buf.bytes_mut(new_len)[self.len..];
        item.fill(0);
        // SAFETY: cmsghdr is plain data; all-zero is valid.
        let mut hdr: libc::cmsghdr = unsafe { std::mem::zeroed() };
        hdr.cmsg_len = len as _;
        hdr.cmsg_level = level;
        hdr.cmsg_type = kind;
        ptr::write_plain(item, hdr);
        let off = cmsg::data_offset();
        item[off..off + data.len()].copy_from_slice(data);
        self.len = new_len;
        self.fd_count += add_fds;
        Ok(())
    }

    /// `SCM_RIGHTS` with these descriptor numbers (not owned, not duplicated).
    /// An empty list adds nothing.
    pub(crate) fn add_fds(&mut self, fds: &[c_int]) -> Result<()> {
        if fds.is_empty() {
            return Ok(());
        }
        if fds.iter().any(|fd| *fd < 0) {
            return Err(Error::new(RMSG_ERR_BAD_FD));
        }
        if self.fd_count.saturating_add(fds.len()) > RMSG_SCM_MAX_FD {
            return Err(Error::new(RMSG_ERR_TOO_MANY_FDS));
        }
        let data: Vec<u8> = fds.iter().flat_map(|fd| fd.to_ne_bytes()).collect();
        self.push(libc::SOL_SOCKET, libc::SCM_RIGHTS, &data)
    }

    /// `SCM_CREDENTIALS`: a `struct ucred`.
    pub(crate) fn add_credentials(&mut self, pid: i32, uid: u32, gid: u32) -> Result<()> {
        let cred = libc::ucred { pid, uid, gid };
        self.push(
            libc::SOL_SOCKET,
            libc::SCM_CREDENTIALS,
            ptr::bytes_of(&cred),
        )
    }

    /// `IP_PKTINFO`: `struct in_pktinfo` with `ipi_ifindex` and
    /// `ipi_spec_dst` (the source address); `ipi_addr` is zero (the kernel
    /// ignores it on send).
    pub(crate) fn add_ip_pktinfo(&mut self, ifindex: u32, spec_dst: [u8; 4]) -> Result<()> {
        let ifindex =
            c_int::try_from(ifindex).map_err(|_| Error::new(RMSG_ERR_INVALID_ARGUMENT))?;
        let info = libc::in_pktinfo {
            ipi_ifindex: ifindex,
            ipi_spec_dst: libc::in_addr {
                s_addr: u32::from_ne_bytes(spec_dst),
            },
            ipi_addr: libc::in_addr { s_addr: 0 },
        };
        self.push(libc::IPPROTO_IP, libc::IP_PKTINFO, ptr::bytes_of(&info))
    }

    /// `IPV6_PKTINFO`: `struct in6_pktinfo` (source address, interface).
    /// The kernel's `ipi6_ifindex` is an `int`, so an index above
    /// `INT_MAX` is refused as for `IP_PKTINFO`.
    pub(crate) fn add_ipv6_pktinfo(&mut self, ifindex: u32, addr: [u8; 16]) -> Result<()> {
        if c_int::try_from(ifindex).is_err() {
            return Err(Error::new(RMSG_ERR_INVALID_ARGUMENT));
        }
        let info = libc::in6_pktinfo {
            ipi6_addr: libc::in6_addr { s6_addr: addr },
            ipi6_ifindex: ifindex,
        };
        self.push(libc::IPPROTO_IPV6, libc::IPV6_PKTINFO, ptr::bytes_of(&info))
    }

    /// An `int` item after checking `lo..=hi` (the range the kernel accepts).
    fn push_int(
        &mut self,
        level: c_int,
        kind: c_int,
        v: c_int,
        lo: c_int,
        hi: c_int,
    ) -> Result<()> {
        if !(lo..=hi).contains(&v) {
            return Err(Error::new(RMSG_ERR_INVALID_ARGUMENT));
        }
        self.push(level, kind, &v.to_ne_bytes())
    }

    /// `IP_TOS` as an `int` (0..=255).
    pub(crate) fn add_ip_tos(&mut self, tos: c_int) -> Result<()> {
        self.push_int(libc::IPPROTO_IP, libc::IP_TOS, tos, 0, 255)
    }

    /// `IP_TTL` as an `int` (1..=255).
    pub(crate) fn add_ip_ttl(&mut self, ttl: c_int) -> Result<()> {
        self.push_int(libc::IPPROTO_IP, libc::IP_TTL, ttl, 1, 255)
    }

    /// `IPV6_TCLASS` as an `int` (-1 for the route default, or 0..=255).
    pub(crate) fn add_ipv6_tclass(&mut self, tclass: c_int) -> Result<()> {
        self.push_int(libc::IPPROTO_IPV6, libc::IPV6_TCLASS, tclass, -1, 255)
    }

    /// `IPV6_HOPLIMIT` as an `int` (-1 for the route default, or 0..=255).
    pub(crate) fn add_ipv6_hoplimit(&mut self, hops: c_int) -> Result<()> {
        self.push_int(libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT, hops, -1, 255)
    }

    /// `UDP_SEGMENT` as a `u16` (the kernel rejects any other width on send).
    pub(crate) fn add_udp_segment(&mut self, size: u16) -> Result<()> {
        self.push(RMSG_SOL_UDP, RMSG_UDP_SEGMENT, &size.to_ne_bytes())
    }

    /// `SCM_TXTIME` as a `u64` (nanoseconds on the socket's `SO_TXTIME` clock).
    pub(crate) fn add_txtime(&mut self, time_ns: u64) -> Result<()> {
        self.push(libc::SOL_SOCKET, SCM_TXTIME, &time_ns.to_ne_bytes())
    }

    /// `SO_TIMESTAMPING` as a `u32` of `SOF_TIMESTAMPING_TX_*` flags: the
    /// transmit timestamps to record for this send only. The kernel refuses
    /// flags other than the transmit-record ones (`EINVAL` at send time).
    pub(crate) fn add_timestamping(&mut self, tx_flags: u32) -> Result<()> {
        self.push(
            libc::SOL_SOCKET,
            libc::SO_TIMESTAMPING,
            &tx_flags.to_ne_bytes(),
        )
    }

    /// `SCM_TS_OPT_ID` as a `u32`: the key (`ee_data`) of this send's
    /// transmit timestamps (Linux 6.13).
    pub(crate) fn add_ts_opt_id(&mut self, id: u32) -> Result<()> {
        self.push(libc::SOL_SOCKET, SCM_TS_OPT_ID, &id.to_ne_bytes())
    }

    /// `SO_PRIORITY` as a `u32`: the packet priority for this send.
    pub(crate) fn add_priority(&mut self, priority: u32) -> Result<()> {
        self.push(libc::SOL_SOCKET, libc::SO_PRIORITY, &priority.to_ne_bytes())
    }

    /// `SO_MARK` as a `u32`: the packet mark for this send.
    pub(crate) fn add_mark(&mut self, mark: u32) -> Result<()> {
        self.push(libc::SOL_SOCKET, libc::SO_MARK, &mark.to_ne_bytes())
    }

    /// `IPV6_DONTFRAG` as an `int` (0 or 1, the values the kernel accepts).
    pub(crate) fn add_ipv6_dontfrag(&mut self, on: c_int) -> Result<()> {
        self.push_int(libc::IPPROTO_IPV6, libc::IPV6_DONTFRAG, on, 0, 1)
    }

    /// `TLS_SET_RECORD_TYPE` (level `SOL_TLS`) as one byte.
    pub(crate) fn add_tls_record_type(&mut self, record_type: u8) -> Result<()> {
        self.push(RMSG_SOL_TLS, RMSG_TLS_SET_RECORD_TYPE, &[record_type])
    }

    /// `ALG_SET_OP` (level `SOL_ALG`) as a `u32`.
    pub(crate) fn add_alg_op(&mut self, op: u32) -> Result<()> {
        self.push(libc::SOL_ALG, libc::ALG_SET_OP, &op.to_ne_bytes())
    }

    /// `ALG_SET_IV` (level `SOL_ALG`): `struct af_alg_iv`, a `u32` length
    /// followed by the IV bytes.
    pub(crate) fn add_alg_iv(&mut self, iv: &[u8]) -> Result<()> {
        let ivlen = u32::try_from(iv.len()).map_err(|_| Error::new(RMSG_ERR_TOO_LARGE))?;
        let mut data = Vec::with_capacity(size_of::<u32>() + iv.len());
        data.extend_from_slice(&ivlen.to_ne_bytes());
        data.extend_from_slice(iv);
        self.push(libc::SOL_ALG, libc::ALG_SET_IV, &data)
    }

    /// `ALG_SET_AEAD_ASSOCLEN` (level `SOL_ALG`) as a `u32`.
    pub(crate) fn add_alg_aead_assoclen(&mut self, assoclen: u32) -> Result<()> {
        self.push(
            libc::SOL_ALG,
            libc::ALG_SET_AEAD_ASSOCLEN,
            &assoclen.to_ne_bytes(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lays items out with libc's own CMSG macros, for comparison.
    fn with_macros(items: &[(c_int, c_int, Vec<u8>)]) -> Vec<u8> {
        // SAFETY: arithmetic only.
        let total: usize = items
            .iter()
            .map(|(_, _, d)| unsafe { libc::CMSG_SPACE(d.len() as u32) } as usize)
            .sum();
        let mut words = vec![0u64; total.div_ceil(8)];
        // SAFETY: msghdr is plain data.
        let mut m: libc::msghdr = unsafe { std::mem::zeroed() };
        m.msg_control = words.as_mut_ptr().cast();
        m.msg_controllen = total as _;
        // SAFETY: the buffer is aligned, total bytes long, and each item fits
        // (its CMSG_SPACE was counted).
        unsafe {
            let mut c = libc::CMSG_FIRSTHDR(&m);
            for (level, kind, d) in items {
                (*c).cmsg_level = *level;
                (*c).cmsg_type = *kind;
                (*c).cmsg_len = libc::CMSG_LEN(d.len() as u32) as _;
                std::ptr::copy_nonoverlapping(d.as_ptr(), libc::CMSG_DATA(c), d.len());
                c = libc::CMSG_NXTHDR(&m, c);
            }
        }
        let mut bytes: Vec<u8> = words.iter().flat_map(|w| w.to_ne_bytes()).collect();
        bytes.truncate(total);
        bytes
    }

    #[test]
    fn layout_matches_cmsg_macros_with_zero_padding() {
        let mut b = rmsg_cmsg_builder::default();
        b.add_udp_segment(1400).unwrap();
        b.add_fds(&[3, 4, 5]).unwrap();
        b.add_ip_ttl(7).unwrap();
        b.add_txtime(0x0102_0304_0506_0708).unwrap();
        b.push(1, 2, &[9]).unwrap();
        let want = with_macros(&[
            (
                RMSG_SOL_UDP,
                RMSG_UDP_SEGMENT,
                1400u16.to_ne_bytes().to_vec(),
            ),
            (
                libc::SOL_SOCKET,
                libc::SCM_RIGHTS,
                [3i32, 4, 5].iter().flat_map(|v| v.to_ne_bytes()).collect(),
            ),
            (libc::IPPROTO_IP, libc::IP_TTL, 7i32.to_ne_bytes().to_vec()),
            (
                libc::SOL_SOCKET,
                SCM_TXTIME,
                0x0102_0304_0506_0708u64.to_ne_bytes().to_vec(),
            ),
            (1, 2, vec![9]),
        ]);
        assert_eq!(b.bytes(), &want[..]);
        assert_eq!(b.fd_count(), 3);
        assert_eq!(b.bytes().as_ptr() as usize % 8, 0);
    }

    #[test]
    fn send_only_items_match_cmsg_macros() {
        let mut b = rmsg_cmsg_builder::default();
        b.add_timestamping(libc::SOF_TIMESTAMPING_TX_SOFTWARE)
            .unwrap();
        b.add_ts_opt_id(0xdead_beef).unwrap();
        b.add_priority(6).unwrap();
        b.add_mark(0x55).unwrap();
        b.add_ipv6_dontfrag(1).unwrap();
        b.add_tls_record_type(21).unwrap();
        b.add_alg_op(1).unwrap();
        b.add_alg_iv(&[1, 2, 3]).unwrap();
        b.add_alg_aead_assoclen(16).unwrap();
        let u = |v: u32| v.to_ne_bytes().to_vec();
        let mut iv = u(3);
        iv.extend_from_slice(&[1, 2, 3]);
        let want = with_macros(&[
            (
                libc::SOL_SOCKET,
                libc::SO_TIMESTAMPING,
                u(libc::SOF_TIMESTAMPING_TX_SOFTWARE),
            ),
            (libc::SOL_SOCKET, SCM_TS_OPT_ID, u(0xdead_beef)),
            (libc::SOL_SOCKET, libc::SO_PRIORITY, u(6)),
            (libc::SOL_SOCKET, libc::SO_MARK, u(0x55)),
            (libc::IPPROTO_IPV6, libc::IPV6_DONTFRAG, u(1)),
            (RMSG_SOL_TLS, RMSG_TLS_SET_RECORD_TYPE, vec![21]),
            (libc::SOL_ALG, libc::ALG_SET_OP, u(1)),
            (libc::SOL_ALG, libc::ALG_SET_IV, iv),
            (libc::SOL_ALG, libc::ALG_SET_AEAD_ASSOCLEN, u(16)),
        ]);
        assert_eq!(b.bytes(), &want[..]);
        assert!(b.add_ipv6_dontfrag(2).is_err());
        assert!(b.add_ipv6_dontfrag(-1).is_err());
        assert_eq!(b.bytes(), &want[..]);
    }

    #[test]
    fn fd_limit_and_reset() {
        let mut b = rmsg_cmsg_builder::default();
        let fds = vec![0; 253];
        b.add_fds(&fds).unwrap();
        let before = b.bytes().to_vec();
        assert_eq!(b.add_fds(&[1]).unwrap_err().status, RMSG_ERR_TOO_MANY_FDS);
        let raw = 1i32.to_ne_bytes();
        assert_eq!(
            b.push(libc::SOL_SOCKET, libc::SCM_RIGHTS, &raw)
                .unwrap_err()
                .status,
            RMSG_ERR_TOO_MANY_FDS
        );
        assert_eq!(b.bytes(), &before[..]);
        b.reset();
        assert!(b.bytes().is_empty());
        assert_eq!(
            b.add_fds(&vec![0; 254]).unwrap_err().status,
            RMSG_ERR_TOO_MANY_FDS
        );
        assert_eq!(b.add_fds(&[-1]).unwrap_err().status, RMSG_ERR_BAD_FD);
        b.add_fds(&[1, 2]).unwrap();
        assert_eq!(b.fd_count(), 2);
    }

    #[test]
    fn ranges_are_checked() {
        let mut b = rmsg_cmsg_builder::default();
        assert!(b.add_ip_ttl(0).is_err());
        assert!(b.add_ip_ttl(256).is_err());
        assert!(b.add_ip_tos(-1).is_err());
        assert!(b.add_ipv6_hoplimit(-2).is_err());
        assert!(b.add_ipv6_tclass(256).is_err());
        assert!(b.bytes().is_empty());
        b.add_ipv6_hoplimit(-1).unwrap();
        b.add_ip_pktinfo(1, [127, 0, 0, 2]).unwrap();
        assert!(b.add_ip_pktinfo(u32::MAX, [0; 4]).is_err());
        let len = b.bytes().len();
        for ifindex in [i32::MAX as u32 + 1, u32::MAX] {
            let e = b.add_ipv6_pktinfo(ifindex, [0; 16]).unwrap_err();
            assert_eq!(e.status, RMSG_ERR_INVALID_ARGUMENT);
            let e = b.add_ip_pktinfo(ifindex, [0; 4]).unwrap_err();
            assert_eq!(e.status, RMSG_ERR_INVALID_ARGUMENT);
        }
        assert_eq!(b.bytes().len(), len, "a refused add changes nothing");
        b.add_ipv6_pktinfo(i32::MAX as u32, [0; 16]).unwrap();
    }
}
