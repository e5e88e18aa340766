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
        debug_assert!(self.is_clear());
        self.fds.set_owner(owned);
    }

    /// Closes the descriptors still owned and forgets every item; the
    /// memory is kept for the next decode.
    pub fn clear(&mut self) {
        self.list.clear();
        self.fds.clear();
        self.rights = 0;
        self.malformed = false;
    }

    /// Decodes `control` (emptied first, capacity reused): [`Self::prepare`],
    /// then [`Self::walk`]. When there is no memory for the room the walk
    /// needs, nothing has been decoded, the table is empty and, when it
    /// owns descriptors, every descriptor in `control` is closed.
    #[cfg(test)]
    pub(crate) fn decode(&mut self, control: &[u8]) -> Result<()> {
        if !self.prepare(control.len()) {
            if self.fds.is_owner() {
                fds::close_all_in_control(control);
            }
            return Err(Error::new(RMSG_ERR_OUT_OF_MEMORY));
        }
        let mut view = crate::view::empty();
        self.walk(control, &mut ViewSink::new(&mut view));
        Ok(())
    }

    /// Empties the table (closing what it owns) and makes room for the
    /// most items and descriptors `len` control bytes can hold, so that
    /// the [`Self::walk`] that follows never allocates and never fails;
    /// false when there is no memory for it.
    #[inline(always)]
    pub(crate) fn prepare(&mut self, len: usize) -> bool {
        if !self.is_clear() {
            self.clear();
        }
        // Every control buffer rmsg walks is bounded by a socklen_t (the
        // kernel's, or a caller's checked against it), so lengths fit the
        // items' u32 fields; anything longer is refused, never cut.
        len == 0 || (len <= u32::MAX as usize && self.reserve_for(len))
    }

    /// Walks `control` into the table, which [`Self::prepare`] emptied and
    /// made room in for at least `control.len()` bytes, and each item into
    /// `sink` (the message's view). The items point into `control`, which
    /// must not change or move while they exist.
    #[inline(always)]
    pub(crate) fn walk(&mut self, control: &[u8], sink: &mut ViewSink<'_>) {
        let mut walk = cmsg::Walk::new(control);
        // Items are written into the room prepare() made, and the table's
        // length is set once, after the walk.
        let (list, slots, rights) = (&mut self.list, &mut self.fds, &mut self.rights);
        let room = list.spare_capacity_mut();
        let mut n = 0;
        for it in &mut walk {
            let kind = kinds::kind_of(it.level, it.cmsg_type);
            let data = it.data;
            let (fds_start, fds_end) = if kinds::carries_fds(kind) {
                add_fds(slots, rights, kind, data)
            } else {
                (0, 0)
            };
            let Some(slot) = room.get_mut(n) else {
                // Cannot happen: prepare() made room for every item the
                // bytes can hold. Stop rather than lose track.
                debug_assert!(false, "item table without room");
                break;
            };
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
        // SAFETY: the first n slots of the spare room were written above.
        unsafe { ptr::extend_written(list, n) };
        self.malformed = walk.end() == WalkEnd::Malformed;
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
        if self.list.capacity() >= items && self.fds.slots_mut().capacity() >= fds {
            return true;
        }
        self.grow(items, fds)
    }

    /// [`Self::reserve_for`] when the room is not there yet (the first
    /// receive into a message, or a larger buffer than before).
    #[cold]
    #[inline(never)]
    fn grow(&mut self, items: usize, fds: usize) -> bool {
        self.list.try_reserve_exact(items).is_ok()
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

/// Puts the descriptors of an item into the descriptor table (within the
/// room `Items::prepare` made: at most one slot per 4 bytes), counting the
/// `SCM_RIGHTS` ones in `rights`, and returns the slots they occupy.
#[inline(never)]
fn add_fds(fds: &mut OwnedFds, rights: &mut usize, kind: rmsg_kind, data: &[u8]) -> (u32, u32) {
    let slots = fds.slots_mut();
    let first = slots.len();
    slots.extend(cmsg::ints(data));
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
    use crate::test_util::{Watch, fd_bytes, item};

    fn rights(fds: &[c_int]) -> Vec<u8> {
        item(libc::SOL_SOCKET, libc::SCM_RIGHTS, &fd_bytes(fds))
    }

    #[test]
    fn owned_table_closes_what_is_not_taken() {
        let mut w: Vec<Watch> = (0..3).map(|_| Watch::new()).collect();
        let fds: Vec<c_int> = w.iter_mut().map(Watch::give).collect();
        let mut buf = rights(&fds[..2]);
        buf.extend(rights(&fds[2..]));
        let mut t = Items::new(true);
        t.decode(&buf).unwrap();
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
        t.decode(&rights(&[w.give()])).unwrap();
        t.clear();
        assert!(w.closed(), "clearing closes what was not taken");
    }

    #[test]
    fn borrowed_table_closes_nothing() {
        let mut w = Watch::new();
        let a = w.give();
        let mut t = Items::new(false);
        t.decode(&rights(&[a, a])).unwrap();
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
}
