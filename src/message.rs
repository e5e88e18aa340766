//! The received message: data, control items, flags and source address,
//! owning every descriptor the kernel installed for it. Filled by the
//! receive calls in `recv`; the C shims are in `ffi::message`.

use std::ffi::c_int;
use std::mem::size_of;
use std::sync::atomic::{AtomicPtr, Ordering};

use crate::addr::rmsg_address;
use crate::buffer::AlignedBuf;
use crate::fault;
use crate::fds;
use crate::items::{Items, rmsg_item};
use crate::ptr;
use crate::status::{Error, Result, rmsg_status::*};
use crate::view::{self, ViewSink, rmsg_view};

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
    /// Where the data bytes start in `storage`.
    data_start: usize,
    address: rmsg_address,
    /// The source address length the kernel reported, which exceeds the
    /// address's own length when the name buffer was too small for it.
    name_len: usize,
    items: Items,
    /// The message belongs to a receiver or a batch, which reuses it:
    /// `rmsg_message_free` leaves it alone.
    held: bool,
    /// The message at a glance, filled when it is received or made, in
    /// the same walk that makes its items: what `rmsg_message_view` hands
    /// out, and where the getters read data, lengths, flags and counts.
    view: ViewCell,
    /// The header the single receive keeps aimed at a boxed message, so
    /// that a loop of `rmsg_recvmsg` and `rmsg_message_free` (which keeps
    /// the freed message as the spare) rearms a header instead of building
    /// one per call. Unused by receivers and batches, which keep their own.
    armed: ArmedCell,
}

/// A `recvmsg(2)` header aimed at its (boxed, never moved) message's
/// buffers, with the iovec it points at and what it was aimed for.
struct Armed {
    hdr: libc::msghdr,
    iov: libc::iovec,
    /// `(bufsize, ancbufsize)` the header was aimed for; `None` until it
    /// is (and for messages that never go through the single receive).
    key: Option<(usize, usize)>,
}

/// The armed header a message holds: its pointers point into the message
/// itself, and only the receive that owns the message uses them.
struct ArmedCell(Armed);

// SAFETY: the pointers point into the message (its storage, its address
// and this cell), move with it, and are used only by a receive that holds
// the message exclusively.
unsafe impl Send for ArmedCell {}
// SAFETY: as above; nothing reads or writes them through a shared reference.
unsafe impl Sync for ArmedCell {}

/// The view a message holds. Its pointers point into the message itself
/// (or are NULL) and are only read through by C, under the message's own
/// thread contract: it moves and is shared with the message.
#[derive(Debug)]
struct ViewCell(rmsg_view);

// SAFETY: see ViewCell: the pointers are the message's own, and sending or
// sharing the message sends or shares what they point at with it.
unsafe impl Send for ViewCell {}
// SAFETY: as above; nothing is written through them while shared.
unsafe impl Sync for ViewCell {}

/// What `recvmsg(2)` (or one entry of `recvmmsg(2)`) reported for a
/// message, as [`rmsg_message::complete`] takes it.
pub struct Received {
    /// The byte count the call returned.
    pub nbytes: usize,
    /// `msg_namelen` after the call, or `None` when no name was asked for.
    pub name_len: Option<usize>,
    /// The room the name buffer had: the address bytes present are the
    /// smaller of this and `name_len`.
    pub name_room: usize,
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
    ///
    /// A held message also makes, now, the room its item table needs for
    /// any `ancbufsize` control bytes, so that its receives never allocate
    /// and never fail once the kernel has returned (and a batch can fill
    /// every slot's view knowing that no later slot will fail).
    pub(crate) fn with_capacity(
        bufsize: usize,
        ancbufsize: usize,
        held: bool,
    ) -> Result<rmsg_message> {
        let too_large = || Error::new(RMSG_ERR_TOO_LARGE);
        let data_start = word_round(ancbufsize).ok_or_else(too_large)?;
        let total = data_start.checked_add(bufsize).ok_or_else(too_large)?;
        let mut m = rmsg_message::new(AlignedBuf::uninit(total)?, ancbufsize, data_start, true);
        m.held = held;
        if held && !m.items.make_room(ancbufsize) {
            return Err(Error::new(RMSG_ERR_OUT_OF_MEMORY));
        }
        Ok(m)
    }

    /// A message with nothing received yet; with `own_fds` it owns the
    /// descriptors decoded into it from the start. Its view points nowhere
    /// until [`Self::pin`] runs where it will stay.
    fn new(storage: AlignedBuf, control_cap: usize, data_start: usize, own_fds: bool) -> Self {
        rmsg_message {
            storage,
            control_cap,
            data_start,
            items: Items::new(own_fds),
            address: rmsg_address::empty(),
            name_len: 0,
            held: false,
            view: ViewCell(view::empty()),
            armed: ArmedCell(Armed {
                // SAFETY: msghdr is plain data; all-zero is valid.
                hdr: unsafe { std::mem::zeroed() },
                iov: libc::iovec {
                    iov_base: std::ptr::null_mut(),
                    iov_len: 0,
                },
                key: None,
            }),
        }
    }

    /// The message's own header for a receive of up to `bufsize` data
    /// bytes and the control capacity [`Self::obtain`] set, with the
    /// source address asked for; aimed now unless it already was for
    /// these capacities. Only for a boxed message, which does not move
    /// while the header is used.
    #[inline(always)]
    pub(crate) fn armed_header(&mut self, bufsize: usize) -> &mut libc::msghdr {
        let key = Some((bufsize, self.control_cap));
        if self.armed.0.key != key {
            self.aim_armed(bufsize);
        }
        &mut self.armed.0.hdr
    }

    #[cold]
    #[inline(never)]
    fn aim_armed(&mut self, bufsize: usize) {
        let data = self.data_mut_ptr().cast();
        let name = self.name_ptr();
        let control = self.control_ptr();
        let a = &mut self.armed.0;
        a.iov = libc::iovec {
            iov_base: data,
            iov_len: bufsize,
        };
        a.hdr.msg_iov = &mut a.iov;
        a.hdr.msg_iovlen = 1;
        a.hdr.msg_name = name;
        a.hdr.msg_control = control;
        a.key = Some((bufsize, self.control_cap));
    }

    /// Points the view at the message where it now stays (a box, a
    /// receiver, a batch's slot): its `message` and `data` fields do not
    /// change after that.
    pub(crate) fn pin(&mut self) {
        let data = self.data_ptr();
        let me: *mut rmsg_message = self;
        let v = &mut self.view.0;
        v.message = me;
        v.data = data;
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
                // Released with its items cleared; what a receive reports
                // is set when it completes.
                m.control_cap = ancbufsize;
                if data_start != m.data_start {
                    m.data_start = data_start;
                    m.pin();
                }
                return Ok(m);
            }
        }
        rmsg_message::allocate(bufsize, ancbufsize)
    }

    /// A new message for [`Self::obtain`], when the spare does not serve.
    #[cold]
    #[inline(never)]
    fn allocate(bufsize: usize, ancbufsize: usize) -> Result<Box<rmsg_message>> {
        let mut m = Box::new(rmsg_message::with_capacity(bufsize, ancbufsize, false)?);
        m.pin();
        Ok(m)
    }

    /// Where the data would start for these capacities, when the storage
    /// is big enough for them.
    fn fits(&self, bufsize: usize, ancbufsize: usize) -> Option<usize> {
        let data_start = word_round(ancbufsize)?;
        (data_start.checked_add(bufsize)? <= self.storage.len()).then_some(data_start)
    }

    /// True when [`Self::forget_items`] has work to do.
    #[inline(always)]
    pub(crate) fn stale(&self) -> bool {
        self.items.stale()
    }

    /// Forgets the previous message's items: closes the descriptors not
    /// taken. (What a receive reports is set when it completes; until then
    /// the message is not handed out.)
    #[inline(always)]
    pub(crate) fn forget_items(&mut self) {
        if self.items.forget() {
            view::clear_items(&mut self.view.0);
        }
    }

    /// A message holding only control items, decoded from a copy of
    /// `control` (the parse API). With `own_fds` it owns the descriptors
    /// the items carry, from the moment it exists; until then (and so on
    /// any failure: no memory for the copy or for the item list) it owns
    /// nothing and closes nothing, and the caller's bytes are read only by
    /// the copy: no cleanup ever walks memory that was not copied. Pin it
    /// where it stays.
    pub(crate) fn from_control(control: &[u8], own_fds: bool) -> Result<rmsg_message> {
        let storage = AlignedBuf::copy_of(control)?;
        let mut msg = rmsg_message::new(storage, control.len(), 0, false);
        // A table that does not own its descriptors closes none on failure.
        if !msg.items.make_room(control.len()) {
            return Err(Error::new(RMSG_ERR_OUT_OF_MEMORY));
        }
        msg.walk_control(control.len());
        if own_fds {
            msg.items.adopt_fds();
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
        let data_start = msg.data_start;
        msg.storage.write_at(0, parts.control);
        msg.storage.write_at(data_start, parts.data);
        let name = &parts.name[..parts.name.len().min(size_of::<libc::sockaddr_storage>())];
        msg.address = rmsg_address::from_bytes(name).expect("clamped to sockaddr_storage");
        if !msg.items.make_room(parts.control.len()) {
            rmsg_message::release(msg);
            return Err(Error::new(RMSG_ERR_OUT_OF_MEMORY));
        }
        let got = Received {
            nbytes: parts.nbytes,
            name_len: Some(parts.name_len),
            name_room: name.len(),
            control_len: parts.control.len(),
            flags: parts.flags,
        };
        msg.record(&got, parts.data.len(), 0);
        if own_fds {
            msg.items.adopt_fds();
        }
        Ok(msg)
    }

    /// Frees a message: closes the descriptors it still owns, then keeps its
    /// memory as the spare if it is small, else releases it.
    pub(crate) fn release(mut msg: Box<rmsg_message>) {
        // Closes what it still owns; a table without descriptors stays, as
        // the layout the next message into this memory may repeat.
        msg.forget_items();
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
        self.storage.as_mut_ptr().wrapping_add(self.data_start)
    }

    /// Records what the kernel reported for this message and decodes the
    /// control items (and the view's fields) from it. `data_cap` is how
    /// many bytes went into the message's own data buffer at most (0 for
    /// the scatter form); `hide` flag bits rmsg added that the caller did
    /// not ask for. The previous items must be gone
    /// ([`Self::forget_items`]). On a decoding failure (no memory for the
    /// item table) every descriptor the kernel installed is closed.
    #[inline(always)]
    pub(crate) fn complete(&mut self, got: &Received, data_cap: usize, hide: c_int) -> Result<()> {
        // A held message made its room when it was made.
        if self.held {
            return self.complete_receiver(got, data_cap, hide);
        }
        let control_len = got.control_len.min(self.control_cap);
        if !self.items.make_room(control_len) {
            self.close_unclaimed(control_len);
            return Err(Error::new(RMSG_ERR_OUT_OF_MEMORY));
        }
        self.record(got, data_cap, hide);
        Ok(())
    }

    /// [`Self::complete`] for a receiver's message, whose room was made
    /// when it was made: only the test hook of debug builds can fail it.
    #[inline(always)]
    pub(crate) fn complete_receiver(
        &mut self,
        got: &Received,
        data_cap: usize,
        hide: c_int,
    ) -> Result<()> {
        debug_assert!(self.held);
        if fault::should_fail() {
            self.close_unclaimed(got.control_len);
            return Err(Error::new(RMSG_ERR_OUT_OF_MEMORY));
        }
        self.record(got, data_cap, hide);
        Ok(())
    }

    /// [`Self::complete`] for a batch's message, whose room was made when
    /// it was made and whose batch already asked the test hook: it cannot
    /// fail.
    #[inline(always)]
    pub(crate) fn complete_held(&mut self, got: &Received, data_cap: usize, hide: c_int) {
        debug_assert!(self.held);
        self.record(got, data_cap, hide);
    }

    /// Sets what the kernel reported and walks the control bytes into the
    /// item table, which has room for them, and into the view.
    #[inline(always)]
    fn record(&mut self, got: &Received, data_cap: usize, hide: c_int) {
        let name_len = got.name_len.unwrap_or(0);
        let address_len = name_len.min(got.name_room);
        self.address.set_len_within(address_len);
        self.name_len = name_len;
        let v = &mut self.view.0;
        v.nbytes = got.nbytes;
        // A datagram larger than the buffer reports its full length only
        // with MSG_TRUNC in the flags argument; the bytes written are capped.
        v.data_len = got.nbytes.min(data_cap);
        v.flags = got.flags & !hide;
        v.address_len = address_len;
        v.address = if address_len == 0 {
            std::ptr::null()
        } else {
            self.address.as_ptr()
        };
        self.walk_control(got.control_len.min(self.control_cap));
    }

    /// Walks the first `control_len` control bytes (written, and with room
    /// made for their items) into the item table and the view. With no
    /// control bytes and no items from before, the view already says so.
    #[inline(always)]
    fn walk_control(&mut self, control_len: usize) {
        let rmsg_message {
            storage,
            items,
            view,
            ..
        } = self;
        if control_len == 0 {
            // After forget_items() a table is empty, or a layout kept for
            // a message that brought none: forget it.
            if !items.list().is_empty() {
                let mut sink = ViewSink::new(&mut view.0);
                items.decode_new(&[], &mut sink);
                sink.finish(items);
            }
            return;
        }
        // SAFETY: control_len bytes at the start of the storage were
        // written (by the kernel, or copied), and the caller clamped
        // control_len to the control buffer.
        let control = unsafe { storage.written(0..control_len) };
        let mut sink = ViewSink::new(&mut view.0);
        if items.replay(control, &mut sink) {
            // The same table as the last message's: the view's counts
            // stand, only its decoded fields are new.
            sink.finish_replay();
        } else {
            items.decode_new(control, &mut sink);
            sink.finish(items);
        }
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
    /// message carries one (its first `UDP_GRO` item, not 0).
    pub(crate) fn gro_segment_size(&self) -> Option<usize> {
        let v = &self.view.0;
        (v.present & view::RMSG_VIEW_UDP_GRO != 0 && v.udp_gro > 0).then_some(v.udp_gro as usize)
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
        // SAFETY: the kernel wrote data_len bytes at the data's start
        // (record() capped the byte count at the buffer).
        unsafe { ptr::owned_bytes(self.data_ptr(), self.view.0.data_len) }
    }

    /// Where the data starts (never NULL; not to be read past `data_len`).
    #[inline(always)]
    pub(crate) fn data_ptr(&self) -> *const u8 {
        self.storage.as_ptr().wrapping_add(self.data_start)
    }

    /// Number of data bytes.
    #[inline(always)]
    pub(crate) fn data_len(&self) -> usize {
        self.view.0.data_len
    }

    /// The walk over the control bytes stopped at a malformed header.
    pub(crate) fn malformed(&self) -> bool {
        self.view.0.malformed
    }

    /// Number of control items.
    #[inline(always)]
    pub(crate) fn item_count(&self) -> usize {
        self.view.0.item_count
    }

    /// `SCM_RIGHTS` descriptors still owned, over all items.
    #[inline(always)]
    pub(crate) fn fd_count(&self) -> usize {
        self.view.0.fd_count
    }

    /// Bytes received: the data length, or for the scatter form the bytes
    /// written into the caller's buffers.
    #[inline(always)]
    pub(crate) fn nbytes(&self) -> usize {
        self.view.0.nbytes
    }

    /// `msg_flags` exactly as the kernel returned them.
    #[inline(always)]
    pub(crate) fn flags(&self) -> c_int {
        self.view.0.flags
    }

    /// The message at a glance (see `rmsg_view`).
    #[inline(always)]
    pub(crate) fn view(&self) -> &rmsg_view {
        &self.view.0
    }

    /// The control items in kernel order, with their descriptors.
    pub(crate) fn items(&self) -> &Items {
        &self.items
    }

    /// Takes descriptors from the control items with `take`, then counts
    /// the `SCM_RIGHTS` ones still owned again.
    pub(crate) fn take_fds<R>(&mut self, take: impl FnOnce(&mut Items) -> R) -> R {
        let r = take(&mut self.items);
        self.view.0.fd_count = self.items.rights_fd_count();
        r
    }

    /// Item `index`, if there is one.
    pub(crate) fn item(&self, index: usize) -> Option<&rmsg_item> {
        self.items.list().get(index)
    }

    /// The source address, or `None` when the kernel returned none.
    #[inline(always)]
    pub(crate) fn address(&self) -> Option<&rmsg_address> {
        (self.address.len() != 0).then_some(&self.address)
    }

    /// The source address length the kernel reported (0 without one).
    pub(crate) fn name_len(&self) -> usize {
        self.name_len
    }

    /// Everything at once, for `rmsg_message_summarize` (read straight
    /// from the view: callers in other languages call it per message).
    pub(crate) fn info(&self) -> rmsg_message_info {
        let v = &self.view.0;
        rmsg_message_info {
            data: self.data_ptr(),
            data_len: v.data_len,
            nbytes: v.nbytes,
            flags: v.flags,
            malformed: v.malformed,
            item_count: v.item_count,
            fd_count: v.fd_count,
            address: v.address,
            address_len: v.address_len,
        }
    }
}

impl std::fmt::Debug for rmsg_message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("rmsg_message")
            .field("nbytes", &self.nbytes())
            .field("flags", &self.flags())
            .field("items", &self.items)
            .field("address", &self.address())
            .finish()
    }
}
