//! The receive calls and the message handle they return.

use std::ffi::c_int;
use std::mem::size_of;

use super::{get, make, read_into};
use crate::addr::rmsg_address;
use crate::buffer::rmsg_iovec;
use crate::cmsg;
use crate::items::{Items, rmsg_item, rmsg_item_view};
use crate::message::{rmsg_message, rmsg_message_info};
use crate::panic::{guard, guard_or};
use crate::ptr::{
    check_out, check_region, opt_ref, take_box, try_mut, try_ref, try_slice, try_slice_mut,
    write_opt, write_out,
};
use crate::recv::{self, Target, rmsg_recv_options};
use crate::status::Result;
use crate::status::{Error, rmsg_status};
use crate::view::{self, rmsg_view};

/// Receives one message from socket `fd`, as Python's
/// `socket.recvmsg(bufsize, ancbufsize, flags)` does, with the default
/// options (block; retry on `EINTR`; `MSG_CMSG_CLOEXEC` added to `flags`).
///
/// `bufsize` is the most data bytes to receive; `ancbufsize` the size of the
/// control buffer (0: no ancillary data is asked for; use `rmsg_cmsg_space`
/// to size it; more than `socklen_t` holds is `RMSG_ERR_TOO_LARGE`).
/// `flags` is passed to `recvmsg(2)` (`MSG_PEEK`, `MSG_ERRQUEUE`,
/// `MSG_WAITALL` ...).
///
/// On `RMSG_OK`, `*message_out` is a new message that the caller owns and
/// must free with `rmsg_message_free`. The message owns every file
/// descriptor the kernel installed (all `SCM_RIGHTS` items, `SCM_PIDFD`),
/// also when the control buffer was truncated and also for `MSG_PEEK`,
/// until the caller takes them. On any other status nothing is written, no
/// descriptor stays open, and `rmsg_last_errno()` gives the OS error number.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_recvmsg(
    fd: c_int,
    bufsize: usize,
    ancbufsize: usize,
    flags: c_int,
    message_out: *mut *mut rmsg_message,
) -> rmsg_status {
    // SAFETY: same contract as rmsg_recvmsg_with, with default options.
    unsafe {
        rmsg_recvmsg_with(
            fd,
            bufsize,
            ancbufsize,
            flags,
            std::ptr::null(),
            message_out,
        )
    }
}

/// `rmsg_recvmsg` with options: a timeout (`RMSG_WAIT_*`), the `EINTR`
/// policy and close-on-exec (`RMSG_RECV_*` flags). `options` may be NULL for
/// the defaults; rmsg reads it only during the call.
///
/// With `RMSG_WAIT_DEADLINE` the timeout bounds the whole call, across
/// retries; when it passes the status is `RMSG_ERR_TIMED_OUT`. With
/// `RMSG_WAIT_NONBLOCK`, or on a non-blocking socket, an empty socket gives
/// `RMSG_ERR_WOULD_BLOCK`. With `RMSG_RECV_RETURN_EINTR` a signal gives
/// `RMSG_ERR_INTERRUPTED`. Ownership as for `rmsg_recvmsg`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_recvmsg_with(
    fd: c_int,
    bufsize: usize,
    ancbufsize: usize,
    flags: c_int,
    options: *const rmsg_recv_options,
    message_out: *mut *mut rmsg_message,
) -> rmsg_status {
    let received = || {
        // SAFETY: options is NULL or points to a readable rmsg_recv_options.
        let opts = unsafe { opt_ref(options) };
        recv::receive(fd, Target::Owned(bufsize), ancbufsize, flags, opts)
    };
    // SAFETY: message_out is NULL or writable.
    unsafe { make(message_out, received) }
}

/// Receives one message with its data scattered into the caller's buffers,
/// as Python's `socket.recvmsg_into(buffers, ancbufsize, flags)` does.
///
/// `buffers` is an array of `buffer_count` `rmsg_iovec` (NULL allowed when
/// the count is 0) that the kernel fills in order; the caller keeps owning
/// them. On `RMSG_OK`, `*nbytes_out` is the byte count `recvmsg(2)` returned
/// and `*message_out` a new message, owned by the caller, holding the
/// control items, flags and address (its data is empty). Options and
/// descriptor ownership as for `rmsg_recvmsg_with`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_recvmsg_into(
    fd: c_int,
    buffers: *const rmsg_iovec,
    buffer_count: usize,
    ancbufsize: usize,
    flags: c_int,
    options: *const rmsg_recv_options,
    nbytes_out: *mut usize,
    message_out: *mut *mut rmsg_message,
) -> rmsg_status {
    let received = || {
        check_out(nbytes_out)?;
        // SAFETY: buffers is readable for buffer_count entries.
        let bufs = unsafe { try_slice(buffers, buffer_count) }?;
        // SAFETY: options is NULL or points to a readable rmsg_recv_options.
        let opts = unsafe { opt_ref(options) };
        let msg = recv::receive(fd, Target::Into(bufs), ancbufsize, flags, opts)?;
        // SAFETY: checked non-NULL; writable per the contract. Nothing fails
        // after this, so make writes *message_out too.
        unsafe { write_out(nbytes_out, msg.nbytes()) };
        Ok(msg)
    };
    // SAFETY: message_out is NULL or writable.
    unsafe { make(message_out, received) }
}

/// Receives data and up to `fds_len` file descriptors, like the `recv_fds`
/// function of Python's documentation (and `socket.recv_fds`): the control
/// buffer is `CMSG_LEN(fds_len * sizeof(int))`, unrelated control messages
/// are ignored, and any descriptor beyond `fds_len` (or carried by another
/// kind of item) is closed.
///
/// As in Python, the control buffer only has room for descriptors: if the
/// socket also delivers other control messages (`SO_PASSCRED`, timestamps),
/// they take part of that room and the kernel discards the descriptors that
/// no longer fit (reported as `MSG_CTRUNC`; none is left open). Use
/// `rmsg_recvmsg` with a larger `ancbufsize` on such sockets.
///
/// `buf`/`buf_len` receive the data; `fds_out` must have room for `fds_len`
/// ints. On `RMSG_OK`: `*nbytes_out` is the byte count, `*nfds_out` the
/// number of descriptors written to `fds_out` (the caller now owns them),
/// and `*msg_flags_out`, if not NULL, the message flags. On any other status
/// no descriptor stays open and nothing is written.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_recv_fds(
    fd: c_int,
    buf: *mut u8,
    buf_len: usize,
    fds_out: *mut c_int,
    fds_len: usize,
    flags: c_int,
    nbytes_out: *mut usize,
    nfds_out: *mut usize,
    msg_flags_out: *mut c_int,
) -> rmsg_status {
    guard(|| {
        check_out(nbytes_out)?;
        check_out(nfds_out)?;
        // SAFETY: fds_out is writable for fds_len ints (NULL-ness checked inside).
        let out = unsafe { try_slice_mut(fds_out, fds_len) }?;
        // The kernel writes the data: the pair is only checked here.
        check_region(buf.cast_const(), buf_len)?;
        let ancbufsize = fds_len
            .checked_mul(size_of::<c_int>())
            .and_then(cmsg::cmsg_len)
            .ok_or(Error::new(rmsg_status::RMSG_ERR_TOO_LARGE))?;
        let iov = [rmsg_iovec {
            base: buf,
            len: buf_len,
        }];
        let bufs: &[rmsg_iovec] = if buf_len > 0 { &iov } else { &[] };
        let mut msg = recv::receive(fd, Target::Into(bufs), ancbufsize, flags, None)?;
        let taken = msg.take_fds(|items| items.take_rights_up_to(out));
        let (nbytes, msg_flags) = (msg.nbytes(), msg.flags());
        // Closes every descriptor not taken and keeps the memory.
        rmsg_message::release(msg);
        // SAFETY: checked non-NULL or optional, writable per the contract.
        unsafe {
            write_out(nbytes_out, nbytes);
            write_out(nfds_out, taken);
            write_opt(msg_flags_out, msg_flags);
        }
        Ok(())
    })
}

/// Frees a message and closes every file descriptor it still owns (those
/// not taken with `rmsg_message_take_fds` or `rmsg_message_take_item_fds`).
/// Every pointer obtained from the message (data, items, address) becomes
/// invalid. NULL is accepted and does nothing, and so is a message that
/// belongs to a receiver or batch (`rmsg_receiver_recv`,
/// `rmsg_batch_message`): those free their own messages.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_free(message: *mut rmsg_message) {
    guard_or((), || {
        // SAFETY: message is NULL or a live message.
        if unsafe { get(message, true, rmsg_message::held) } {
            return;
        }
        // SAFETY: a live message from rmsg that no receiver or batch holds,
        // freed once.
        if let Some(m) = unsafe { take_box(message) } {
            rmsg_message::release(m);
        }
    })
}

/// The data bytes received (`rmsg_message_data_len` of them). The pointer
/// borrows from the message and is valid until it is freed; it is never
/// NULL for a non-NULL message (but may not be dereferenced when the length
/// is 0). Returns NULL for a NULL message.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_data(message: *const rmsg_message) -> *const u8 {
    // SAFETY: message is NULL or a live message.
    unsafe { get(message, std::ptr::null(), rmsg_message::data_ptr) }
}

/// Number of data bytes in the message (at most the `bufsize` asked for; 0
/// for `rmsg_recvmsg_into` messages and for a NULL message).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_data_len(message: *const rmsg_message) -> usize {
    // SAFETY: message is NULL or a live message.
    unsafe { get(message, 0, rmsg_message::data_len) }
}

/// The byte count `recvmsg(2)` returned. Equal to the data length, except
/// that with `MSG_TRUNC` in the flags argument the kernel reports a
/// datagram's full length even when it was longer than `bufsize`.
/// 0 for a NULL message.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_nbytes(message: *const rmsg_message) -> usize {
    // SAFETY: message is NULL or a live message.
    unsafe { get(message, 0, rmsg_message::nbytes) }
}

/// `msg_flags` exactly as the kernel returned them (`MSG_TRUNC`,
/// `MSG_CTRUNC`, `MSG_EOR`, `MSG_OOB`, `MSG_ERRQUEUE` ...). 0 for a NULL
/// message.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_flags(message: *const rmsg_message) -> c_int {
    // SAFETY: message is NULL or a live message.
    unsafe { get(message, 0, rmsg_message::flags) }
}

/// True when the walk over the control bytes stopped at a malformed header
/// (a length shorter than a header, or data starting past the end of the
/// buffer); the items before it are still returned. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_malformed(message: *const rmsg_message) -> bool {
    // SAFETY: message is NULL or a live message.
    unsafe { get(message, false, rmsg_message::malformed) }
}

/// Number of control items in the message. 0 for a NULL message.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_item_count(message: *const rmsg_message) -> usize {
    // SAFETY: message is NULL or a live message.
    unsafe { get(message, 0, rmsg_message::item_count) }
}

/// Control item `index` (0-based, in the order the kernel wrote them), or
/// NULL when `index` is out of range or `message` is NULL. The item borrows
/// from the message and is valid until the message is freed. (To get a
/// view of every item in one call, see `rmsg_message_items`.)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_item(
    message: *const rmsg_message,
    index: usize,
) -> *const rmsg_item {
    // SAFETY: message is NULL or a live message.
    unsafe {
        get(message, std::ptr::null(), |m| {
            m.item(index)
                .map_or(std::ptr::null(), |i| i as *const rmsg_item)
        })
    }
}

/// The source address, or NULL when the kernel returned none (for example
/// on a TCP connection, or from an unbound AF_UNIX peer) or `message` is
/// NULL. On an AF_UNIX stream Linux does return the peer's bound name. The address borrows
/// from the message and is valid until the message is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_address(message: *const rmsg_message) -> *const rmsg_address {
    // SAFETY: message is NULL or a live message.
    unsafe {
        get(message, std::ptr::null(), |m| {
            m.address()
                .map_or(std::ptr::null(), |a| a as *const rmsg_address)
        })
    }
}

/// The message at a glance (see `rmsg_view`): `*view_out` points at the
/// view the message holds: data, flags, source and counts, and the decoded
/// values of the common kinds, filled when it was received or made. For
/// any message: from `rmsg_recvmsg`, a receiver, a batch or io_uring;
/// `rmsg_receiver_recv_view` and `rmsg_batch_recv_views` hand out the view
/// with the receive.
///
/// `view_size` is `sizeof(rmsg_view)` as the program was compiled
/// (`RMSG_ERR_INVALID_ARGUMENT` when this library's view is smaller, or it
/// is smaller than the first version's). The view belongs to the message:
/// it is valid until the message is freed (for a receiver's or batch's
/// message, until the next receive), and it follows the message: after a
/// take function its `fd_count` is the descriptors still owned.
/// `RMSG_ERR_NULL_ARGUMENT` for a NULL pointer; nothing is written on
/// error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_view(
    message: *const rmsg_message,
    view_size: usize,
    view_out: *mut *const rmsg_view,
) -> rmsg_status {
    // SAFETY: message is NULL or live, and outlives the view it hands out
    // (the C contract); view_out is NULL or writable.
    unsafe {
        read_into(message, view_out, |m| {
            view::check_size(view_size)?;
            Ok(m.view() as *const rmsg_view)
        })
    }
}

/// Number of `SCM_RIGHTS` file descriptors the message still owns, over all
/// its items. 0 for a NULL message.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_fd_count(message: *const rmsg_message) -> usize {
    // SAFETY: message is NULL or a live message.
    unsafe { get(message, 0, rmsg_message::fd_count) }
}

/// The body of the take functions: descriptors move from the message's
/// items into `fds_out` (room for `fds_len`); `*count_out` says how many.
///
/// # Safety
/// `message` is NULL or a live message not used elsewhere during the call;
/// `fds_out` is writable for `fds_len` ints; `count_out` is NULL or
/// writable.
unsafe fn take_into(
    message: *mut rmsg_message,
    fds_out: *mut c_int,
    fds_len: usize,
    count_out: *mut usize,
    take: impl FnOnce(&mut Items, &mut [c_int]) -> Result<usize>,
) -> rmsg_status {
    guard(|| {
        // SAFETY: message is NULL or live and unaliased, per the contract.
        let m = unsafe { try_mut(message) }?;
        check_out(count_out)?;
        // SAFETY: fds_out is writable for fds_len ints, per the contract.
        let out = unsafe { try_slice_mut(fds_out, fds_len) }?;
        let n = m.take_fds(|items| take(items, out))?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(count_out, n) };
        Ok(())
    })
}

/// Takes every `SCM_RIGHTS` file descriptor the message still owns, in
/// kernel order, into `fds_out` (room for `fds_len` ints). On `RMSG_OK` the
/// caller owns the `*count_out` descriptors written and must close them;
/// the message forgets them. `RMSG_ERR_BUFFER_TOO_SMALL` when fewer than
/// `rmsg_message_fd_count` slots were given: then nothing is taken.
/// `SCM_PIDFD` descriptors are not included: take them with
/// `rmsg_message_take_item_fds`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_take_fds(
    message: *mut rmsg_message,
    fds_out: *mut c_int,
    fds_len: usize,
    count_out: *mut usize,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { take_into(message, fds_out, fds_len, count_out, Items::take_rights) }
}

/// Takes the file descriptors of control item `index` (an `SCM_RIGHTS` or
/// `SCM_PIDFD` item) that the message still owns, in order, into `fds_out`
/// (room for `fds_len` ints). On `RMSG_OK` the caller owns the `*count_out`
/// descriptors written. `RMSG_ERR_INVALID_ARGUMENT` for an index out of
/// range, `RMSG_ERR_WRONG_KIND` for an item that carries no descriptors,
/// `RMSG_ERR_BUFFER_TOO_SMALL` when `fds_len` is too small (nothing taken).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_take_item_fds(
    message: *mut rmsg_message,
    index: usize,
    fds_out: *mut c_int,
    fds_len: usize,
    count_out: *mut usize,
) -> rmsg_status {
    let take = |items: &mut Items, out: &mut [c_int]| items.take_item(index, out);
    // SAFETY: forwarded contract.
    unsafe { take_into(message, fds_out, fds_len, count_out, take) }
}

/// The segment size of a coalesced UDP datagram: the value of its
/// `UDP_GRO` item (sent with the `UDP_GRO` socket option), each segment
/// but the last having this many bytes; 0 when the message has no such
/// item (its data is then one datagram) and for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_segment_size(message: *const rmsg_message) -> usize {
    // SAFETY: message is NULL or a live message.
    unsafe { get(message, 0, |m| m.gro_segment_size().unwrap_or(0)) }
}

/// Number of segments in the message's data: `rmsg_message_segment_size`
/// bytes each, the last possibly shorter, when it has a `UDP_GRO` item; 1
/// (the whole data, even empty) otherwise; 0 for NULL. A datagram cut by a
/// too-small buffer has `MSG_TRUNC` in its flags, and its last segment
/// here may be cut short too.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_segment_count(message: *const rmsg_message) -> usize {
    // SAFETY: message is NULL or a live message.
    unsafe { get(message, 0, rmsg_message::segment_count) }
}

/// Segment `index` of the message's data (see
/// `rmsg_message_segment_count`): on `RMSG_OK` `*data_out` points at its
/// `*len_out` bytes, borrowed from the message (valid until it is freed).
/// `RMSG_ERR_INVALID_ARGUMENT` when `index` is out of range.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_segment(
    message: *const rmsg_message,
    index: usize,
    data_out: *mut *const u8,
    len_out: *mut usize,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe {
        read_into(message, (data_out, len_out), |m| {
            m.segment(index)
                .ok_or(Error::new(rmsg_status::RMSG_ERR_INVALID_ARGUMENT))
        })
    }
}

/// Fills `*info_out` with the message's data, flags, counts and raw source
/// address in one call. The pointers in it borrow from the message and are
/// valid until it is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_summarize(
    message: *const rmsg_message,
    info_out: *mut rmsg_message_info,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { read_into(message, info_out, |m| Ok(m.info())) }
}

/// Writes a view of every control item, in kernel order, to `views_out`
/// (room for `views_len`) and their number to `*count_out`. With too little
/// room it returns `RMSG_ERR_BUFFER_TOO_SMALL` and writes only `*count_out`
/// (the number needed), so a caller can size its array and call again.
/// The views borrow from the message and are valid until it is freed. (Not
/// to be confused with `rmsg_message_item`, which gives one item's handle.)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_items(
    message: *const rmsg_message,
    views_out: *mut rmsg_item_view,
    views_len: usize,
    count_out: *mut usize,
) -> rmsg_status {
    guard(|| {
        // SAFETY: message is NULL or a live message.
        let m = unsafe { try_ref(message) }?;
        check_out(count_out)?;
        // The whole array is checked, as for every output array, even
        // when fewer views are needed.
        // SAFETY: views_out is writable for views_len views.
        let out = unsafe { try_slice_mut(views_out, views_len) }?;
        let needed = m.items().list().len();
        if needed > out.len() {
            // SAFETY: checked non-NULL.
            unsafe { write_out(count_out, needed) };
            return Err(Error::new(rmsg_status::RMSG_ERR_BUFFER_TOO_SMALL));
        }
        for (view, item) in out.iter_mut().zip(m.items().list()) {
            *view = item.view();
        }
        // SAFETY: checked non-NULL.
        unsafe { write_out(count_out, needed) };
        Ok(())
    })
}
