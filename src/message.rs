//! The received message: data, control items, flags and source address,
//! owning every descriptor the kernel installed for it. Filled by the
//! receive calls in `recv`; the C shims are in `ffi::message`.

use std::ffi::c_int;
use std::mem::size_of;
use std::ops::Range;
use std::sync::atomic::{AtomicPtr, Ordering};

use crate::addr::rmsg_address;
use crate::buffer::AlignedBuf;
use crate::decode;
use crate::fds;
use crate::items::{Items, rmsg_item};
use crate::ptr;
use crate::status::{Error, Result, rmsg_status::*};

/// A received message: data, control items, flags and source address. It
/// owns every descriptor the kernel installed for it until the caller takes
/// them. Opaque to C.
///
/// Threads: a message may move between threads (received on one, read on a
/// second, freed on a third). Several threads may at once call functions
/// that take it `const` (the `rmsg_message_*` getters,
/// `rmsg_message_summarize`, `rmsg_message_items`) and read its items and
/// address. A function that takes it non-`const` (`rmsg_message_take_fds`,
/// `rmsg_message_take_item_fds`, `rmsg_message_free`) needs it to itself:
/// no other call on the message, its items or its address may run
/// meanwhile; the caller provides that exclusion.
pub struct rmsg_message {
    /// The control buffer (its capacity rounded up to 8 bytes), then room
    /// for the data. Only what the kernel reported writing is read.
    storage: AlignedBuf,
    /// Capacity of the control buffer, as passed to the kernel.
    control_cap: usize,
    /// Where the data bytes are in `storage` (empty for the scatter form).
    data: Range<usize>,
    nbytes: usize,
    flags: c_int,
    address: rmsg_address,
    /// The source address length the kernel reported, which exceeds the
    /// address's own length when the name buffer was too small for it.
    name_len: usize,
    items: Items,
    /// The message belongs to a receiver or a batch, which reuses it:
    /// `rmsg_message_free` leaves it alone.
    held: bool,
}

/// What `recvmsg(2)` (or one entry of `recvmmsg(2)`) reported for a
/// message, as [`rmsg_message::complete`] takes it.
pub struct Received {
    /// The byte count the call returned.
    pub nbytes: usize,
    /// `msg_namelen` after the call, or `None` when no name was asked for.
    pub name_len: Option<usize>,
    /// `msg_controllen` after the call (0 when no control buffer was given).
    pub control_len: usize,
    /// `msg_flags` after the call.
    pub flags: c_int,
}

/// A message the caller received itself (an io_uring completion), as
/// [`rmsg_message::from_parts`] takes it: every slice lies inside the
/// caller's buffer and has been clamped to what the kernel wrote.
pub struct Parts<'a> {
    /// The data bytes present.
    pub data: &'a [u8],
    /// The byte count the kernel reported (more than `data` holds when the
    /// data was cut).
    pub nbytes: usize,
    /// The source address bytes present (clamped to the name buffer).
    pub name: &'a [u8],
    /// The address length the kernel reported.
    pub name_len: usize,
    /// The control bytes the kernel wrote.
    pub control: &'a [u8],
    /// The message flags.
    pub flags: c_int,
}

/// Everything about a message at once, for callers (bindings above all) that
/// pay for each call across the boundary. Filled by `rmsg_message_summarize`;
/// the pointers borrow from the message and are valid until it is freed.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmsg_message_info {
    /// The data bytes (as `rmsg_message_data`); never NULL, may not be
    /// dereferenced when `data_len` is 0.
    pub data: *const u8,
    /// Number of data bytes (as `rmsg_message_data_len`).
    pub data_len: usize,
    /// The byte count `recvmsg(2)` returned (as `rmsg_message_nbytes`).
    pub nbytes: usize,
    /// `msg_flags` as the kernel returned them (as `rmsg_message_flags`).
    pub flags: c_int,
    /// The walk over the control bytes stopped at a malformed header.
    pub malformed: bool,
    /// Number of control items (as `rmsg_message_item_count`).
    pub item_count: usize,
    /// `SCM_RIGHTS` descriptors the message still owns.
    pub fd_count: usize,
    /// The raw source `sockaddr` bytes, or NULL when there is no address.
    pub address: *const u8,
    /// Length of `address` (0 when there is none).
    pub address_len: usize,
}

/// Largest message storage kept for reuse by [`rmsg_message::release`].
const SPARE_MAX_BYTES: usize = 64 * 1024;

/// One freed message, kept for the next receive (of any thread): a receive
/// loop then allocates nothing. An atomic slot rather than a thread-local
/// one, because a thread-local costs a `__tls_get_addr` call in a shared
/// library on every use.
static SPARE: AtomicPtr<rmsg_message> = AtomicPtr::new(std::ptr::null_mut());

/// `bytes` rounded up to whole 8-byte words.
fn word_round(bytes: usize) -> Option<usize> {
    Some(bytes.checked_add(size_of::<u64>() - 1)? & !(size_of::<u64>() - 1))
}

impl rmsg_message {
    /// A new message with room for `ancbufsize` control bytes and
    /// `bufsize` data bytes (for a receiver or batch, `held`).
    pub(crate) fn with_capacity(
        bufsize: usize,
        ancbufsize: usize,
        held: bool,
    ) -> Result<rmsg_message> {
        let too_large = || Error::new(RMSG_ERR_TOO_LARGE);
        let data_start = word_round(ancbufsize).ok_or_else(too_large)?;
        let total = data_start.checked_add(bufsize).ok_or_else(too_large)?;
        Ok(rmsg_message {
            storage: AlignedBuf::uninit(total)?,
            control_cap: ancbufsize,
            data: data_start..data_start,
            nbytes: 0,
            flags: 0,
            // Owns from the start: descriptors decoded into it are closed
            // when not taken.
            items: Items::new(true),
            address: rmsg_address::empty(),
            name_len: 0,
            held,
        })
    }

    /// A message with room for `ancbufsize` control bytes and `bufsize`
    /// data bytes: the spare when it is big enough, else a new one.
    #[inline(always)]
    pub(crate) fn obtain(bufsize: usize, ancbufsize: usize) -> Result<Box<rmsg_message>> {
        let spare = SPARE.swap(std::ptr::null_mut(), Ordering::Acquire);
        // SAFETY: the slot only ever holds NULL or a pointer from
        // ptr::into_raw (release), and swapping it out made this thread its
        // only owner.
        if let Some(mut m) = unsafe { ptr::take_box(spare) } {
            if let Some(data_start) = m.fits(bufsize, ancbufsize) {
                m.control_cap = ancbufsize;
                m.data = data_start..data_start;
                m.reset();
                return Ok(m);
            }
        }
        rmsg_message::allocate(bufsize, ancbufsize)
    }

    /// A new message for [`Self::obtain`], when the spare does not serve.
    #[cold]
    #[inline(never)]
    fn allocate(bufsize: usize, ancbufsize: usize) -> Result<Box<rmsg_message>> {
        rmsg_message::with_capacity(bufsize, ancbufsize, false).map(Box::new)
    }

    /// Where the data would start for these capacities, when the storage
    /// is big enough for them.
    fn fits(&self, bufsize: usize, ancbufsize: usize) -> Option<usize> {
        let data_start = word_round(ancbufsize)?;
        (data_start.checked_add(bufsize)? <= self.storage.len()).then_some(data_start)
    }

    /// Forgets the previous message: closes the descriptors not taken and
    /// resets what the next receive reports. The capacities stay.
    #[inline(always)]
    pub(crate) fn reset(&mut self) {
        if !self.items.is_clear() {
            self.items.clear();
        }
        self.data.end = self.data.start;
        self.nbytes = 0;
        self.flags = 0;
        // Only the length is reset: the kernel rewrites the bytes it reports.
        self.address.set_len(0);
    }

    /// A message holding only control items, decoded from a copy of
    /// `control` (the parse API). With `own_fds` it owns the descriptors
    /// the items carry, from the moment it exists; until then (and so on
    /// any failure: no memory for the copy or for the item list) it owns
    /// nothing and closes nothing, and the caller's bytes are read only by
    /// the copy: no cleanup ever walks memory that was not copied.
    pub(crate) fn from_control(control: &[u8], own_fds: bool) -> Result<rmsg_message> {
        let storage = AlignedBuf::copy_of(control)?;
        let mut msg = rmsg_message {
            storage,
            control_cap: control.len(),
            data: 0..0,
            nbytes: 0,
            flags: 0,
            address: rmsg_address::empty(),
            name_len: 0,
            items: Items::new(false),
            held: false,
        };
        let rmsg_message { storage, items, .. } = &mut msg;
        // A table that does not own its descriptors closes none on failure.
        items.decode(storage.bytes(control.len()))?;
        if own_fds {
            items.adopt_fds();
        }
        Ok(msg)
    }

    /// A message made of copies of pieces the caller received itself (an
    /// io_uring completion: see `uring`): data, flags, source address and
    /// control items, as the receive path makes them. With `own_fds` it
    /// owns the descriptors in the control bytes once it is made (on a
    /// failure they stay the caller's); without, it never closes one.
    pub(crate) fn from_parts(parts: &Parts<'_>, own_fds: bool) -> Result<Box<rmsg_message>> {
        let mut msg = rmsg_message::obtain(parts.data.len(), parts.control.len())?;
        // Borrowed while it is built: a failure closes nothing.
        msg.items.set_owner(false);
        let data_start = msg.data.start;
        msg.storage.write_at(0, parts.control);
        msg.storage.write_at(data_start, parts.data);
        msg.data.end = data_start + parts.data.len();
        msg.nbytes = parts.nbytes;
        msg.flags = parts.flags;
        let name = &parts.name[..parts.name.len().min(size_of::<libc::sockaddr_storage>())];
        msg.address = rmsg_address::from_bytes(name).expect("clamped to sockaddr_storage");
        msg.name_len = parts.name_len;
        let rmsg_message { storage, items, .. } = &mut *msg;
        // SAFETY: the control bytes were just copied to the start of the
        // storage.
        let control = unsafe { storage.written(0..parts.control.len()) };
        if let Err(e) = items.decode(control) {
            rmsg_message::release(msg);
            return Err(e);
        }
        if own_fds {
            items.adopt_fds();
        }
        Ok(msg)
    }

    /// Frees a message: closes the descriptors it still owns, then keeps its
    /// memory as the spare if it is small, else releases it.
    pub(crate) fn release(mut msg: Box<rmsg_message>) {
        if !msg.items.is_clear() {
            msg.items.clear();
        }
        // The spare is used by the receive path, whose messages own.
        msg.items.set_owner(true);
        if msg.storage.len() <= SPARE_MAX_BYTES {
            let old = SPARE.swap(ptr::into_raw(msg), Ordering::AcqRel);
            // SAFETY: as in obtain: NULL or a pointer from ptr::into_raw,
            // now owned by this thread alone.
            unsafe { ptr::free_box(old) };
        }
    }

    /// True for a message that belongs to a receiver or batch.
    pub(crate) fn held(&self) -> bool {
        self.held
    }

    /// Capacity of the control buffer.
    pub(crate) fn control_cap(&self) -> usize {
        self.control_cap
    }

    /// `msg_name` for the kernel to write the source address into.
    pub(crate) fn name_ptr(&mut self) -> *mut libc::c_void {
        self.address.as_mut_ptr().cast()
    }

    /// `msg_control` for the kernel (NULL when the capacity is 0).
    pub(crate) fn control_ptr(&mut self) -> *mut libc::c_void {
        if self.control_cap > 0 {
            self.storage.as_mut_ptr().cast()
        } else {
            std::ptr::null_mut()
        }
    }

    /// Where the kernel writes the data.
    pub(crate) fn data_mut_ptr(&mut self) -> *mut u8 {
        self.storage.as_mut_ptr().wrapping_add(self.data.start)
    }

    /// Records what the kernel reported for this message and decodes the
    /// control items. `data_cap` is how many bytes went into the message's
    /// own data buffer at most (0 for the scatter form); `hide` flag bits
    /// rmsg added that the caller did not ask for. On a decoding failure
    /// every descriptor the kernel installed is closed.
    #[inline(always)]
    pub(crate) fn complete(&mut self, got: &Received, data_cap: usize, hide: c_int) -> Result<()> {
        self.nbytes = got.nbytes;
        // A datagram larger than the buffer reports its full length only
        // with MSG_TRUNC in the flags argument; the bytes written are capped.
        self.data.end = self.data.start + got.nbytes.min(data_cap);
        self.flags = got.flags & !hide;
        self.address.set_len(got.name_len.unwrap_or(0));
        self.name_len = got.name_len.unwrap_or(0);
        let control_len = got.control_len.min(self.control_cap);
        if control_len > 0 {
            // SAFETY: the kernel wrote control_len bytes at the start of the
            // storage (msg_controllen, clamped to what it was given).
            let control = unsafe { self.storage.written(0..control_len) };
            self.items.decode(control)?;
        }
        Ok(())
    }

    /// Closes the descriptors the kernel installed for a message whose
    /// completion never ran (a batch failing part-way): they are in the
    /// first `control_len` control bytes.
    pub(crate) fn close_unclaimed(&mut self, control_len: usize) {
        let control_len = control_len.min(self.control_cap);
        if control_len > 0 {
            // SAFETY: the kernel wrote control_len bytes there.
            fds::close_all_in_control(unsafe { self.storage.written(0..control_len) });
        }
    }

    /// The segment size of a coalesced UDP datagram (`UDP_GRO`), when the
    /// message carries one.
    pub(crate) fn gro_segment_size(&self) -> Option<usize> {
        self.items
            .list()
            .iter()
            .find_map(|i| decode::udp_gro(i.raw()).ok())
            .filter(|s| *s > 0)
            .map(|s| s as usize)
    }

    /// The data as segments: of the `UDP_GRO` size when there is one (the
    /// last may be shorter), else the whole data as one segment.
    pub(crate) fn segment(&self, index: usize) -> Option<&[u8]> {
        let data = self.data();
        match self.gro_segment_size() {
            None => (index == 0).then_some(data),
            Some(size) => {
                let start = index.checked_mul(size)?;
                (start < data.len()).then(|| &data[start..data.len().min(start + size)])
            }
        }
    }

    /// Number of segments (see [`Self::segment`]).
    pub(crate) fn segment_count(&self) -> usize {
        match self.gro_segment_size() {
            None => 1,
            Some(size) => self.data().len().div_ceil(size),
        }
    }

    /// The data received (empty for the scatter form).
    pub(crate) fn data(&self) -> &[u8] {
        // SAFETY: the kernel wrote the data range (complete() set it from
        // the byte count, capped at the buffer).
        unsafe { self.storage.written(self.data.clone()) }
    }

    /// Where the data starts (never NULL; not to be read past `data_len`).
    pub(crate) fn data_ptr(&self) -> *const u8 {
        self.storage.as_ptr().wrapping_add(self.data.start)
    }

    /// Number of data bytes.
    pub(crate) fn data_len(&self) -> usize {
        self.data.len()
    }

    /// The walk over the control bytes stopped at a malformed header.
    pub(crate) fn malformed(&self) -> bool {
        self.items.malformed()
    }

    /// Number of control items.
    pub(crate) fn item_count(&self) -> usize {
        self.items.list().len()
    }

    /// `SCM_RIGHTS` descriptors still owned, over all items.
    pub(crate) fn fd_count(&self) -> usize {
        self.items.rights_fd_count()
    }

    /// Bytes received: the data length, or for the scatter form the bytes
    /// written into the caller's buffers.
    pub(crate) fn nbytes(&self) -> usize {
        self.nbytes
    }

    /// `msg_flags` exactly as the kernel returned them.
    pub(crate) fn flags(&self) -> c_int {
        self.flags
    }

    /// The control items in kernel order, with their descriptors.
    pub(crate) fn items(&self) -> &Items {
        &self.items
    }

    /// The control items, to take descriptors from.
    pub(crate) fn items_mut(&mut self) -> &mut Items {
        &mut self.items
    }

    /// Item `index`, if there is one.
    pub(crate) fn item(&self, index: usize) -> Option<&rmsg_item> {
        self.items.list().get(index)
    }

    /// The source address, or `None` when the kernel returned none.
    pub(crate) fn address(&self) -> Option<&rmsg_address> {
        (!self.address.bytes().is_empty()).then_some(&self.address)
    }

    /// The source address length the kernel reported (0 without one).
    pub(crate) fn name_len(&self) -> usize {
        self.name_len
    }

    /// Everything at once, for `rmsg_message_summarize` (read straight
    /// from the fields: callers in other languages call it per message).
    pub(crate) fn info(&self) -> rmsg_message_info {
        let address = self.address.bytes();
        rmsg_message_info {
            data: self.data_ptr(),
            data_len: self.data.len(),
            nbytes: self.nbytes,
            flags: self.flags,
            malformed: self.items.malformed(),
            item_count: self.items.list().len(),
            fd_count: if self.items.is_clear() {
                0
            } else {
                self.items.rights_fd_count()
            },
            address: if address.is_empty() {
                std::ptr::null()
            } else {
                address.as_ptr()
            },
            address_len: address.len(),
        }
    }
}

impl std::fmt::Debug for rmsg_message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("rmsg_message")
            .field("nbytes", &self.nbytes)
            .field("flags", &self.flags)
            .field("items", &self.items)
            .field("address", &self.address())
            .finish()
    }
}
