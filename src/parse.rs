//! Parsing a control buffer the caller obtained elsewhere (its own
//! `recvmsg`, io_uring ...) into the same items a received message has (the
//! safe core; the C shims are in `ffi::control`).

use crate::message::rmsg_message;
use crate::status::{Error, Result, rmsg_status::*};

/// `rmsg_control_parse` flag: the descriptors found in `SCM_RIGHTS` and
/// `SCM_PIDFD` items belong to the parsed buffer from now on: they are
/// closed when it is freed unless taken with `rmsg_control_take_item_fds`.
/// Without it the parsed buffer never closes a descriptor.
pub const RMSG_PARSE_OWN_FDS: u32 = 1;

const KNOWN_FLAGS: u32 = RMSG_PARSE_OWN_FDS;

/// A parsed control buffer: a message that has control items only (no
/// data, no address, no flags), made from a copy of the caller's bytes.
/// Opaque to C; made by `rmsg_control_parse`, freed with
/// `rmsg_control_free`; its functions are the message's.
///
/// Threads: as for a message. It may move between threads; functions that
/// take it `const` (and its items' functions) may run on it from several
/// threads at once; `rmsg_control_take_item_fds` and `rmsg_control_free`
/// need it to themselves.
#[derive(Debug)]
pub struct rmsg_control {
    message: rmsg_message,
}

impl rmsg_control {
    /// Copies `buf` and decodes its items. With `own_fds` the descriptors in
    /// it are owned by the result once it is made; on failure they stay the
    /// caller's (nothing is closed).
    pub(crate) fn parse(buf: &[u8], own_fds: bool) -> Result<Box<rmsg_control>> {
        let message = rmsg_message::from_control(buf, own_fds)?;
        let mut c = Box::new(rmsg_control { message });
        c.message.pin();
        Ok(c)
    }

    /// The message inside a handle, as a pointer (NULL stays NULL).
    ///
    /// # Safety
    /// `control` is NULL or a live handle.
    pub(crate) unsafe fn as_message(control: *mut rmsg_control) -> *mut rmsg_message {
        if control.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: a live handle, per the contract; only the field's address
        // is taken, no reference is made.
        unsafe { &raw mut (*control).message }
    }

    /// The message inside.
    #[cfg(test)]
    fn message(&self) -> &rmsg_message {
        &self.message
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
    use crate::cmsg::HDR_SIZE;
    use crate::decode;
    use crate::test_util::{Watch, fd_bytes, hdr_bytes, item, xorshift};

    /// Runs every typed decoder over every item (what the fuzz target does).
    fn decode_all(c: &rmsg_control) {
        for i in c.message().items().list() {
            let raw = i.raw();
            let _ = decode::credentials(raw);
            let _ = decode::pidfd(raw);
            let _ = raw.expect(decode::rmsg_kind::RMSG_KIND_SECURITY);
            let _ = decode::timestamp(raw);
            let _ = decode::timestamping(raw);
            let _ = decode::rxq_ovfl(raw);
            let _ = decode::mark(raw);
            let _ = decode::ts_pktinfo(raw);
            let _ = decode::ip_pktinfo(raw);
            let _ = decode::ip_ttl(raw);
            let _ = decode::ip_tos(raw);
            let _ = decode::extended_error(raw);
            let _ = decode::ip_origdstaddr(raw);
            let _ = decode::fragsize(raw);
            let _ = decode::ipv6_pktinfo(raw);
            let _ = decode::ipv6_hoplimit(raw);
            let _ = decode::ipv6_tclass(raw);
            let _ = decode::ipv6_origdstaddr(raw);
            let _ = decode::ipv6_pathmtu(raw);
            let _ = decode::udp_gro(raw);
            let _ = decode::tls_record_type(raw);
            let _ = crate::kinds::name(i.level(), i.cmsg_type());
        }
    }

    #[test]
    fn well_formed_items_decode() {
        let mut buf = item(libc::IPPROTO_IP, libc::IP_TTL, &64i32.to_ne_bytes());
        buf.extend(item(libc::IPPROTO_IP, libc::IP_TOS, &[0x10]));
        let c = rmsg_control::parse(&buf, false).unwrap();
        let items = c.message().items().list();
        assert_eq!(items.len(), 2);
        assert!(!c.message().items().malformed());
        assert_eq!(decode::ip_ttl(items[0].raw()).unwrap(), 64);
        assert_eq!(decode::ip_tos(items[1].raw()).unwrap().dscp, 4);
        decode_all(&c);
    }

    #[test]
    fn empty_and_tiny_buffers() {
        for n in 0..HDR_SIZE {
            let c = rmsg_control::parse(&vec![0xaa; n], false).unwrap();
            assert!(c.message().items().list().is_empty());
        }
    }

    #[test]
    fn zero_and_short_lengths_stop() {
        for bad in [0usize, 1, HDR_SIZE - 1] {
            let mut buf = hdr_bytes(bad, libc::SOL_SOCKET, libc::SCM_RIGHTS);
            buf.extend_from_slice(&[0; 16]);
            let c = rmsg_control::parse(&buf, false).unwrap();
            assert!(c.message().items().list().is_empty());
            assert!(c.message().items().malformed());
        }
    }

    #[test]
    fn overflowing_length_is_clamped() {
        let mut buf = hdr_bytes(usize::MAX, libc::SOL_SOCKET, libc::SCM_CREDENTIALS);
        buf.extend_from_slice(&[1; 7]);
        let c = rmsg_control::parse(&buf, false).unwrap();
        let items = c.message().items().list();
        assert_eq!(items.len(), 1);
        assert!(items[0].truncated());
        assert_eq!(items[0].data().len(), 7);
        let e = decode::credentials(items[0].raw()).unwrap_err();
        assert_eq!(e.status, RMSG_ERR_SHORT_ITEM);
        decode_all(&c);
    }

    #[test]
    fn unaligned_input_and_borrowed_fds() {
        let mut inner = item(libc::SOL_SOCKET, libc::SCM_RIGHTS, &[]);
        inner.extend(item(libc::SOL_SOCKET, libc::SCM_RIGHTS, &fd_bytes(&[5, 6])));
        let mut buf = vec![0u8; 3];
        buf.extend_from_slice(&inner);
        let mut c = rmsg_control::parse(&buf[3..], false).unwrap();
        assert_eq!(c.message().items().list().len(), 2);
        assert_eq!(c.message().items().list()[1].fd_count(), 2);
        let mut out = [0; 1];
        assert_eq!(
            c.message
                .take_fds(|i| i.take_item(1, &mut out))
                .unwrap_err()
                .status,
            RMSG_ERR_BUFFER_TOO_SMALL
        );
        let mut out = [0; 2];
        assert_eq!(c.message.take_fds(|i| i.take_item(1, &mut out)).unwrap(), 2);
        assert_eq!(out, [5, 6]);
        assert_eq!(c.message.take_fds(|i| i.take_item(1, &mut out)), Ok(0));
        assert_eq!(
            c.message
                .take_fds(|i| i.take_item(9, &mut out))
                .unwrap_err()
                .status,
            RMSG_ERR_INVALID_ARGUMENT
        );
    }

    #[test]
    fn owned_fds_are_closed_on_drop() {
        let mut w = Watch::new();
        let buf = item(libc::SOL_SOCKET, libc::SCM_RIGHTS, &fd_bytes(&[w.give()]));
        let c = rmsg_control::parse(&buf, true).unwrap();
        assert!(!w.closed());
        drop(c);
        assert!(w.closed());
    }

    #[test]
    fn descriptors_stay_the_callers_when_parsing_fails() {
        let mut w = Watch::new();
        let fd = w.give();
        let buf = item(libc::SOL_SOCKET, libc::SCM_RIGHTS, &fd_bytes(&[fd]));
        // The item list cannot be allocated: nothing changes hands, so
        // nothing is closed.
        crate::fault::arm(1);
        let e = rmsg_control::parse(&buf, true).unwrap_err();
        assert_eq!(e.status, RMSG_ERR_OUT_OF_MEMORY);
        assert!(!w.closed(), "a failed parse closes no descriptor");
        let c = rmsg_control::parse(&buf, true).unwrap();
        drop(c);
        assert!(w.closed(), "a parse that succeeded owns it");
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
        let mut next = xorshift(0x1234_5678_9abc_def0);
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
                buf[..HDR_SIZE].copy_from_slice(&hdr_bytes(claimed, l, k));
            }
            let c = rmsg_control::parse(&buf, false).unwrap();
            decode_all(&c);
        }
    }
}
