//! io_uring receive completions made into messages: a multishot
//! `IORING_OP_RECVMSG` buffer, a single-shot completion's msghdr pieces,
//! and the one getter that only such messages need.

use super::{get, make, make_parsed};
use crate::message::rmsg_message;
use crate::parse;
use crate::ptr::{try_ref, try_slice};
use crate::status::rmsg_status;
use crate::uring::{self, rmsg_recvmsg_parts};

/// Makes a message of one completed multishot `IORING_OP_RECVMSG` buffer
/// (`io_uring_prep_recvmsg_multishot` with a provided buffer): `buf` is
/// the start of the buffer the completion names (its buffer id is
/// `cqe->flags >> IORING_CQE_BUFFER_SHIFT`), `buf_len` is `cqe->res` (the
/// bytes used: the 16-byte `struct io_uring_recvmsg_out`, the name and
/// control regions, the payload); `name_size` and `control_size` are the
/// `msg_namelen` and `msg_controllen` of the msghdr the request was
/// submitted with. They must be the submitted values: the header's own
/// lengths say what was written, not where the regions are. A negative
/// `cqe->res` is an error completion (`-res` is the errno) and has no
/// buffer to pass.
///
/// Everything is validated before anything is read, and nothing outside
/// the `buf_len` bytes is: a buffer shorter than 16 + `name_size` +
/// `control_size` is `RMSG_ERR_INVALID_ARGUMENT` (not a completion of this
/// request), sizes whose sum overflows are `RMSG_ERR_TOO_LARGE`. The
/// message then holds, as a received one does:
/// - data: a copy of the payload bytes present; `rmsg_message_nbytes` is
///   the header's `payloadlen`. When it is larger than what the buffer
///   holds (a datagram cut to fit, reported whole with `MSG_TRUNC` in the
///   request's flags) the data is the part present and `MSG_TRUNC` is in
///   the flags;
/// - flags: the header's `flags` (the kernel's `msg_flags`), plus
///   `MSG_CTRUNC` should the header claim more control bytes than the
///   region holds;
/// - source address (`rmsg_message_address`): the first `namelen` bytes of
///   the name region, cut to the region; `rmsg_message_name_len` gives the
///   length the kernel reported, larger when the name was cut. No address
///   when `name_size` or `namelen` is 0;
/// - items: the control region's first `controllen` bytes (cut to the
///   region), walked and decoded as for `rmsg_recvmsg`, with every typed
///   decoder and take function. The kernel may add items nobody asked for
///   (`SCM_INQ` on stream sockets): they are items like any other.
///
/// `flags`: 0, or `RMSG_PARSE_OWN_FDS` to make the message own the
/// descriptors of its `SCM_RIGHTS`/`SCM_PIDFD` items, as a received
/// message does: `rmsg_message_free` closes those not taken with
/// `rmsg_message_take_fds` / `rmsg_message_take_item_fds`. The kernel
/// installed them when it filled the buffer, so pass it for every buffer
/// that may carry some, and parse each buffer once. Without it the
/// message never closes a descriptor. Close-on-exec is the submitter's
/// choice: put `MSG_CMSG_CLOEXEC` in the request's `msg_flags`. Unknown
/// flag bits are `RMSG_ERR_INVALID_ARGUMENT`.
///
/// On `RMSG_OK` `*message_out` is a new message that the caller owns and
/// frees with `rmsg_message_free`; everything in it is a copy, so the
/// buffer can go back to the ring at once. As for `rmsg_control_parse`,
/// descriptors change hands only on `RMSG_OK`: on any other status they
/// are still the caller's (in the buffer), nothing is written, and on a
/// malformed layout nothing is read.
///
/// The request goes on while completions carry `IORING_CQE_F_MORE`; the
/// first one without it ends it (after its buffer, if it has one:
/// `IORING_CQE_F_BUFFER`), and the caller submits a new request to go on
/// receiving.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_from_multishot(
    buf: *const u8,
    buf_len: usize,
    name_size: usize,
    control_size: usize,
    flags: u32,
    message_out: *mut *mut rmsg_message,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe {
        // No limit of its own: try_slice's RMSG_MAX_BUFFER_SIZE applies.
        make_parsed(
            buf,
            buf_len,
            usize::MAX,
            flags,
            message_out,
            |bytes, own| {
                let parts = uring::split_multishot(bytes, name_size, control_size)?;
                rmsg_message::from_parts(&parts, own)
            },
        )
    }
}

/// Makes a message of a completed single-shot `IORING_OP_RECVMSG` (or of
/// any `recvmsg(2)` the caller made with its own msghdr), from the pieces
/// in `*parts` (see `rmsg_recvmsg_parts`; rmsg reads it and the memory it
/// points at only during the call). The message holds copies, as
/// `rmsg_message_from_multishot` describes: the first `min(data_len,
/// nbytes)` payload bytes (`MSG_TRUNC` added to the flags when `nbytes` is
/// larger), `nbytes`, `msg_flags`, the address (the first `name_len`
/// bytes of the name buffer, cut to `name_size`; `rmsg_message_name_len`
/// gives `name_len`), and the items of the `control_len` control bytes.
///
/// `flags`: 0 or `RMSG_PARSE_OWN_FDS`, as for
/// `rmsg_message_from_multishot` (close-on-exec: `MSG_CMSG_CLOEXEC` in
/// the request's flags). On `RMSG_OK` the caller owns `*message_out` and
/// frees it with `rmsg_message_free`. A NULL pointer with a non-zero
/// length is `RMSG_ERR_NULL_ARGUMENT`, unknown flag bits
/// `RMSG_ERR_INVALID_ARGUMENT`. Descriptors change hands only on
/// `RMSG_OK`; on any other status they are still the caller's and nothing
/// is written.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_from_recvmsg(
    parts: *const rmsg_recvmsg_parts,
    flags: u32,
    message_out: *mut *mut rmsg_message,
) -> rmsg_status {
    let from_parts = || {
        // SAFETY: parts is NULL or readable per the contract.
        let p = unsafe { try_ref(parts) }?;
        let own = parse::parse_flags(flags)?;
        // SAFETY: each pointer is readable for the length beside it, per
        // the contract (rmsg_recvmsg_parts documents which).
        let (data, name, control) = unsafe {
            (
                try_slice(p.data, p.data_len)?,
                try_slice(p.name, p.name_size)?,
                try_slice(p.control, p.control_len)?,
            )
        };
        let pieces = uring::recvmsg_parts(p, data, name, control);
        rmsg_message::from_parts(&pieces, own)
    };
    // SAFETY: message_out is NULL or writable.
    unsafe { make(message_out, from_parts) }
}

/// The source address length the kernel reported for the message: for
/// `rmsg_message_from_multishot` the header's `namelen`, for
/// `rmsg_message_from_recvmsg` the `name_len` given, for a received
/// message its `msg_namelen`. When it is larger than the address's own
/// length (`rmsg_address_raw`) the name buffer was too small and the
/// address holds only its first bytes. 0 when the kernel reported no
/// address (none was asked for, or the socket is connected), and for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_name_len(message: *const rmsg_message) -> usize {
    // SAFETY: message is NULL or a live message.
    unsafe { get(message, 0, rmsg_message::name_len) }
}
