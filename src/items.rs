//! The control items of a received or parsed buffer, and the descriptors
//! they carry: one table type shared by messages (`rmsg_message`) and
//! parsed buffers (`rmsg_control`).

use std::ffi::c_int;
use std::mem::size_of;
use std::ops::Range;

use crate::cmsg::{self, WalkEnd};
use crate::decode::{self, Raw, rmsg_kind};
use crate::fault;
use crate::fds::{self, OwnedFds};
use crate::ptr;
use crate::status::{Error, Result, rmsg_status::*};

/// One control message of a received (or parsed) control buffer: level,
/// type, data and a truncated mark. Opaque to C; read it with the
/// `rmsg_item_*` functions. It lives inside its message (or parsed buffer)
/// and is valid until that is freed.
///
/// Threads: an item is part of its message. Several threads may read it
/// at once (the `rmsg_item_*` functions take it `const`), like the rest of
/// the message, while no thread changes or frees the message.
#[derive(Debug)]
pub struct rmsg_item {
    level: c_int,
    kind: c_int,
    /// The item's data: it points into the owner's control bytes (heap
    /// memory that does not move while the owner lives).
    data: DataPtr,
    data_len: usize,
    truncated: bool,
    /// The slots of the owner's descriptor table this item's fds occupy.
    fds: Range<usize>,
}

impl rmsg_item {
    pub(crate) fn level(&self) -> c_int {
        self.level
    }

    pub(crate) fn kind(&self) -> c_int {
        self.kind
    }

    pub(crate) fn truncated(&self) -> bool {
        self.truncated
    }

    /// The item's data bytes (clamped to what the buffer holds).
    pub(crate) fn data(&self) -> &[u8] {
        // SAFETY: data points at data_len initialised bytes of the owner's
        // control buffer, which outlives &self (an item is only reachable
        // through its owner, which never changes the bytes while items exist).
        unsafe { ptr::owned_bytes(self.data.0, self.data_len) }
    }

    /// Where the data starts (never NULL).
    pub(crate) fn data_ptr(&self) -> *const u8 {
        self.data().as_ptr()
    }

    /// Number of data bytes.
    pub(crate) fn data_len(&self) -> usize {
        self.data_len
    }

    /// The item as the typed decoders see it.
    pub(crate) fn raw(&self) -> Raw<'_> {
        Raw::new(self.level, self.kind, self.data())
    }

    /// Which typed decoder reads it.
    pub(crate) fn decoded_kind(&self) -> rmsg_kind {
        decode::kind_of(self.level, self.kind)
    }

    /// True for `SCM_RIGHTS` and `SCM_PIDFD` items.
    pub(crate) fn carries_fds(&self) -> bool {
        cmsg::carries_fds(self.level, self.kind)
    }

    fn is_rights(&self) -> bool {
        self.level == libc::SOL_SOCKET && self.kind == libc::SCM_RIGHTS
    }

    /// Descriptors the item carries, taken or not.
    pub(crate) fn fd_count(&self) -> usize {
        self.fds.len()
    }

    /// Everything about the item at once, for `rmsg_message_items`.
    pub(crate) fn view(&self) -> rmsg_item_view {
        rmsg_item_view {
            cmsg_level: self.level,
            cmsg_type: self.kind,
            data: self.data().as_ptr(),
            data_len: self.data_len,
            truncated: self.truncated,
            fd_count: self.fds.len(),
        }
    }
}

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
    malformed: bool,
}

impl Items {
    /// An empty table. With `own_fds` the descriptors decoded into it are
    /// closed when they are cleared or dropped without being taken.
    pub fn new(own_fds: bool) -> Items {
        Items {
            list: Vec::new(),
            fds: OwnedFds::new(own_fds),
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
        self.malformed = false;
    }

    /// Decodes `control` (emptied first, capacity reused). The items point
    /// into `control`, which must not change or move while they exist. On
    /// allocation failure the table is empty and, when it owns descriptors,
    /// every descriptor in `control` is closed.
    pub fn decode(&mut self, control: &[u8]) -> Result<()> {
        if !self.is_clear() {
            self.clear();
        }
        if control.is_empty() {
            return Ok(());
        }
        let (list, slots) = (&mut self.list, self.fds.slots_mut());
        // One pass: room is reserved only when the (usually reused) vectors
        // are full; an allocation failure stops the walk.
        let mut oom = fault::should_fail();
        let end = cmsg::walk(control, |it| {
            if oom {
                return;
            }
            let data = it.data;
            let fd_count = if cmsg::carries_fds(it.level, it.kind) {
                data.len() / size_of::<c_int>()
            } else {
                0
            };
            let full = list.len() == list.capacity() && list.try_reserve(1).is_err();
            if full || (fd_count > 0 && slots.try_reserve(fd_count).is_err()) {
                oom = true;
                return;
            }
            let first = slots.len();
            if fd_count > 0 {
                slots.extend(cmsg::ints(data));
            }
            list.push(rmsg_item {
                level: it.level,
                kind: it.kind,
                data: DataPtr(data.as_ptr()),
                data_len: data.len(),
                truncated: it.truncated,
                fds: first..slots.len(),
            });
        });
        if oom {
            // The slots filled so far hold some of the descriptors: forget
            // them all and close every one the buffer carries, once.
            self.list.clear();
            let owned = self.fds.is_owner();
            self.fds.forget();
            if owned {
                fds::close_all_in_control(control);
            }
            return Err(Error::new(RMSG_ERR_OUT_OF_MEMORY));
        }
        self.malformed = end == WalkEnd::Malformed;
        Ok(())
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
    pub fn rights_fd_count(&self) -> usize {
        self.list
            .iter()
            .filter(|i| i.is_rights())
            .map(|i| self.fds.count_owned(i.fds.clone()))
            .sum()
    }

    /// Moves still-owned `SCM_RIGHTS` descriptors into `out`, in order,
    /// until it is full; the rest stay. Returns how many moved.
    pub fn take_rights_up_to(&mut self, out: &mut [c_int]) -> usize {
        let mut n = 0;
        for item in self.list.iter().filter(|i| i.is_rights()) {
            n += self.fds.take_up_to(item.fds.clone(), &mut out[n..]);
        }
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
        self.fds
            .take_into(item.fds.clone(), out)
            .map_err(|_| Error::new(RMSG_ERR_BUFFER_TOO_SMALL))
    }
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
