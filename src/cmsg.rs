//! The safe core of control-message handling: `CMSG_LEN`/`CMSG_SPACE` with
//! overflow checks, and a walk over a control buffer that never trusts
//! `cmsg_len` beyond the bytes actually present.

use std::ffi::c_int;
use std::mem::size_of;

use crate::ptr;

/// `sizeof(struct cmsghdr)`.
#[cfg(test)]
pub const HDR_SIZE: usize = size_of::<libc::cmsghdr>();

/// The unit control-message lengths are aligned to, read off the platform's
/// own `CMSG_SPACE` and `CMSG_LEN` (`CMSG_SPACE(1) - CMSG_LEN(0)`).
fn align_unit() -> usize {
    // SAFETY: these libc functions only do arithmetic on their argument.
    let (space1, len0) = unsafe { (libc::CMSG_SPACE(1), libc::CMSG_LEN(0)) };
    (space1 - len0) as usize
}

/// `CMSG_ALIGN(n)`, or `None` on overflow.
pub fn align(n: usize) -> Option<usize> {
    let unit = align_unit();
    Some(n.checked_add(unit - 1)? & !(unit - 1))
}

/// `CMSG_LEN(0)`: the offset of an item's data from the start of its header.
pub fn data_offset() -> usize {
    // SAFETY: arithmetic only.
    unsafe { libc::CMSG_LEN(0) as usize }
}

/// Largest value a `socklen_t` holds.
pub const SOCKLEN_MAX: usize = libc::socklen_t::MAX as usize;

/// `CMSG_LEN(n)`, or `None` when the result would not fit in `socklen_t`.
pub fn cmsg_len(n: usize) -> Option<usize> {
    let v = data_offset().checked_add(n)?;
    (v <= SOCKLEN_MAX).then_some(v)
}

/// `CMSG_SPACE(n)`, or `None` when the result would not fit in `socklen_t`.
pub fn cmsg_space(n: usize) -> Option<usize> {
    let v = align(data_offset())?.checked_add(align(n)?)?;
    (v <= SOCKLEN_MAX).then_some(v)
}

/// One control message found in a buffer: its data (clamped to the buffer)
/// and whether the item claimed more data than the buffer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawItem<'a> {
    /// Where the item's header starts: a whole `struct cmsghdr` inside
    /// the buffer, directly followed by `data`.
    pub header: *const u8,
    /// The header's `cmsg_len`: what the item claims, header included.
    pub claimed: usize,
    pub level: c_int,
    pub cmsg_type: c_int,
    /// The data bytes inside the buffer.
    pub data: &'a [u8],
    /// The header's `cmsg_len` ran past the end of the buffer.
    pub truncated: bool,
}

/// How a walk over a control buffer ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalkEnd {
    /// Every byte was accounted for (trailing bytes shorter than a header
    /// are the padding of the last item, or nothing).
    Complete,
    /// A header had a length shorter than a header, or its data started past
    /// the end of the buffer: the walk stopped there.
    Malformed,
}

/// The items of a control buffer, found the way `CMSG_FIRSTHDR` and
/// `CMSG_NXTHDR` find them, but with every length clamped to the buffer.
/// Reads are unaligned-safe, so the buffer may start anywhere. It never
/// loops: each step advances by at least one header. Once it has given
/// its last item, [`Walk::end`] says how it ended.
#[derive(Debug, Clone)]
pub struct Walk<'a> {
    rest: &'a [u8],
    malformed: bool,
}

impl<'a> Walk<'a> {
    /// A walk from the start of `buf`.
    #[inline(always)]
    pub fn new(buf: &'a [u8]) -> Walk<'a> {
        Walk {
            rest: buf,
            malformed: false,
        }
    }

    /// How the walk ended (once `next` has given `None`).
    #[inline(always)]
    pub fn end(&self) -> WalkEnd {
        if self.malformed {
            WalkEnd::Malformed
        } else {
            WalkEnd::Complete
        }
    }

    #[cold]
    fn stop_malformed(&mut self) -> Option<RawItem<'a>> {
        self.malformed = true;
        self.rest = &[];
        None
    }
}

impl<'a> Iterator for Walk<'a> {
    type Item = RawItem<'a>;

    #[inline(always)]
    fn next(&mut self) -> Option<RawItem<'a>> {
        let hdr = ptr::read_plain::<libc::cmsghdr>(self.rest)?;
        let data_off = data_offset();
        // size_t in glibc, socklen_t in musl.
        #[allow(clippy::unnecessary_cast)]
        let claimed = hdr.cmsg_len as usize;
        if claimed < data_off {
            return self.stop_malformed();
        }
        let Some(avail) = self.rest.get(data_off..) else {
            // Cut before the start of its data: not returned.
            return self.stop_malformed();
        };
        let want = claimed - data_off;
        let item = RawItem {
            header: self.rest.as_ptr(),
            claimed,
            level: hdr.cmsg_level,
            cmsg_type: hdr.cmsg_type,
            data: &avail[..want.min(avail.len())],
            truncated: want > avail.len(),
        };
        self.rest = match align(claimed) {
            Some(step) if step < self.rest.len() => &self.rest[step..],
            // The item reaches the end of the buffer (or claims to pass it).
            _ => &[],
        };
        Some(item)
    }
}

/// Calls `f` for each item of `buf` in order (see [`Walk`]) and says how
/// the walk ended.
pub fn walk<'a>(buf: &'a [u8], mut f: impl FnMut(RawItem<'a>)) -> WalkEnd {
    let mut w = Walk::new(buf);
    for item in &mut w {
        f(item);
    }
    w.end()
}

/// The C `int`s in `data`, read unaligned; trailing bytes that do not make a
/// whole `int` are ignored.
pub fn ints(data: &[u8]) -> impl Iterator<Item = c_int> + '_ {
    data.chunks_exact(size_of::<c_int>())
        .map(|c| c_int::from_ne_bytes(c.try_into().expect("chunks_exact gives whole ints")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::hdr_bytes;

    fn collect(buf: &[u8]) -> (Vec<RawItem<'_>>, WalkEnd) {
        let mut v = Vec::new();
        let end = walk(buf, |i| v.push(i));
        (v, end)
    }

    #[test]
    fn lengths_match_libc() {
        for n in [0usize, 1, 3, 4, 7, 8, 12, 16, 100, 1000] {
            // SAFETY: arithmetic only.
            unsafe {
                assert_eq!(cmsg_len(n), Some(libc::CMSG_LEN(n as u32) as usize));
                assert_eq!(cmsg_space(n), Some(libc::CMSG_SPACE(n as u32) as usize));
            }
        }
    }

    #[test]
    fn lengths_refuse_overflow() {
        assert_eq!(cmsg_len(usize::MAX), None);
        assert_eq!(cmsg_space(usize::MAX), None);
        assert_eq!(cmsg_len(SOCKLEN_MAX), None);
        assert_eq!(cmsg_space(SOCKLEN_MAX - data_offset()), None);
        assert!(cmsg_len(SOCKLEN_MAX - data_offset()).is_some());
    }

    #[test]
    fn two_items_in_order() {
        let mut buf = hdr_bytes(cmsg_len(4).unwrap(), 1, 2);
        buf.extend_from_slice(&7i32.to_ne_bytes());
        buf.resize(cmsg_space(4).unwrap(), 0);
        buf.extend(hdr_bytes(cmsg_len(1).unwrap(), 3, 4));
        buf.push(9);
        let (items, end) = collect(&buf);
        assert_eq!(end, WalkEnd::Complete);
        assert_eq!(items.len(), 2);
        assert_eq!(
            (items[0].level, items[0].cmsg_type, items[0].data.len()),
            (1, 2, 4)
        );
        assert_eq!(
            (items[1].level, items[1].cmsg_type, items[1].data.len()),
            (3, 4, 1)
        );
        assert!(!items[1].truncated);
        assert_eq!(items[1].data, &[9]);
    }

    #[test]
    fn item_past_end_is_clamped_and_marked() {
        let mut buf = hdr_bytes(cmsg_len(12).unwrap(), 1, 1);
        buf.extend_from_slice(&[1, 2, 3, 4, 5]);
        let (items, _) = collect(&buf);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].data, &[1, 2, 3, 4, 5]);
        assert!(items[0].truncated);
    }

    #[test]
    fn cut_before_data_and_short_lengths_stop() {
        // Header only, claiming data: returned, empty, truncated.
        let buf = hdr_bytes(cmsg_len(8).unwrap(), 1, 1);
        let (items, _) = collect(&buf);
        assert_eq!(items.len(), 1);
        assert!(items[0].truncated && items[0].data.is_empty());
        // Partial header: nothing.
        let (items, end) = collect(&buf[..HDR_SIZE - 1]);
        assert!(items.is_empty());
        assert_eq!(end, WalkEnd::Complete);
        // Lengths below the header size stop the walk.
        for bad in [0usize, 1, HDR_SIZE - 1] {
            let buf = hdr_bytes(bad, 1, 1);
            let (items, end) = collect(&buf);
            assert!(items.is_empty());
            assert_eq!(end, WalkEnd::Malformed);
        }
    }

    #[test]
    fn huge_length_does_not_overflow_or_loop() {
        let mut buf = hdr_bytes(libc::size_t::MAX, 1, 1);
        buf.extend_from_slice(&[0; 32]);
        let (items, end) = collect(&buf);
        assert_eq!(items.len(), 1);
        assert!(items[0].truncated);
        assert_eq!(end, WalkEnd::Complete);
    }

    #[test]
    fn unaligned_buffer_is_fine() {
        let mut inner = hdr_bytes(cmsg_len(4).unwrap(), 5, 6);
        inner.extend_from_slice(&42i32.to_ne_bytes());
        let mut buf = vec![0u8];
        buf.extend_from_slice(&inner);
        let (items, _) = collect(&buf[1..]);
        assert_eq!(items.len(), 1);
        assert_eq!(ints(items[0].data).collect::<Vec<_>>(), vec![42]);
    }

    #[test]
    fn ints_ignore_partial_trailer() {
        let mut d = Vec::new();
        d.extend_from_slice(&3i32.to_ne_bytes());
        d.extend_from_slice(&4i32.to_ne_bytes());
        d.extend_from_slice(&[1, 2]);
        assert_eq!(ints(&d).collect::<Vec<_>>(), vec![3, 4]);
    }
}
