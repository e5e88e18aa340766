//! The C API: every `extern "C"` function of rmsg, one file per handle type
//! or concept, thin shims over the safe core that check pointers, convert
//! integers, run the core inside the panic boundary and write outputs only
//! on success. This module is also the crate's Rust surface: the fuzz
//! targets call these functions exactly as C does.
//!
//! | file | functions |
//! |---|---|
//! | `message.rs` | the receive calls and `rmsg_message_*` |
//! | `receiver.rs` | `rmsg_receiver_*` and `rmsg_batch_*` (reusable receive) |
//! | `item.rs` | `rmsg_item_*` (generic getters, kind, typed decoders), `rmsg_kind_name` |
//! | `control.rs` | `rmsg_control_*` (parsing a control buffer) |
//! | `address.rs` | `rmsg_address_*` (reading, building, parsing, formatting) |
//! | `builder.rs` | `rmsg_cmsg_builder_*` |
//! | `send.rs` | `rmsg_sendmsg`, `rmsg_sendmmsg`, `rmsg_send_fds` |
//! | `sizing.rs` | `rmsg_cmsg_len`, `rmsg_cmsg_space`, `rmsg_control_space*` |
//! | `status.rs` | `rmsg_status_*`, `rmsg_last_errno` |
//! | `version.rs` | `rmsg_version`, `rmsg_version_number` |
//! | `uring.rs` | messages from io_uring completions (`rmsg_message_from_multishot`, `rmsg_message_from_recvmsg`), `rmsg_message_name_len` |
//! | `testing.rs` | the test hook (debug builds only, not in the header) |
//!
//! Conventions (also in README.md): functions returning `rmsg_status` write
//! their `*_out` arguments only when they return `RMSG_OK`; handles returned
//! through `**_out` are owned by the caller and freed with the matching
//! `_free`; pointers returned by getters borrow from the handle passed in and
//! stay valid until that handle is freed.
//!
//! Safety, for every function here: each pointer argument is NULL or valid
//! as its documentation says (a live handle from rmsg, or memory readable or
//! writable for the length passed beside it). That one contract is stated in
//! the header and README rather than repeated per function.
#![allow(clippy::missing_safety_doc)]

use crate::panic::{guard, guard_or};
use crate::parse;
use crate::ptr::{check_out, into_raw, try_ref, try_slice, write_out};
use crate::status::{Error, Result};

mod address;
mod builder;
mod control;
mod item;
mod message;
mod receiver;
mod send;
mod sizing;
mod status;
#[cfg(debug_assertions)]
mod testing;
mod uring;
mod version;

pub use address::*;
pub use builder::*;
pub use control::*;
pub use item::*;
pub use message::*;
pub use receiver::*;
pub use send::*;
pub use sizing::*;
pub use status::*;
#[cfg(debug_assertions)]
pub use testing::*;
pub use uring::*;
pub use version::*;

pub use crate::addr::{rmsg_addr_kind, rmsg_address, rmsg_inet_address, rmsg_inet6_address};
pub use crate::addr_text::RMSG_MAX_ADDRESS_TEXT;
/// The types C sees, for Rust callers of these functions.
pub use crate::batch::{RMSG_BATCH_MAX, rmsg_batch};
pub use crate::buffer::rmsg_iovec;
pub use crate::builder::rmsg_cmsg_builder;
pub use crate::decode::{
    rmsg_credentials, rmsg_extended_error, rmsg_ip_pktinfo, rmsg_ipv6_mtuinfo, rmsg_ipv6_pktinfo,
    rmsg_kind, rmsg_timestamp, rmsg_timestamping, rmsg_traffic_class, rmsg_ts_pktinfo,
};
pub use crate::items::{rmsg_item, rmsg_item_view};
pub use crate::message::{rmsg_message, rmsg_message_info};
pub use crate::parse::{RMSG_PARSE_OWN_FDS, rmsg_control};
pub use crate::ptr::RMSG_MAX_BUFFER_SIZE;
pub use crate::receiver::rmsg_receiver;
pub use crate::recv::{
    RMSG_RECV_NO_ADDRESS, RMSG_RECV_NO_CLOEXEC, RMSG_RECV_RETURN_EINTR, rmsg_recv_options,
};
pub use crate::send::{
    RMSG_SEND_ALLOW_SIGPIPE, RMSG_SEND_RETURN_EINTR, rmsg_send_item, rmsg_send_options,
};
pub use crate::sizing::{RMSG_OPT_STATS_SPACE, RMSG_SECURITY_LABEL_SPACE, rmsg_cmsg_kind};
pub use crate::status::rmsg_status;
pub use crate::uring::rmsg_recvmsg_parts;
pub use crate::wait::{RMSG_WAIT_BLOCK, RMSG_WAIT_DEADLINE, RMSG_WAIT_NONBLOCK};

/// The thread-safety contract the header states, held to by the compiler:
/// every handle may move between threads (`Send`), and those whose `const`
/// functions may run on one handle from several threads at once are
/// `Sync` (no interior mutability; the one raw pointer inside, to an item's
/// data, is vouched for in `items`). Receivers and batches are used by one
/// thread at a time, so they need only `Send`.
const _: () = {
    const fn movable<T: Send>() {}
    const fn shared<T: Sync>() {}
    // A tuple is Send (Sync) exactly when each of its members is.
    movable::<(
        rmsg_message,
        rmsg_control,
        rmsg_item,
        rmsg_address,
        rmsg_cmsg_builder,
        rmsg_receiver,
        rmsg_batch,
    )>();
    shared::<(
        rmsg_message,
        rmsg_control,
        rmsg_item,
        rmsg_address,
        rmsg_cmsg_builder,
    )>();
};

/// The body of a getter: `f` applied to the handle, or `fallback` when the
/// handle is NULL (or should `f` panic).
///
/// # Safety
/// `handle` is NULL or a live handle not mutably borrowed elsewhere.
unsafe fn get<T, R: Copy>(handle: *const T, fallback: R, f: impl FnOnce(&T) -> R) -> R {
    guard_or(fallback, || {
        // SAFETY: handle is NULL or live, per this function's contract.
        match unsafe { try_ref(handle) } {
            Ok(h) => f(h),
            Err(_) => fallback,
        }
    })
}

/// Where a function that reads a handle puts its result: one `*mut V`, or
/// a pointer and a length `(*mut *const u8, *mut usize)` for bytes that
/// borrow from the handle. The one place that writes a pointer-plus-length
/// result.
trait Outputs<V> {
    /// `RMSG_ERR_NULL_ARGUMENT` unless every output pointer is non-NULL.
    fn check(&self) -> Result<()>;

    /// Writes the result.
    ///
    /// # Safety
    /// [`Outputs::check`] passed, and each pointer is writable.
    unsafe fn write(self, value: V);
}

impl<V> Outputs<V> for *mut V {
    fn check(&self) -> Result<()> {
        check_out(*self)
    }

    unsafe fn write(self, value: V) {
        // SAFETY: per the trait's contract.
        unsafe { write_out(self, value) }
    }
}

impl<'a> Outputs<&'a [u8]> for (*mut *const u8, *mut usize) {
    fn check(&self) -> Result<()> {
        check_out(self.0)?;
        check_out(self.1)
    }

    unsafe fn write(self, value: &'a [u8]) {
        // SAFETY: per the trait's contract.
        unsafe {
            write_out(self.0, value.as_ptr());
            write_out(self.1, value.len());
        }
    }
}

/// The body of a function that reads a handle and writes a result: NULL
/// pointers are `RMSG_ERR_NULL_ARGUMENT`, and `out` is written only when
/// `f` succeeds.
///
/// # Safety
/// `handle` is NULL or a live handle that outlives `'a` as the C contract
/// says (borrowed bytes stay valid as long as the handle); `out` is NULL or
/// writable.
unsafe fn read_into<'a, T: 'a, V>(
    handle: *const T,
    out: impl Outputs<V>,
    f: impl FnOnce(&'a T) -> Result<V>,
) -> rmsg_status {
    guard(|| {
        // SAFETY: handle is NULL or live, per this function's contract.
        let h = unsafe { try_ref(handle) }?;
        out.check()?;
        let v = f(h)?;
        // SAFETY: checked; writable per this function's contract.
        unsafe { out.write(v) };
        Ok(())
    })
}

/// The body of a function that makes a handle: `handle_out` is checked
/// non-NULL first, and on `RMSG_OK` the caller of the C function owns
/// `*handle_out`; on any other status it is not written.
///
/// # Safety
/// `handle_out` is NULL or writable.
unsafe fn make<T>(handle_out: *mut *mut T, f: impl FnOnce() -> Result<Box<T>>) -> rmsg_status {
    guard(|| {
        check_out(handle_out)?;
        let h = f()?;
        // SAFETY: checked non-NULL; writable per this function's contract.
        unsafe { write_out(handle_out, into_raw(h)) };
        Ok(())
    })
}

/// The body of a function that decodes a caller's buffer into a new handle:
/// `flags` checked (`RMSG_PARSE_OWN_FDS` or 0), `buf_len` checked against
/// `max_len` (`RMSG_ERR_TOO_LARGE`, before `buf` is looked at), `(buf,
/// buf_len)` borrowed, and `f` given the bytes and whether the result owns
/// their descriptors.
///
/// # Safety
/// `buf` is readable for `buf_len` bytes; `handle_out` is NULL or writable.
unsafe fn make_parsed<T>(
    buf: *const u8,
    buf_len: usize,
    max_len: usize,
    flags: u32,
    handle_out: *mut *mut T,
    f: impl FnOnce(&[u8], bool) -> Result<Box<T>>,
) -> rmsg_status {
    let parsed = || {
        let own = parse::parse_flags(flags)?;
        if buf_len > max_len {
            return Err(Error::new(rmsg_status::RMSG_ERR_TOO_LARGE));
        }
        // SAFETY: buf is readable for buf_len bytes, per this function's
        // contract.
        f(unsafe { try_slice(buf, buf_len) }?, own)
    };
    // SAFETY: handle_out is NULL or writable.
    unsafe { make(handle_out, parsed) }
}
