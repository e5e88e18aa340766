//! The control items of a received or parsed buffer, and the descriptors
//! they carry: one table type shared by messages (`rmsg_message`) and
//! parsed buffers (`rmsg_control`).

use std::ffi::c_int;
use std::mem::size_of;
use std::ops::Range;

use crate::cmsg::{self, WalkEnd};
use crate::decode::Raw;
use crate::fault;
#[cfg(test)]
use crate::fds;
use crate::fds::OwnedFds;
use crate::kinds::{self, rmsg_kind};
use crate::ptr;
use crate::status::{Error, Result, rmsg_status::*};
use crate::view::ViewSink;

/// One control message of a received (or parsed) control buffer: level,
/// type, data and a truncated mark, with its kind found once, when the
/// buffer was walked. Opaque to C; read it with the `rmsg_item_*`
/// functions. It lives inside its message (or parsed buffer) and is valid
/// until that is freed.
///
/// Threads: an item is part of its message. Several threads may read it
/// at once (the `rmsg_item_*` functions take it `const`), like the rest of
/// the message, while no thread changes or frees the message.
#[derive(Debug)]
pub struct rmsg_item {
    /// Where the item's header is: a whole `struct cmsghdr` in the owner's
    /// control bytes (heap memory that does not move while the owner
    /// lives), followed by the item's data. Level, type and the length it
    /// claims are read from it when asked for, so that making an item
    /// costs few stores.
    header: DataPtr,
    /// Data bytes inside the buffer (what the header claims, clamped).
    data_len: u32,
    /// Which typed accessor decodes it (from the registry, at the walk).
    kind: rmsg_kind,
    /// The slots of the owner's descriptor table this item's fds occupy.
    fds_start: u32,
    fds_end: u32,
}

impl rmsg_item {
    /// The item's header.
    #[inline(always)]
    fn header(&self) -> libc::cmsghdr {
        // SAFETY: header points at a whole cmsghdr inside the owner's
        // control bytes, which outlive &self and never change while items
        // exist (see the field).
        unsafe { ptr::read_plain_at(self.header.0) }
    }

    pub(crate) fn level(&self) -> c_int {
        self.header().cmsg_level
    }

    pub(crate) fn cmsg_type(&self) -> c_int {
        self.header().cmsg_type
    }

    /// The header claimed more data than the buffer holds.
    pub(crate) fn truncated(&self) -> bool {
        // size_t in glibc, socklen_t in musl.
        #[allow(clippy::unnecessary_cast)]
        let claimed = self.header().cmsg_len as usize;
        claimed.saturating_sub(cmsg::data_offset()) > self.data_len()
    }

    /// The item's data bytes (clamped to what the buffer holds).
    #[inline(always)]
    pub(crate) fn data(&self) -> &[u8] {
        // SAFETY: the data follows the header inside the owner's control
        // bytes and data_len of them are there (clamped by the walk); they
        // outlive &self, as for header().
        unsafe { ptr::owned_bytes(self.data_ptr(), self.data_len()) }
    }

    /// Where the data starts (never NULL).
    #[inline(always)]
    pub(crate) fn data_ptr(&self) -> *const u8 {
        self.header.0.wrapping_add(cmsg::data_offset())
    }

    /// Number of data bytes.
    #[inline(always)]
    pub(crate) fn data_len(&self) -> usize {
        self.data_len as usize
    }

    /// The item as the typed decoders see it.
    #[inline(always)]
    pub(crate) fn raw(&self) -> Raw<'_> {
        Raw::of_kind(self.kind, self.cmsg_type(), self.data())
    }

    /// Which typed decoder reads it.
    pub(crate) fn kind(&self) -> rmsg_kind {
        self.kind
    }

    /// True for `SCM_RIGHTS` and `SCM_PIDFD` items.
    pub(crate) fn carries_fds(&self) -> bool {
        kinds::carries_fds(self.kind)
    }

    /// The descriptor numbers in the item's data, as the descriptor table
    /// holds them (see [`carried_fds`]); none for other kinds.
    pub(crate) fn carried_fds(&self) -> impl Iterator<Item = c_int> + '_ {
        let data = if self.carries_fds() { self.data() } else { &[] };
        carried_fds(self.kind, data)
    }

    fn is_rights(&self) -> bool {
        self.kind == rmsg_kind::RMSG_KIND_RIGHTS
    }

    /// The slots of the owner's descriptor table this item's fds occupy.
    fn fds(&self) -> Range<usize> {
        self.fds_start as usize..self.fds_end as usize
    }

    /// Descriptors the item carries, taken or not.
    pub(crate) fn fd_count(&self) -> usize {
        (self.fds_end - self.fds_start) as usize
    }

    /// Everything about the item at once, for `rmsg_message_items`.
    pub(crate) fn view(&self) -> rmsg_item_view {
        let h = self.header();
        rmsg_item_view {
            cmsg_level: h.cmsg_level,
            cmsg_type: h.cmsg_type,
            data: self.data_ptr(),
            data_len: self.data_len(),
            truncated: self.truncated(),
            fd_count: self.fd_count(),
        }
    }
}

/// The fewest control bytes an item takes: a header (`CMSG_LEN(0)`), so a
/// buffer of `n` bytes holds at most `n / ITEM_MIN` items.
const ITEM_MIN: usize = size_of::<libc::cmsghdr>();

/// One control item at once (as the `rmsg_item_*` getters give it). Filled
/// by `rmsg_message_items`; `data` borrows from the message and is valid
/// until it is freed.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmsg_item_view {
    /// `cmsg_level`.
    pub cmsg_level: c_int,
    /// `cmsg_type`.
    pub cmsg_type: c_int,
    /// The data bytes, unaligned; never NULL.
    pub data: *const u8,
    /// Number of data bytes.
    pub data_len: usize,
    /// The header claimed more data than the buffer holds.
    pub truncated: bool,
    /// Descriptors the item carries (`SCM_RIGHTS`, `SCM_PIDFD`), taken or not.
    pub fd_count: usize,
}

/// The items of one control buffer, the descriptors they carry, and
/// whether the walk stopped at a malformed header.
#[derive(Debug)]
pub struct Items {
    list: Vec<rmsg_item>,
    fds: OwnedFds,
    /// `SCM_RIGHTS` descriptors not taken yet, over all items (kept as
    /// they are decoded and taken, so that counting them is a load).
    rights: usize,
    malformed: bool,
    /// The headers the last walk found (one per item), and the length of
    /// the control bytes it walked, or 0 when its table may not serve
    /// again. A socket delivers the same kinds, of the same sizes, with
    /// every datagram, so the next message into the same memory usually
    /// has these very headers: then the table it would build is the one
    /// already there, and comparing headers replaces the walk.
    layout: Vec<Header>,
    layout_len: usize,
    /// The table holds what [`Self::forget`] must clear: items that are
    /// not kept as a layout, descriptor slots, or a malformed mark.
    stale: bool,
}

/// What the walk of a control buffer depends on in one header: its
/// length, and its level and type read as one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Header {
    len: usize,
    level_type: u64,
}

/// Where `cmsg_level` and `cmsg_type` are in a header: two adjacent
/// `int`s, read as one `u64`.
const LEVEL_TYPE: usize = std::mem::offset_of!(libc::cmsghdr, cmsg_level);

const _: () = {
    assert!(std::mem::offset_of!(libc::cmsghdr, cmsg_type) == LEVEL_TYPE + 4);
    assert!(LEVEL_TYPE + 8 <= size_of::<libc::cmsghdr>());
};

impl Header {
    /// The header's `cmsg_type` (the second `int` of the word).
    #[inline(always)]
    fn cmsg_type(&self) -> c_int {
        let b = self.level_type.to_ne_bytes();
        c_int::from_ne_bytes([b[4], b[5], b[6], b[7]])
    }

    /// The header at `at`, a whole `struct cmsghdr`.
    ///
    /// # Safety
    /// `at` points at a whole header (as `cmsg::Walk` gives them).
    #[inline(always)]
    unsafe fn at(at: *const u8) -> Header {
        // SAFETY: per the contract, both reads are inside the header.
        let (len, level_type) = unsafe {
            let len: libc::cmsghdr = ptr::read_plain_at(at);
            (len.cmsg_len, ptr::read_plain_at::<u64>(at.add(LEVEL_TYPE)))
        };
        // size_t in glibc, socklen_t in musl.
        #[allow(clippy::unnecessary_cast)]
        Header {
            len: len as usize,
            level_type,
        }
    }
}

impl Items {
    /// An empty table. With `own_fds` the descriptors decoded into it are
    /// closed when they are cleared or dropped without being taken.
    pub fn new(own_fds: bool) -> Items {
        Items {
            list: Vec::new(),
            fds: OwnedFds::new(own_fds),
            rights: 0,
            malformed: false,
            layout: Vec::new(),
            layout_len: 0,
            stale: false,
        }
    }

    /// True when there is nothing to clear: no item, no malformed mark.
    #[inline(always)]
    pub fn is_clear(&self) -> bool {
        self.list.is_empty() && !self.malformed
    }

    /// Makes an empty table own (or only list) the descriptors decoded
    /// into it from now on.
    pub fn set_owner(&mut self, owned: bool) {
        debug_assert!(self.fds.is_empty());
        self.fds.set_owner(owned);
    }

    /// Closes the descriptors still owned and forgets every item; the
    /// memory is kept for the next decode.
    pub fn clear(&mut self) {
        self.list.clear();
        self.fds.clear();
        self.rights = 0;
        self.malformed = false;
        self.layout.clear();
        self.layout_len = 0;
        self.stale = false;
    }

    /// Gets a table in reused memory ready for the next message: a table
    /// that holds descriptors (taken or not) is cleared, closing those it
    /// owns; any other is kept, as the layout the next message may repeat
    /// (see [`Self::decode`]).
    /// True when [`Self::forget`] would clear the table.
    #[inline(always)]
    pub fn stale(&self) -> bool {
        self.stale
    }

    /// Returns true when it cleared the table.
    #[inline(always)]
    pub fn forget(&mut self) -> bool {
        let clear = self.stale;
        if clear {
            self.clear();
        }
        clear
    }

    /// [`Self::make_room`], then [`Self::decode`]. When there is no memory
    /// for the room the walk needs, nothing has been decoded, the table is
    /// empty and, when it owns descriptors, every descriptor in `control`
    /// is closed.
    #[cfg(test)]
    pub(crate) fn decode_alone(&mut self, control: &[u8]) -> Result<()> {
        if !self.make_room(control.len()) {
            self.clear();
            if self.fds.is_owner() {
                fds::close_all_in_control(control);
            }
            return Err(Error::new(RMSG_ERR_OUT_OF_MEMORY));
        }
        let mut view = crate::view::empty();
        self.decode(control, &mut ViewSink::new(&mut view));
        Ok(())
    }

    /// Makes room for the most items and descriptors `len` control bytes
    /// can hold, so that the [`Self::decode`] that follows never allocates
    /// and never fails; false when there is no memory for it.
    #[inline(always)]
    pub(crate) fn make_room(&mut self, len: usize) -> bool {
        // Every control buffer rmsg walks is bounded by a socklen_t (the
        // kernel's, or a caller's checked against it), so lengths fit the
        // items' u32 fields; anything longer is refused, never cut.
        len == 0 || (len <= u32::MAX as usize && self.reserve_for(len))
    }

    /// Decodes `control` into the table (the previous items forgotten,
    /// their descriptors closed) and each item into `sink` (the message's
    /// view). Room for it was made ([`Self::make_room`]). The items point
    /// into `control`, which must not change or move while they exist.
    #[cfg(test)]
    pub(crate) fn decode(&mut self, control: &[u8], sink: &mut ViewSink<'_>) {
        if !self.replay(control, sink) {
            self.decode_new(control, sink);
        }
    }

    /// When `control` repeats the layout of the table's last walk (the
    /// same memory, the same headers), the table is already what a walk
    /// would build: its items are handed to `sink` and true returned.
    /// Else false, once some leading items (whose headers matched) may
    /// have reached `sink`: the walk that follows gives it the same ones
    /// again, with the same values.
    #[inline(always)]
    pub(crate) fn replay(&mut self, control: &[u8], sink: &mut ViewSink<'_>) -> bool {
        // A walk that kept no layout left layout_len 0, which no control
        // bytes worth replaying have.
        if control.len() != self.layout_len {
            return false;
        }
        let layout = &self.layout[..self.list.len().min(self.layout.len())];
        for (item, seen) in self.list.iter().zip(layout) {
            // SAFETY: the item's header is a whole header inside the
            // control bytes of this length that the last walk walked, and
            // control is those bytes again (the same memory, rewritten).
            let now = unsafe { Header::at(item.header.0) };
            if now != *seen {
                return false;
            }
            sink.item(Raw::of_kind(item.kind, now.cmsg_type(), item.data()));
        }
        true
    }

    /// [`Self::decode`] when `control` is new: the table emptied, then
    /// walked.
    #[inline(never)]
    pub(crate) fn decode_new(&mut self, control: &[u8], sink: &mut ViewSink<'_>) {
        if !self.is_clear() {
            self.clear();
        }
        if !control.is_empty() {
            self.walk(control, sink);
        }
    }

    /// Walks `control` into the empty table, which has room for it, and
    /// keeps its headers as the layout the next message may repeat.
    #[inline(always)]
    fn walk(&mut self, control: &[u8], sink: &mut ViewSink<'_>) {
        let mut walk = cmsg::Walk::new(control);
        // Items are written into the room make_room() made, and the
        // table's length is set once, after the walk.
        let (list, slots, rights) = (&mut self.list, &mut self.fds, &mut self.rights);
        let room = list.spare_capacity_mut();
        let layout = self.layout.spare_capacity_mut();
        let mut n = 0;
        for it in &mut walk {
            let kind = kinds::kind_of(it.level, it.cmsg_type);
            let data = it.data;
            let (fds_start, fds_end) = if kinds::carries_fds(kind) {
                add_fds(slots, rights, kind, data)
            } else {
                (0, 0)
            };
            let (Some(slot), Some(seen)) = (room.get_mut(n), layout.get_mut(n)) else {
                // Cannot happen: make_room() made room for every item the
                // bytes can hold. Stop rather than lose track.
                debug_assert!(false, "item table without room");
                break;
            };
            // SAFETY: the walk gives whole headers.
            seen.write(unsafe { Header::at(it.header) });
            slot.write(rmsg_item {
                header: DataPtr(it.header),
                // A control buffer is at most a socklen_t long.
                data_len: data.len() as u32,
                kind,
                fds_start,
                fds_end,
            });
            n += 1;
            sink.item(Raw::of_kind(kind, it.cmsg_type, data));
        }
        // SAFETY: the first n slots of both spare rooms were written above.
        unsafe {
            ptr::extend_written(list, n);
            ptr::extend_written(&mut self.layout, n);
        }
        self.malformed = walk.end() == WalkEnd::Malformed;
        // A table with descriptors is built again every time (its slots
        // change); so is one whose walk stopped at a malformed header.
        let again = n > 0 && self.fds.is_empty() && !self.malformed;
        self.layout_len = if again { control.len() } else { 0 };
        self.stale = !again && (n > 0 || self.malformed);
    }

    /// Makes room for the items and descriptors a control buffer of `len`
    /// bytes can hold; false when there is no memory for it.
    #[inline(always)]
    fn reserve_for(&mut self, len: usize) -> bool {
        if fault::should_fail() {
            return false;
        }
        let items = len / ITEM_MIN;
        let fds = len / size_of::<c_int>();
        let (list, layout) = (self.list.capacity(), self.layout.capacity());
        if list >= items && layout >= items && self.fds.slots_mut().capacity() >= fds {
            return true;
        }
        self.grow(items, fds)
    }

    /// [`Self::reserve_for`] when the room is not there yet (the first
    /// receive into a message, or a larger buffer than before).
    #[cold]
    #[inline(never)]
    fn grow(&mut self, items: usize, fds: usize) -> bool {
        // Reserved past the current lengths, so that there is room once
        // the table is cleared whatever it holds now.
        self.list.try_reserve_exact(items).is_ok()
            && self.layout.try_reserve_exact(items).is_ok()
            && self.fds.slots_mut().try_reserve_exact(fds).is_ok()
    }

    /// From now on the table owns the descriptors decoded into it: it
    /// closes those not taken when cleared or dropped.
    pub fn adopt_fds(&mut self) {
        self.fds.adopt();
    }

    /// The items in buffer order.
    pub fn list(&self) -> &[rmsg_item] {
        &self.list
    }

    /// The walk stopped at a malformed header.
    pub fn malformed(&self) -> bool {
        self.malformed
    }

    /// `SCM_RIGHTS` descriptors still owned, over all items.
    #[inline(always)]
    pub fn rights_fd_count(&self) -> usize {
        self.rights
    }

    /// Moves still-owned `SCM_RIGHTS` descriptors into `out`, in order,
    /// until it is full; the rest stay. Returns how many moved.
    pub fn take_rights_up_to(&mut self, out: &mut [c_int]) -> usize {
        let mut n = 0;
        for item in self.list.iter().filter(|i| i.is_rights()) {
            n += self.fds.take_up_to(item.fds(), &mut out[n..]);
        }
        self.rights -= n;
        n
    }

    /// Moves every still-owned `SCM_RIGHTS` descriptor into `out`, in order;
    /// nothing moves when `out` is too small.
    pub fn take_rights(&mut self, out: &mut [c_int]) -> Result<usize> {
        if self.rights_fd_count() > out.len() {
            return Err(Error::new(RMSG_ERR_BUFFER_TOO_SMALL));
        }
        Ok(self.take_rights_up_to(out))
    }

    /// Moves the still-owned descriptors of item `index` into `out`;
    /// nothing moves when `out` is too small.
    pub fn take_item(&mut self, index: usize, out: &mut [c_int]) -> Result<usize> {
        let item = self
            .list
            .get(index)
            .ok_or(Error::new(RMSG_ERR_INVALID_ARGUMENT))?;
        if !item.carries_fds() {
            return Err(Error::new(RMSG_ERR_WRONG_KIND));
        }
        let n = self
            .fds
            .take_into(item.fds(), out)
            .map_err(|_| Error::new(RMSG_ERR_BUFFER_TOO_SMALL))?;
        if item.is_rights() {
            self.rights -= n;
        }
        Ok(n)
    }
}

/// The descriptors an fd-carrying item's `data` holds, in order. A
/// negative `SCM_PIDFD` value is an error the kernel reported in place of a
/// pidfd: no descriptor, so it is left out (never counted, taken or
/// closed).
fn carried_fds(kind: rmsg_kind, data: &[u8]) -> impl Iterator<Item = c_int> + '_ {
    let pidfd = kind == rmsg_kind::RMSG_KIND_PIDFD;
    cmsg::ints(data).filter(move |fd| !pidfd || *fd >= 0)
}

/// Puts the descriptors of an item into the descriptor table (within the
/// room `Items::make_room` made: at most one slot per 4 bytes), counting the
/// `SCM_RIGHTS` ones in `rights`, and returns the slots they occupy.
#[inline(never)]
fn add_fds(fds: &mut OwnedFds, rights: &mut usize, kind: rmsg_kind, data: &[u8]) -> (u32, u32) {
    let slots = fds.slots_mut();
    let first = slots.len();
    slots.extend(carried_fds(kind, data));
    if kind == rmsg_kind::RMSG_KIND_RIGHTS {
        *rights += slots[first..].iter().filter(|fd| **fd >= 0).count();
    }
    (first as u32, slots.len() as u32)
}

/// Where an item's data starts: a pointer into the control bytes of the
/// item's owner (a message or parsed buffer), which are never changed
/// while items point into them.
#[derive(Debug, Clone, Copy)]
struct DataPtr(*const u8);

// SAFETY: the pointer is only read through, and only into bytes the same
// owner holds: sending an item (with its owner) to another thread sends
// those bytes too.
unsafe impl Send for DataPtr {}
// SAFETY: the bytes behind it are never written while an item points at
// them, so reading them from several threads at once is sound. The rest of
// every handle is checked by the compiler (see `ffi::mod`'s assertions).
unsafe impl Sync for DataPtr {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{Watch, fd_bytes, hdr_bytes, item};

    /// A header's size, where an item's data starts.
    const HDR: usize = size_of::<libc::cmsghdr>();

    fn rights(fds: &[c_int]) -> Vec<u8> {
        item(libc::SOL_SOCKET, libc::SCM_RIGHTS, &fd_bytes(fds))
    }

    #[test]
    fn a_negative_pidfd_is_no_descriptor() {
        let esrch = -libc::ESRCH;
        let buf = item(
            libc::SOL_SOCKET,
            crate::linux::RMSG_SCM_PIDFD,
            &fd_bytes(&[esrch]),
        );
        let mut t = Items::new(true);
        t.decode_alone(&buf).unwrap();
        assert_eq!(t.list().len(), 1);
        assert_eq!(t.list()[0].fd_count(), 0);
        assert_eq!(t.rights_fd_count(), 0);
        let mut out = [0; 1];
        assert_eq!(t.take_item(0, &mut out), Ok(0));
        assert_eq!(crate::decode::pidfd(t.list()[0].raw()), Ok(esrch));
        // Dropping closes nothing (a close of a negative number would be
        // EBADF, harmless, but the table must not even hold it).
        t.clear();
    }

    #[test]
    fn owned_table_closes_what_is_not_taken() {
        let mut w: Vec<Watch> = (0..3).map(|_| Watch::new()).collect();
        let fds: Vec<c_int> = w.iter_mut().map(Watch::give).collect();
        let mut buf = rights(&fds[..2]);
        buf.extend(rights(&fds[2..]));
        let mut t = Items::new(true);
        t.decode_alone(&buf).unwrap();
        assert_eq!(t.list().len(), 2);
        assert_eq!(t.rights_fd_count(), 3);
        let mut small = [0; 2];
        assert_eq!(
            t.take_rights(&mut small).unwrap_err().status,
            RMSG_ERR_BUFFER_TOO_SMALL
        );
        let mut one = [0; 1];
        assert_eq!(t.take_item(1, &mut one).unwrap(), 1);
        assert_eq!(one[0], fds[2]);
        assert_eq!(t.take_rights_up_to(&mut small), 2);
        assert_eq!(small, [fds[0], fds[1]]);
        assert_eq!(t.rights_fd_count(), 0);
        drop(t);
        for (watch, fd) in w.iter().zip(&fds) {
            assert!(!watch.closed(), "taken descriptors stay open");
            fds::close(*fd);
            assert!(watch.closed());
        }
        let mut w = Watch::new();
        let mut t = Items::new(true);
        t.decode_alone(&rights(&[w.give()])).unwrap();
        t.clear();
        assert!(w.closed(), "clearing closes what was not taken");
    }

    #[test]
    fn borrowed_table_closes_nothing() {
        let mut w = Watch::new();
        let a = w.give();
        let mut t = Items::new(false);
        // Items point into the bytes they were decoded from: keep them.
        let buf = rights(&[a, a]);
        t.decode_alone(&buf).unwrap();
        let view = t.list()[0].view();
        assert_eq!(
            (view.cmsg_level, view.cmsg_type),
            (libc::SOL_SOCKET, libc::SCM_RIGHTS)
        );
        assert_eq!((view.data_len, view.fd_count), (8, 2));
        drop(t);
        assert!(!w.closed(), "a borrowed table closes nothing");
        fds::close(a);
        assert!(w.closed());
    }

    /// Decodes `buf` into `t` as a receive does (replayed when it can be),
    /// the view's decoded fields into `view`; true when it was replayed.
    fn again(t: &mut Items, buf: &[u8], view: &mut crate::view::rmsg_view) -> bool {
        assert!(t.make_room(buf.len()));
        let mut sink = ViewSink::new(view);
        let replayed = t.replay(buf, &mut sink);
        if !replayed {
            t.decode_new(buf, &mut sink);
        }
        sink.finish(t);
        replayed
    }

    #[test]
    fn a_repeated_layout_is_replayed_and_any_change_walked_again() {
        use crate::kinds::rmsg_kind::*;
        let (ip, ttl, pktinfo) = (libc::IPPROTO_IP, libc::IP_TTL, libc::IP_PKTINFO);
        let mut buf = item(ip, pktinfo, &[7u8; 12]);
        let second = buf.len();
        buf.extend(item(ip, ttl, &64i32.to_ne_bytes()));
        let mut view = crate::view::empty();
        let mut t = Items::new(true);
        assert!(
            !again(&mut t, &buf, &mut view),
            "the first message is walked"
        );
        assert_eq!(view.ip_ttl, 64);
        // The same headers with new data: the table stands, the view is
        // decoded from the new bytes.
        buf[second + HDR..second + HDR + 4].copy_from_slice(&9i32.to_ne_bytes());
        assert!(again(&mut t, &buf, &mut view));
        assert_eq!((view.ip_ttl, view.item_count), (9, 2));
        assert_eq!(view.ip_pktinfo.ifindex, i32::from_ne_bytes([7; 4]));
        assert_eq!(t.list()[1].kind(), RMSG_KIND_IP_TTL);
        // Another type at the same place: walked, and its kind follows.
        buf[second..second + HDR].copy_from_slice(&hdr_bytes(HDR + 4, ip, libc::IP_TOS));
        assert!(!again(&mut t, &buf, &mut view));
        assert_eq!(t.list()[1].kind(), RMSG_KIND_IP_TOS);
        assert_eq!(view.present & crate::view::RMSG_VIEW_IP_TTL, 0);
        // Another length with the same total: walked, the item cut.
        buf[second..second + HDR].copy_from_slice(&hdr_bytes(HDR + 3, ip, libc::IP_TOS));
        assert!(!again(&mut t, &buf, &mut view));
        assert_eq!(t.list()[1].data_len(), 3);
        // Fewer bytes: walked.
        assert!(!again(&mut t, &buf[..second], &mut view));
        assert_eq!(t.list().len(), 1);
    }

    #[test]
    fn tables_with_descriptors_or_malformed_ends_are_never_replayed() {
        let mut w = Watch::new();
        let fd = w.give();
        let buf = rights(&[fd]);
        let mut view = crate::view::empty();
        let mut t = Items::new(false);
        assert!(!again(&mut t, &buf, &mut view));
        assert_eq!(t.layout_len, 0, "descriptor slots change every time");
        assert!(t.forget(), "forget() clears a table with descriptors");
        assert!(!again(&mut t, &buf, &mut view));
        let mut bad = item(libc::IPPROTO_IP, libc::IP_TTL, &1i32.to_ne_bytes());
        bad.extend(hdr_bytes(3, 0, 0));
        assert!(!again(&mut t, &bad, &mut view));
        assert!(t.malformed());
        assert_eq!(t.layout_len, 0);
        assert!(!again(&mut t, &bad, &mut view));
        fds::close(fd);
        assert!(w.closed());
    }
}
