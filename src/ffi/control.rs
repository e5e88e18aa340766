//! Parsed control buffers: control bytes the caller received itself,
//! decoded into the same items a message has. A parsed buffer is a message
//! with control items only, so its functions forward to the message's.

use std::ffi::c_int;

use super::make_parsed;
use super::message::{
    rmsg_message_item, rmsg_message_item_count, rmsg_message_malformed, rmsg_message_take_item_fds,
};
use crate::cmsg;
use crate::items::rmsg_item;
use crate::message::rmsg_message;
use crate::panic::guard_or;
use crate::parse::rmsg_control;
use crate::ptr::free_box;
use crate::status::rmsg_status;

/// The message inside a parsed buffer (NULL stays NULL).
///
/// # Safety
/// `control` is NULL or a live handle.
unsafe fn as_message(control: *const rmsg_control) -> *mut rmsg_message {
    // SAFETY: forwarded contract.
    unsafe { rmsg_control::as_message(control.cast_mut()) }
}

/// Parses a control buffer the caller obtained elsewhere (its own
/// `recvmsg(2)`, io_uring ...): `buf` holds `buf_len` bytes (NULL allowed
/// when `buf_len` is 0), any alignment. The bytes are copied; the caller keeps its
/// buffer. On `RMSG_OK` `*control_out` is a new handle the caller owns and
/// frees with `rmsg_control_free`; its items (`rmsg_control_item`) work
/// with every `rmsg_item_*` function.
///
/// `buf_len` above 4294967295 (`socklen_t`'s range: no control buffer the
/// kernel fills, and none rmsg receives into, is larger) is
/// `RMSG_ERR_TOO_LARGE`, refused before any byte is read or allocated.
///
/// `flags`: 0, or `RMSG_PARSE_OWN_FDS` to hand the descriptors of the
/// buffer's `SCM_RIGHTS`/`SCM_PIDFD` items to the handle (closed by
/// `rmsg_control_free` unless taken; use it only for a buffer the kernel
/// filled, each descriptor once). Without it the handle never closes a
/// descriptor. Unknown flag bits are `RMSG_ERR_INVALID_ARGUMENT`. The
/// descriptors change hands only on `RMSG_OK`: on any other status
/// (argument errors, `RMSG_ERR_TOO_LARGE`, `RMSG_ERR_OUT_OF_MEMORY`) none
/// is closed and they stay the caller's.
///
/// Malformed input never reads outside `buf` and never loops: the walk
/// stops at a length below the header size (`rmsg_control_malformed`), and
/// an item claiming more bytes than remain is clamped and marked
/// (`rmsg_item_truncated`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_control_parse(
    buf: *const u8,
    buf_len: usize,
    flags: u32,
    control_out: *mut *mut rmsg_control,
) -> rmsg_status {
    let max = cmsg::SOCKLEN_MAX;
    // SAFETY: forwarded contract.
    unsafe { make_parsed(buf, buf_len, max, flags, control_out, rmsg_control::parse) }
}

/// Frees a parsed control buffer; with `RMSG_PARSE_OWN_FDS` closes every
/// descriptor not taken. Its items become invalid. NULL is accepted.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_control_free(control: *mut rmsg_control) {
    // SAFETY: control is NULL or a live handle from rmsg, freed once.
    guard_or((), || unsafe { free_box(control) })
}

/// Number of items found. 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_control_item_count(control: *const rmsg_control) -> usize {
    // SAFETY: control is NULL or a live handle, which is a message.
    unsafe { rmsg_message_item_count(as_message(control)) }
}

/// Item `index` (0-based, buffer order), or NULL when out of range or
/// `control` is NULL. The item borrows from the handle and is valid until it
/// is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_control_item(
    control: *const rmsg_control,
    index: usize,
) -> *const rmsg_item {
    // SAFETY: control is NULL or a live handle, which is a message.
    unsafe { rmsg_message_item(as_message(control), index) }
}

/// True when the walk stopped at a malformed header (a length below the
/// header size); the items before it are still there. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_control_malformed(control: *const rmsg_control) -> bool {
    // SAFETY: control is NULL or a live handle, which is a message.
    unsafe { rmsg_message_malformed(as_message(control)) }
}

/// Takes the descriptors of item `index` (an `SCM_RIGHTS` or `SCM_PIDFD`
/// item) not yet taken, in order, into `fds_out` (room for `fds_len` ints).
/// On `RMSG_OK` `*count_out` of them were written; the handle forgets them
/// (with `RMSG_PARSE_OWN_FDS` the caller now owns them). Errors as for
/// `rmsg_message_take_item_fds`: `RMSG_ERR_INVALID_ARGUMENT` (index),
/// `RMSG_ERR_WRONG_KIND`, `RMSG_ERR_BUFFER_TOO_SMALL` (nothing taken).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_control_take_item_fds(
    control: *mut rmsg_control,
    index: usize,
    fds_out: *mut c_int,
    fds_len: usize,
    count_out: *mut usize,
) -> rmsg_status {
    // SAFETY: control is NULL or a live handle, which is a message;
    // fds_out and count_out per the contract.
    unsafe { rmsg_message_take_item_fds(as_message(control), index, fds_out, fds_len, count_out) }
}
