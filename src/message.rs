//! The received message: data, control items, flags and source address,
//! owning every descriptor the kernel installed for it. Filled by the
//! receive calls in `recv`; the C shims are in `ffi::message`.

use std::cell::Cell;
use std::ffi::c_int;
use std::mem::size_of;
use std::ops::Range;

use crate::addr::rmsg_address;
use crate::buffer::AlignedBuf;
use crate::fds;
use crate::items::{Items, rmsg_item};
use crate::status::{Error, Result, rmsg_status::*};

/// A received message: data, control items, flags and source address. It
/// owns every descriptor the kernel installed for it until the caller takes
/// them. Opaque to C.
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
    items: Items,
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

thread_local! {
    /// One freed message per thread, kept for the next receive.
    static SPARE: Cell<Option<Box<rmsg_message>>> = const { Cell::new(None) };
}

/// Where the kernel writes one message: the pieces of a `msghdr` that point
/// into an [`rmsg_message`].
pub struct Slots {
    /// `msg_name`, or NULL when no address is wanted.
    pub name: *mut libc::c_void,
    /// `msg_control`, or NULL when the control capacity is 0.
    pub control: *mut libc::c_void,
    /// The control capacity (`msg_controllen` before the call).
    pub control_len: usize,
    /// Where the message's own data buffer starts.
    pub data: *mut u8,
}

/// `bytes` rounded up to whole 8-byte words.
fn word_round(bytes: usize) -> Option<usize> {
    Some(bytes.checked_add(size_of::<u64>() - 1)? & !(size_of::<u64>() - 1))
}

impl rmsg_message {
    /// A message with room for `ancbufsize` control bytes and `bufsize`
    /// data bytes: this thread's spare when it is big enough, else a new
    /// one. Everything about the previous message is reset.
    pub(crate) fn obtain(bufsize: usize, ancbufsize: usize) -> Result<Box<rmsg_message>> {
        let too_large = || Error::new(RMSG_ERR_TOO_LARGE);
        let data_start = word_round(ancbufsize).ok_or_else(too_large)?;
        let total = data_start.checked_add(bufsize).ok_or_else(too_large)?;
        let spare = SPARE.try_with(Cell::take).ok().flatten();
        let mut msg = match spare {
            Some(m) if m.storage.len() >= total => m,
            _ => Box::new(rmsg_message {
                storage: AlignedBuf::uninit(total)?,
                control_cap: 0,
                data: 0..0,
                nbytes: 0,
                flags: 0,
                // Owns from the start: descriptors decoded into it are
                // closed when not taken.
                items: Items::new(true),
                address: rmsg_address::empty(),
            }),
        };
        msg.control_cap = ancbufsize;
        msg.data = data_start..data_start;
        msg.nbytes = 0;
        msg.flags = 0;
        // Only the length is reset: the kernel rewrites the bytes it reports.
        msg.address.set_len(0);
        Ok(msg)
    }

    /// A message holding only control items, decoded from a copy of
    /// `control` (the parse API). With `own_fds` it owns the descriptors
    /// the items carry (and closes them all, once, if it cannot be made);
    /// without, it never closes one.
    pub(crate) fn from_control(control: &[u8], own_fds: bool) -> Result<rmsg_message> {
        let storage = match AlignedBuf::copy_of(control) {
            Ok(s) => s,
            Err(e) => {
                if own_fds {
                    fds::close_all_in_control(control);
                }
                return Err(e);
            }
        };
        let mut msg = rmsg_message {
            storage,
            control_cap: control.len(),
            data: 0..0,
            nbytes: 0,
            flags: 0,
            address: rmsg_address::empty(),
            items: Items::new(own_fds),
        };
        let rmsg_message { storage, items, .. } = &mut msg;
        // decode closes the descriptors itself when it fails.
        items.decode(storage.bytes(control.len()))?;
        Ok(msg)
    }

    /// Frees a message: closes the descriptors it still owns, then keeps its
    /// memory as this thread's spare if it is small, else releases it.
    pub(crate) fn release(mut msg: Box<rmsg_message>) {
        msg.items.clear();
        if msg.storage.len() <= SPARE_MAX_BYTES {
            // The previous spare, if any, is dropped; during thread teardown
            // the message is simply dropped.
            let _ = SPARE.try_with(|s| s.set(Some(msg)));
        }
    }

    /// The buffers of this message for the kernel to write into.
    pub(crate) fn slots(&mut self, want_address: bool) -> Slots {
        let base = self.storage.as_mut_ptr();
        Slots {
            name: if want_address {
                self.address.as_mut_ptr().cast()
            } else {
                std::ptr::null_mut()
            },
            control: if self.control_cap > 0 {
                base.cast()
            } else {
                std::ptr::null_mut()
            },
            control_len: self.control_cap,
            // SAFETY: data.start is within storage (obtain sized it).
            data: unsafe { base.add(self.data.start) },
        }
    }

    /// Records what `recvmsg(2)` reported for this message and decodes the
    /// control items. `hdr` is the header the kernel filled (pointing into
    /// this message's slots); `data_cap` the capacity of the message's own
    /// data buffer (0 for the scatter form); `hide_flags` flag bits rmsg
    /// added that the caller did not ask for. On a decoding failure every
    /// descriptor the kernel installed is closed.
    pub(crate) fn complete(
        &mut self,
        n: usize,
        hdr: &libc::msghdr,
        data_cap: usize,
        hide_flags: c_int,
    ) -> Result<()> {
        self.nbytes = n;
        // A datagram larger than the buffer reports its full length only
        // with MSG_TRUNC in the flags argument; the bytes written are capped.
        self.data.end = self.data.start + n.min(data_cap);
        self.flags = hdr.msg_flags & !hide_flags;
        self.address.set_len(if hdr.msg_name.is_null() {
            0
        } else {
            hdr.msg_namelen as usize
        });
        // msg_controllen is a size_t in glibc, a socklen_t in musl.
        #[allow(clippy::unnecessary_cast)]
        let control_len = if hdr.msg_control.is_null() {
            0
        } else {
            (hdr.msg_controllen as usize).min(self.control_cap)
        };
        if control_len > 0 {
            // SAFETY: the kernel wrote control_len bytes at the start of the
            // storage (msg_controllen, clamped to what it was given).
            let control = unsafe { self.storage.written(0..control_len) };
            self.items.decode(control)?;
        }
        Ok(())
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

    /// Everything at once, for `rmsg_message_summarize`.
    pub(crate) fn info(&self) -> rmsg_message_info {
        let data = self.data();
        let address = self.address().map_or(&[][..], |a| a.bytes());
        rmsg_message_info {
            data: data.as_ptr(),
            data_len: data.len(),
            nbytes: self.nbytes,
            flags: self.flags,
            malformed: self.items.malformed(),
            item_count: self.items.list().len(),
            fd_count: self.items.rights_fd_count(),
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
