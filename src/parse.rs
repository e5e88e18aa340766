//! Parsing a control buffer the caller obtained elsewhere (its own
//! `recvmsg`, io_uring ...) into the same items a received message has (the
//! safe core; the C shims are in `capi_decode`).

use std::ffi::c_int;
use std::mem::size_of;

use crate::fds::{self, OwnedFds};
use crate::recv::{self, rmsg_item};
use crate::status::{Error, Result, rmsg_status::*};

/// `rmsg_control_parse` flag: the descriptors found in `SCM_RIGHTS` and
/// `SCM_PIDFD` items belong to the parsed buffer from now on: they are
/// closed when it is freed unless taken with `rmsg_control_take_item_fds`.
/// Without it the parsed buffer never closes a descriptor.
pub const RMSG_PARSE_OWN_FDS: u32 = 1;

const KNOWN_FLAGS: u32 = RMSG_PARSE_OWN_FDS;

/// A parsed control buffer: a private copy of the bytes and the items found
/// in it. Opaque to C; made by `rmsg_control_parse`, freed with
/// `rmsg_control_free`.
#[allow(non_camel_case_types)]
pub struct rmsg_control {
    /// The copy of the caller's bytes, 8-byte aligned. Heap memory that is
    /// never resized, so the items' pointers into it stay valid.
    storage: Vec<u64>,
    len: usize,
    items: Vec<rmsg_item>,
    fds: OwnedFds,
    malformed: bool,
}

// SAFETY: the raw pointers inside items point into `storage`, which the
// handle owns and which moves with it; nothing is shared between threads.
unsafe impl Send for rmsg_control {}

impl std::fmt::Debug for rmsg_control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("rmsg_control")
            .field("len", &self.len)
            .field("items", &self.items)
            .field("malformed", &self.malformed)
            .finish()
    }
}

impl rmsg_control {
    /// Copies `buf` and decodes its items. With `own_fds` the descriptors in
    /// it are owned by the result; should allocation fail they are closed
    /// before the error is returned.
    pub fn parse(buf: &[u8], own_fds: bool) -> Result<Box<rmsg_control>> {
        let fail = |status| {
            if own_fds {
                fds::close_all_in_control(buf);
            }
            Err(Error::new(status))
        };
        let words = buf.len().div_ceil(size_of::<u64>());
        let mut storage: Vec<u64> = Vec::new();
        if storage.try_reserve_exact(words).is_err() {
            return fail(RMSG_ERR_OUT_OF_MEMORY);
        }
        storage.resize(words, 0);
        // SAFETY: storage holds words * 8 >= buf.len() bytes; the regions
        // do not overlap (storage is a fresh allocation).
        unsafe {
            std::ptr::copy_nonoverlapping(
                buf.as_ptr(),
                storage.as_mut_ptr().cast::<u8>(),
                buf.len(),
            )
        };
        let mut control = Box::new(rmsg_control {
            storage,
            len: buf.len(),
            items: Vec::new(),
            fds: if own_fds {
                OwnedFds::from_vec(Vec::new())
            } else {
                OwnedFds::borrowed(Vec::new())
            },
            malformed: false,
        });
        // SAFETY: the first `len` bytes of storage were copied in above, and
        // storage is not touched while the slice lives.
        let bytes = unsafe {
            std::slice::from_raw_parts(control.storage.as_ptr().cast::<u8>(), control.len)
        };
        // decode_into closes the descriptors itself when it fails.
        control.malformed =
            recv::decode_into(bytes, own_fds, &mut control.items, control.fds.slots_mut())?;
        Ok(control)
    }

    /// The copied bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: storage holds at least len initialised bytes.
        unsafe { std::slice::from_raw_parts(self.storage.as_ptr().cast::<u8>(), self.len) }
    }

    /// The items in buffer order.
    pub fn items(&self) -> &[rmsg_item] {
        &self.items
    }

    /// The walk stopped at a malformed header.
    pub fn malformed(&self) -> bool {
        self.malformed
    }

    /// Whether the parsed buffer closes the descriptors it holds.
    pub fn owns_fds(&self) -> bool {
        self.fds.is_owner()
    }

    /// Descriptors of item `index` not yet taken.
    pub fn item_fd_count(&self, index: usize) -> Option<usize> {
        self.items
            .get(index)
            .map(|i| self.fds.count_owned(i.fd_slots()))
    }

    /// Moves the not-yet-taken descriptors of item `index` into `out`; the
    /// handle forgets them (and will not close them).
    pub fn take_item_fds(&mut self, index: usize, out: &mut [c_int]) -> Result<usize> {
        recv::take_item_fds(&self.items, &mut self.fds, index, out)
    }
}

/// Validates `rmsg_control_parse` flags, giving `own_fds`.
pub fn parse_flags(flags: u32) -> Result<bool> {
    if flags & !KNOWN_FLAGS != 0 {
        return Err(Error::new(RMSG_ERR_INVALID_ARGUMENT));
    }
    Ok(flags & RMSG_PARSE_OWN_FDS != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmsg::{self, HDR_SIZE, cmsg_len, cmsg_space};
    use crate::decode::{self, Raw};

    fn item(level: c_int, kind: c_int, data: &[u8]) -> Vec<u8> {
        let mut v = cmsg::hdr_bytes(cmsg_len(data.len()).unwrap(), level, kind);
        v.extend_from_slice(data);
        v.resize(cmsg_space(data.len()).unwrap(), 0);
        v
    }

    /// Runs every typed decoder over every item (what the fuzz target does).
    fn decode_all(c: &rmsg_control) {
        for i in c.items() {
            let raw = Raw::new(i.level(), i.kind(), i.data());
            let _ = decode::credentials(raw);
            let _ = decode::pidfd(raw);
            let _ = decode::security(raw);
            let _ = decode::timestamp(raw);
            let _ = decode::timestamping(raw);
            let _ = decode::rxq_ovfl(raw);
            let _ = decode::mark(raw);
            let _ = decode::ts_pktinfo(raw);
            let _ = decode::ts_opt_stats(raw);
            let _ = decode::ip_pktinfo(raw);
            let _ = decode::ip_ttl(raw);
            let _ = decode::ip_tos(raw);
            let _ = decode::extended_error(raw);
            let _ = decode::ip_origdstaddr(raw);
            let _ = decode::fragsize(raw);
            let _ = decode::ip_options(raw);
            let _ = decode::ipv6_pktinfo(raw);
            let _ = decode::ipv6_hoplimit(raw);
            let _ = decode::ipv6_tclass(raw);
            let _ = decode::ipv6_origdstaddr(raw);
            let _ = decode::ipv6_pathmtu(raw);
            let _ = decode::udp_gro(raw);
            let _ = decode::tls_record_type(raw);
            let _ = decode::kind_name(i.level(), i.kind());
        }
    }

    #[test]
    fn well_formed_items_decode() {
        let mut buf = item(libc::IPPROTO_IP, libc::IP_TTL, &64i32.to_ne_bytes());
        buf.extend(item(libc::IPPROTO_IP, libc::IP_TOS, &[0x10]));
        let c = rmsg_control::parse(&buf, false).unwrap();
        assert_eq!(c.items().len(), 2);
        assert!(!c.malformed());
        let i = &c.items()[0];
        assert_eq!(
            decode::ip_ttl(Raw::new(i.level(), i.kind(), i.data())).unwrap(),
            64
        );
        let i = &c.items()[1];
        assert_eq!(
            decode::ip_tos(Raw::new(i.level(), i.kind(), i.data()))
                .unwrap()
                .dscp,
            4
        );
        decode_all(&c);
    }

    #[test]
    fn empty_and_tiny_buffers() {
        for n in 0..HDR_SIZE {
            let c = rmsg_control::parse(&vec![0xaa; n], false).unwrap();
            assert!(c.items().is_empty());
        }
    }

    #[test]
    fn zero_and_short_lengths_stop() {
        for bad in [0usize, 1, HDR_SIZE - 1] {
            let mut buf = cmsg::hdr_bytes(bad, libc::SOL_SOCKET, libc::SCM_RIGHTS);
            buf.extend_from_slice(&[0; 16]);
            let c = rmsg_control::parse(&buf, false).unwrap();
            assert!(c.items().is_empty());
            assert!(c.malformed());
        }
    }

    #[test]
    fn overflowing_length_is_clamped() {
        let mut buf = cmsg::hdr_bytes(usize::MAX, libc::SOL_SOCKET, libc::SCM_CREDENTIALS);
        buf.extend_from_slice(&[1; 7]);
        let c = rmsg_control::parse(&buf, false).unwrap();
        assert_eq!(c.items().len(), 1);
        assert!(c.items()[0].truncated());
        assert_eq!(c.items()[0].data().len(), 7);
        let i = &c.items()[0];
        let e = decode::credentials(Raw::new(i.level(), i.kind(), i.data())).unwrap_err();
        assert_eq!(e.status, RMSG_ERR_SHORT_ITEM);
        decode_all(&c);
    }

    #[test]
    fn unaligned_input_and_borrowed_fds() {
        let mut inner = item(libc::SOL_SOCKET, libc::SCM_RIGHTS, &[]);
        inner.extend(item(
            libc::SOL_SOCKET,
            libc::SCM_RIGHTS,
            &[5i32.to_ne_bytes(), 6i32.to_ne_bytes()].concat(),
        ));
        let mut buf = vec![0u8; 3];
        buf.extend_from_slice(&inner);
        let mut c = rmsg_control::parse(&buf[3..], false).unwrap();
        assert_eq!(c.items().len(), 2);
        assert_eq!(c.items()[1].fd_slots().len(), 2);
        assert!(!c.owns_fds());
        let mut out = [0; 1];
        assert_eq!(
            c.take_item_fds(1, &mut out).unwrap_err().status,
            RMSG_ERR_BUFFER_TOO_SMALL
        );
        let mut out = [0; 2];
        assert_eq!(c.take_item_fds(1, &mut out).unwrap(), 2);
        assert_eq!(out, [5, 6]);
        assert_eq!(c.item_fd_count(1), Some(0));
        assert_eq!(
            c.take_item_fds(9, &mut out).unwrap_err().status,
            RMSG_ERR_INVALID_ARGUMENT
        );
    }

    #[test]
    fn owned_fds_are_closed_on_drop() {
        let mut p = [0 as c_int; 2];
        // SAFETY: room for two descriptors.
        assert_eq!(unsafe { libc::pipe(p.as_mut_ptr()) }, 0);
        let buf = item(
            libc::SOL_SOCKET,
            libc::SCM_RIGHTS,
            &[p[0].to_ne_bytes(), p[1].to_ne_bytes()].concat(),
        );
        let c = rmsg_control::parse(&buf, true).unwrap();
        drop(c);
        // SAFETY: F_GETFD only queries.
        assert!(unsafe { libc::fcntl(p[0], libc::F_GETFD) } < 0);
        assert!(unsafe { libc::fcntl(p[1], libc::F_GETFD) } < 0);
    }

    #[test]
    fn flags_are_checked() {
        assert_eq!(parse_flags(0), Ok(false));
        assert_eq!(parse_flags(RMSG_PARSE_OWN_FDS), Ok(true));
        assert_eq!(
            parse_flags(2).unwrap_err().status,
            RMSG_ERR_INVALID_ARGUMENT
        );
    }

    /// A cheap deterministic sweep over many malformed buffers (the fuzz
    /// target does the same on arbitrary input).
    #[test]
    fn pseudo_random_buffers_never_misbehave() {
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..2000 {
            let len = (next() % 200) as usize;
            let mut buf: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            // Plant plausible headers now and then.
            if len >= HDR_SIZE && next() % 2 == 0 {
                let claimed = (next() % 96) as usize;
                let kinds = [
                    (libc::SOL_SOCKET, libc::SO_TIMESTAMPING),
                    (libc::IPPROTO_IP, libc::IP_RECVERR),
                    (libc::IPPROTO_IPV6, libc::IPV6_PATHMTU),
                    (libc::SOL_SOCKET, libc::SCM_CREDENTIALS),
                ];
                let (l, k) = kinds[(next() % 4) as usize];
                buf[..HDR_SIZE].copy_from_slice(&cmsg::hdr_bytes(claimed, l, k));
            }
            let c = rmsg_control::parse(&buf, false).unwrap();
            decode_all(&c);
        }
    }
}
