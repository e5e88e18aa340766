//! io_uring receive completions (the safe core; the C shims are in
//! `ffi::uring`).
//!
//! A multishot `IORING_OP_RECVMSG` request fills one provided buffer per
//! completion, laid out as the kernel's `struct io_uring_recvmsg_out`
//! (four `u32`: `namelen`, `controllen`, `payloadlen`, `flags`), then a
//! name region and a control region whose sizes are the `msg_namelen` and
//! `msg_controllen` of the msghdr the request was submitted with, then the
//! payload. `cqe->res` is the number of bytes of the buffer used: the
//! header, both regions whole, and the payload bytes that fitted.
//!
//! The region sizes are taken from the caller (what it submitted), never
//! from the header, whose `namelen` is the address length before
//! truncation and whose `controllen` is what was written. Every sum is
//! checked; the control walk ends at the control region's clamped length,
//! never at the payload; a length in the header larger than its region is
//! clamped to it and the cut is made visible (`MSG_CTRUNC`, `MSG_TRUNC`, a
//! reported name length above the address's own).
//!
//! A single-shot `IORING_OP_RECVMSG` completes into the caller's own
//! msghdr, which the kernel updates as `recvmsg(2)` does; its pieces are
//! passed in an [`rmsg_recvmsg_parts`].

use std::ffi::c_int;
use std::mem::size_of;

use crate::message::Parts;
use crate::status::{Error, Result, rmsg_status::*};

/// `sizeof(struct io_uring_recvmsg_out)`: four `u32`.
pub const RECVMSG_OUT_SIZE: usize = 4 * size_of::<u32>();

/// The pieces of a completed single-shot `IORING_OP_RECVMSG` (or of any
/// `recvmsg(2)` the caller made itself), as its msghdr holds them after
/// the completion, for `rmsg_message_from_recvmsg`. rmsg reads the struct
/// and the memory it points at only during that call, and copies what it
/// keeps.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmsg_recvmsg_parts {
    /// The buffer the payload went into (the request's one iovec); NULL
    /// allowed when `data_len` is 0.
    pub data: *const u8,
    /// Its length in bytes (`iov_len`). rmsg copies the first
    /// `min(data_len, nbytes)` bytes.
    pub data_len: usize,
    /// The byte count the completion reported (`cqe->res`, when not
    /// negative). With `MSG_TRUNC` in the request's flags a datagram
    /// reports its full length, which may pass `data_len`.
    pub nbytes: usize,
    /// The name buffer (`msg_name`); NULL allowed when `name_size` is 0.
    pub name: *const u8,
    /// Its size: the `msg_namelen` the request was submitted with.
    pub name_size: usize,
    /// `msg_namelen` after the completion: the source address length,
    /// which the kernel reports whole even when the buffer was smaller.
    pub name_len: usize,
    /// The control buffer (`msg_control`); NULL allowed when `control_len`
    /// is 0.
    pub control: *const u8,
    /// `msg_controllen` after the completion: the control bytes the kernel
    /// wrote (never more than the buffer's size).
    pub control_len: usize,
    /// `msg_flags` after the completion.
    pub msg_flags: c_int,
}

/// The four fields of `struct io_uring_recvmsg_out`, read from the start of
/// a buffer at least [`RECVMSG_OUT_SIZE`] long (any alignment).
struct RecvmsgOut {
    namelen: usize,
    controllen: usize,
    payloadlen: usize,
    flags: c_int,
}

impl RecvmsgOut {
    fn read(header: &[u8; RECVMSG_OUT_SIZE]) -> RecvmsgOut {
        let field = |i: usize| {
            let mut b = [0u8; 4];
            b.copy_from_slice(&header[4 * i..4 * i + 4]);
            u32::from_ne_bytes(b)
        };
        RecvmsgOut {
            namelen: field(0) as usize,
            controllen: field(1) as usize,
            payloadlen: field(2) as usize,
            // The kernel stores the int msg_flags in a u32: same bits.
            flags: field(3) as c_int,
        }
    }
}

/// Splits one completed multishot recvmsg buffer: `buf` is the `cqe->res`
/// bytes at the start of the provided buffer; `name_size` and
/// `control_size` are the `msg_namelen` and `msg_controllen` the request
/// was submitted with.
///
/// Refuses a buffer shorter than the header and both regions
/// (`RMSG_ERR_INVALID_ARGUMENT`) and sizes whose sum overflows
/// (`RMSG_ERR_TOO_LARGE`). Never reads outside `buf`.
pub fn split_multishot(buf: &[u8], name_size: usize, control_size: usize) -> Result<Parts<'_>> {
    let too_large = || Error::new(RMSG_ERR_TOO_LARGE);
    let name_end = RECVMSG_OUT_SIZE
        .checked_add(name_size)
        .ok_or_else(too_large)?;
    let control_end = name_end.checked_add(control_size).ok_or_else(too_large)?;
    if buf.len() < control_end {
        return Err(Error::new(RMSG_ERR_INVALID_ARGUMENT));
    }
    let (header, rest) = buf.split_at(RECVMSG_OUT_SIZE);
    let out = RecvmsgOut::read(header.try_into().expect("split at the header size"));
    let (name_region, rest) = rest.split_at(name_size);
    let (control_region, payload) = rest.split_at(control_size);
    let mut flags = out.flags;
    // The kernel never reports more control bytes than the region holds;
    // a header that does is cut to the region, and says so.
    if out.controllen > control_size {
        flags |= libc::MSG_CTRUNC;
    }
    if out.payloadlen > payload.len() {
        flags |= libc::MSG_TRUNC;
    }
    Ok(Parts {
        data: &payload[..out.payloadlen.min(payload.len())],
        nbytes: out.payloadlen,
        name: &name_region[..out.namelen.min(name_size)],
        name_len: out.namelen,
        control: &control_region[..out.controllen.min(control_size)],
        flags,
    })
}

/// The pieces of a single-shot completion, from the slices the C shim made
/// of an [`rmsg_recvmsg_parts`]: `data` is the whole buffer, `name` the
/// whole name buffer, `control` the bytes written.
pub fn recvmsg_parts<'a>(
    parts: &rmsg_recvmsg_parts,
    data: &'a [u8],
    name: &'a [u8],
    control: &'a [u8],
) -> Parts<'a> {
    let mut flags = parts.msg_flags;
    if parts.nbytes > data.len() {
        flags |= libc::MSG_TRUNC;
    }
    Parts {
        data: &data[..parts.nbytes.min(data.len())],
        nbytes: parts.nbytes,
        name: &name[..parts.name_len.min(name.len())],
        name_len: parts.name_len,
        control,
        flags,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode;
    use crate::message::rmsg_message;
    use crate::ptr;
    use crate::test_util::{Watch, fd_bytes, item, xorshift};

    /// A multishot buffer as the kernel lays it out.
    fn buffer(
        out: [u32; 4],
        name: &[u8],
        name_size: usize,
        control: &[u8],
        control_size: usize,
        payload: &[u8],
    ) -> Vec<u8> {
        let mut b = Vec::new();
        for f in out {
            b.extend_from_slice(&f.to_ne_bytes());
        }
        let mut region = name.to_vec();
        region.resize(name_size, 0xee);
        b.extend(region);
        let mut region = control.to_vec();
        region.resize(control_size, 0xee);
        b.extend(region);
        b.extend_from_slice(payload);
        b
    }

    fn sin(port: u16) -> Vec<u8> {
        // SAFETY: plain data; all-zero is valid.
        let mut a: libc::sockaddr_in = unsafe { std::mem::zeroed() };
        a.sin_family = libc::AF_INET as libc::sa_family_t;
        a.sin_port = port.to_be();
        a.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
        ptr::bytes_of(&a).to_vec()
    }

    #[test]
    fn whole_buffer_splits_into_its_regions() {
        let name = sin(4242);
        let ttl = item(libc::IPPROTO_IP, libc::IP_TTL, &7i32.to_ne_bytes());
        let b = buffer([16, ttl.len() as u32, 5, 0], &name, 16, &ttl, 64, b"hello");
        let p = split_multishot(&b, 16, 64).unwrap();
        assert_eq!(p.data, b"hello");
        assert_eq!((p.nbytes, p.flags, p.name_len), (5, 0, 16));
        assert_eq!(p.name, &name[..]);
        assert_eq!(
            p.control,
            &ttl[..],
            "the walk ends at controllen, not at the payload"
        );
        let m = rmsg_message::from_parts(&p, true).unwrap();
        assert_eq!(m.data(), b"hello");
        assert_eq!(m.item_count(), 1);
        assert_eq!(decode::ip_ttl(m.item(0).unwrap().raw()).unwrap(), 7);
        let a = m.address().unwrap();
        assert_eq!(a.family(), libc::AF_INET);
        rmsg_message::release(m);
    }

    #[test]
    fn short_and_overflowing_layouts_are_refused() {
        let b = buffer([0, 0, 0, 0], &[], 16, &[], 32, &[]);
        for n in 0..b.len() {
            let e = split_multishot(&b[..n], 16, 32).err().unwrap();
            assert_eq!(e.status, RMSG_ERR_INVALID_ARGUMENT, "{n} bytes");
        }
        assert!(split_multishot(&b, 16, 32).is_ok());
        assert_eq!(
            split_multishot(&b, usize::MAX, 1).err().unwrap().status,
            RMSG_ERR_TOO_LARGE
        );
        assert_eq!(
            split_multishot(&b, 1, usize::MAX - 16)
                .err()
                .unwrap()
                .status,
            RMSG_ERR_TOO_LARGE
        );
        assert_eq!(
            split_multishot(&b, usize::MAX - 15, 0)
                .err()
                .unwrap()
                .status,
            RMSG_ERR_TOO_LARGE
        );
    }

    #[test]
    fn lengths_past_their_regions_are_clamped_and_visible() {
        let name = sin(1);
        let ttl = item(libc::IPPROTO_IP, libc::IP_TTL, &7i32.to_ne_bytes());
        // namelen 16 in a region of 4; controllen 999 in a region of 24;
        // payloadlen 100 with 3 bytes present.
        let b = buffer([16, 999, 100, 0], &name[..4], 4, &ttl, 24, b"abc");
        let p = split_multishot(&b, 4, 24).unwrap();
        assert_eq!(p.name, &name[..4]);
        assert_eq!(p.name_len, 16);
        assert_eq!(p.control.len(), 24);
        assert_eq!(p.data, b"abc");
        assert_eq!(p.nbytes, 100);
        assert_eq!(p.flags, libc::MSG_CTRUNC | libc::MSG_TRUNC);
        let m = rmsg_message::from_parts(&p, false).unwrap();
        assert_eq!(m.name_len(), 16);
        assert_eq!(m.address().unwrap().bytes().len(), 4);
        rmsg_message::release(m);
    }

    #[test]
    fn owned_descriptors_are_closed_unless_taken() {
        let (mut w1, mut w2) = (Watch::new(), Watch::new());
        let fds = [w1.give(), w2.give()];
        let rights = item(libc::SOL_SOCKET, libc::SCM_RIGHTS, &fd_bytes(&fds));
        let b = buffer([0, rights.len() as u32, 1, 0], &[], 0, &rights, 32, b"x");
        let p = split_multishot(&b, 0, 32).unwrap();
        let mut m = rmsg_message::from_parts(&p, true).unwrap();
        assert!(m.address().is_none());
        let mut one = [0; 1];
        assert_eq!(m.take_fds(|i| i.take_rights_up_to(&mut one)), 1);
        rmsg_message::release(m);
        assert!(!w1.closed(), "the taken descriptor stays open");
        assert!(w2.closed(), "freeing closes the one not taken");
        crate::fds::close(one[0]);
        // Without ownership nothing is closed, and the recycled message
        // owns again for the receive path.
        let mut w = Watch::new();
        let fd = w.give();
        let rights = item(libc::SOL_SOCKET, libc::SCM_RIGHTS, &fd_bytes(&[fd]));
        let b = buffer([0, rights.len() as u32, 0, 0], &[], 0, &rights, 32, &[]);
        let m = rmsg_message::from_parts(&split_multishot(&b, 0, 32).unwrap(), false).unwrap();
        rmsg_message::release(m);
        assert!(!w.closed());
        crate::fds::close(fd);
        assert!(w.closed());
    }

    #[test]
    fn single_shot_pieces() {
        let name = sin(9);
        let parts = rmsg_recvmsg_parts {
            data: std::ptr::null(),
            data_len: 0,
            nbytes: 10,
            name: std::ptr::null(),
            name_size: 0,
            name_len: 16,
            control: std::ptr::null(),
            control_len: 0,
            msg_flags: 0,
        };
        let p = recvmsg_parts(&parts, b"0123", &name[..8], &[]);
        assert_eq!(p.data, b"0123");
        assert_eq!(p.flags, libc::MSG_TRUNC);
        assert_eq!((p.name.len(), p.name_len), (8, 16));
    }

    /// A cheap deterministic sweep over arbitrary buffers and capacities
    /// (the fuzz target does the same at length).
    #[test]
    fn pseudo_random_buffers_never_misbehave() {
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
        for _ in 0..3000 {
            let len = (next() % 300) as usize;
            let b: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let (ns, cs) = ((next() % 160) as usize, (next() % 160) as usize);
            if let Ok(p) = split_multishot(&b, ns, cs) {
                assert!(p.data.len() <= len && p.control.len() <= cs && p.name.len() <= ns);
                let m = rmsg_message::from_parts(&p, false).unwrap();
                assert!(m.data_len() <= len);
                rmsg_message::release(m);
            }
        }
    }
}
