//! The reusable receiver and the batch receiver: handles made once that
//! own their messages and fill them again on every receive.

use std::ffi::c_int;

use super::{get, make};
use crate::batch::rmsg_batch;
use crate::message::rmsg_message;
use crate::panic::{guard, guard_or};
use crate::ptr::{check_out, free_box, opt_ref, read_or_default, try_mut, write_out};
use crate::receiver::rmsg_receiver;
use crate::recv::rmsg_recv_options;
use crate::status::{Result, rmsg_status};
use crate::view::{self, rmsg_view};

/// The body of the constructors: options read (NULL for the defaults), the
/// handle made, handed to the caller on success.
///
/// # Safety
/// `options` is NULL or readable; `handle_out` is NULL or writable.
unsafe fn make_with<T>(
    options: *const rmsg_recv_options,
    handle_out: *mut *mut T,
    new: impl FnOnce(&rmsg_recv_options) -> Result<Box<T>>,
) -> rmsg_status {
    // SAFETY: options is NULL or points to a readable rmsg_recv_options.
    let made = || new(&unsafe { read_or_default(options) });
    // SAFETY: handle_out is NULL or writable.
    unsafe { make(handle_out, made) }
}

/// The body of the receive calls: the handle borrowed, the call's options
/// (NULL: the handle's own), the result written on success.
///
/// # Safety
/// `handle` is NULL or a live handle not used elsewhere now; `options` is
/// NULL or readable; `out` is NULL or writable.
unsafe fn receive_into<T, O>(
    handle: *mut T,
    options: *const rmsg_recv_options,
    out: *mut O,
    recv: impl FnOnce(&mut T, Option<&rmsg_recv_options>) -> Result<O>,
) -> rmsg_status {
    guard(|| {
        // SAFETY: per this function's contract.
        let h = unsafe { try_mut(handle) }?;
        check_out(out)?;
        // SAFETY: options is NULL or points to a readable rmsg_recv_options.
        let v = recv(h, unsafe { opt_ref(options) })?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(out, v) };
        Ok(())
    })
}

/// Makes a receiver: one message of up to `bufsize` data bytes and
/// `ancbufsize` control bytes (0: no ancillary data is asked for; more than
/// `socklen_t` holds is `RMSG_ERR_TOO_LARGE`), allocated now and received
/// into again and again with no further allocation. `options` (NULL for
/// the defaults) are the options of every `rmsg_receiver_recv` that passes
/// none; rmsg copies them.
///
/// On `RMSG_OK` the caller owns `*receiver_out` and frees it with
/// `rmsg_receiver_free`. A receiver is used by one thread at a time (it may
/// move between threads).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_receiver_new(
    bufsize: usize,
    ancbufsize: usize,
    options: *const rmsg_recv_options,
    receiver_out: *mut *mut rmsg_receiver,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe {
        make_with(options, receiver_out, |o| {
            rmsg_receiver::new(bufsize, ancbufsize, o)
        })
    }
}

/// Receives the next message from socket `fd` into the receiver's message,
/// as `rmsg_recvmsg_with` does (same `flags`, same options and statuses;
/// `options` NULL means the receiver's own). First the previous message is
/// forgotten: every descriptor of it that was not taken is closed.
///
/// On `RMSG_OK` `*message_out` points at the receiver's message, read and
/// taken from with the `rmsg_message_*` functions. It belongs to the
/// receiver: it is valid until the next `rmsg_receiver_recv` or
/// `rmsg_receiver_free`, and `rmsg_message_free` leaves it alone. The
/// descriptors in it are the message's until taken, as for any message.
/// On any other status nothing is written and no descriptor stays open.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_receiver_recv(
    receiver: *mut rmsg_receiver,
    fd: c_int,
    flags: c_int,
    options: *const rmsg_recv_options,
    message_out: *mut *mut rmsg_message,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe {
        receive_into(receiver, options, message_out, |r, o| {
            r.recv(fd, flags, o).map(|m| m as *mut rmsg_message)
        })
    }
}

/// `rmsg_receiver_recv` that hands out the message at a glance (see
/// `rmsg_view`): on `RMSG_OK` `*view_out` points at the received message's
/// view, with its data, flags, source and counts, and the decoded values of
/// the common kinds, filled in the same walk of the control bytes that
/// made its items. The fastest way to read what a server reads from every
/// datagram: no call per field or per item. `(*view_out)->message` is the
/// receiver's message, as `rmsg_receiver_recv` gives it.
///
/// `view_size` is `sizeof(rmsg_view)` as the program was compiled
/// (`RMSG_ERR_INVALID_ARGUMENT` when this library's view is smaller, or it
/// is smaller than the first version's; checked before anything is
/// received). The view belongs to the receiver's message: valid until the
/// next receive or `rmsg_receiver_free`. Options, statuses and descriptor
/// ownership as for `rmsg_receiver_recv`; on any other status than
/// `RMSG_OK` nothing is written and no descriptor stays open.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_receiver_recv_view(
    receiver: *mut rmsg_receiver,
    fd: c_int,
    flags: c_int,
    options: *const rmsg_recv_options,
    view_size: usize,
    view_out: *mut *const rmsg_view,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe {
        receive_into(receiver, options, view_out, |r, o| {
            view::check_size(view_size)?;
            r.recv(fd, flags, o).map(|m| m.view() as *const rmsg_view)
        })
    }
}

/// Frees a receiver and its message, closing every descriptor the message
/// still owns. NULL is accepted and does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_receiver_free(receiver: *mut rmsg_receiver) {
    // SAFETY: receiver is NULL or a live receiver from rmsg, freed once.
    guard_or((), || unsafe { free_box(receiver) })
}

/// Makes a batch of `count` message slots (1 to `RMSG_BATCH_MAX`, the most
/// one `recvmmsg(2)` takes; 0 is `RMSG_ERR_INVALID_ARGUMENT`, more
/// `RMSG_ERR_TOO_LARGE`), each of up to `bufsize` data and `ancbufsize`
/// control bytes, all allocated now. `options` (NULL for the defaults)
/// are the options of every `rmsg_batch_recv` that passes none.
///
/// On `RMSG_OK` the caller owns `*batch_out` and frees it with
/// `rmsg_batch_free`. A batch is used by one thread at a time (it may move
/// between threads).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_batch_new(
    count: usize,
    bufsize: usize,
    ancbufsize: usize,
    options: *const rmsg_recv_options,
    batch_out: *mut *mut rmsg_batch,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe {
        make_with(options, batch_out, |o| {
            rmsg_batch::new(count, bufsize, ancbufsize, o)
        })
    }
}

/// Receives up to the batch's count of messages from socket `fd` with one
/// `recvmmsg(2)` call. First the previous batch is forgotten: every
/// descriptor of its messages that was not taken is closed, and the slots
/// are rearmed (only those used last time).
///
/// Waiting (`options`, NULL for the batch's own; as for
/// `rmsg_recvmsg_with`): `RMSG_WAIT_BLOCK` waits for the first message
/// only, then takes what else is queued (`MSG_WAITFORONE`);
/// `RMSG_WAIT_NONBLOCK` never waits (`RMSG_ERR_WOULD_BLOCK` when nothing is
/// queued); `RMSG_WAIT_DEADLINE` waits with `poll(2)` until a message
/// arrives or the timeout passes (`RMSG_ERR_TIMED_OUT`) — recvmmsg's own
/// timeout argument is never used. `EINTR` before the first message is
/// retried unless `RMSG_RECV_RETURN_EINTR` is set.
///
/// On `RMSG_OK` `*count_out` (at least 1) messages arrived; read message
/// `i` with `rmsg_batch_message`. Each is complete on its own: data, flags
/// (`MSG_TRUNC`, `MSG_CTRUNC` per message), source address, items, and the
/// descriptors of its own items. When the kernel meets an error after some
/// messages arrived, it returns those messages and reports the error on
/// the next receive (as `recvmmsg(2)` does; a socket error such as an ICMP
/// one may be replaced by a later event before then). A socket error that
/// is already pending is reported first, as the status, and the queued
/// messages stay for the next receive. On any other status nothing is
/// written and no descriptor of the batch stays open.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_batch_recv(
    batch: *mut rmsg_batch,
    fd: c_int,
    flags: c_int,
    options: *const rmsg_recv_options,
    count_out: *mut usize,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { receive_into(batch, options, count_out, |b, o| b.recv(fd, flags, o)) }
}

/// `rmsg_batch_recv` that hands out the messages at a glance (see
/// `rmsg_view`): on `RMSG_OK` `*views_out` points at an array of
/// `*count_out` pointers, `(*views_out)[i]` the view of message `i` (as
/// `rmsg_batch_message(batch, i)` gives it), each filled in the same walk
/// of the control bytes that made the message's items. One call for the
/// whole batch: no call per message, per field or per item.
///
/// `view_size` is `sizeof(rmsg_view)` as the program was compiled
/// (`RMSG_ERR_INVALID_ARGUMENT` when this library's view is smaller, or it
/// is smaller than the first version's; checked before anything is
/// received). The array and the views belong to the batch: valid until
/// the next `rmsg_batch_recv`/`rmsg_batch_recv_views` or `rmsg_batch_free`.
/// Waiting, options, statuses and descriptor ownership as for
/// `rmsg_batch_recv`; on any other status than `RMSG_OK` nothing is
/// written and no descriptor of the batch stays open.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_batch_recv_views(
    batch: *mut rmsg_batch,
    fd: c_int,
    flags: c_int,
    options: *const rmsg_recv_options,
    view_size: usize,
    views_out: *mut *const *const rmsg_view,
    count_out: *mut usize,
) -> rmsg_status {
    guard(|| {
        // SAFETY: batch is NULL or a live batch not used elsewhere now.
        let b = unsafe { try_mut(batch) }?;
        check_out(views_out)?;
        check_out(count_out)?;
        view::check_size(view_size)?;
        // SAFETY: options is NULL or points to a readable rmsg_recv_options.
        let n = b.recv(fd, flags, unsafe { opt_ref(options) })?;
        // SAFETY: both checked non-NULL; writable per the contract.
        unsafe {
            write_out(views_out, b.views().as_ptr());
            write_out(count_out, n);
        }
        Ok(())
    })
}

/// Number of messages the last `rmsg_batch_recv` received (0 before the
/// first, after a failed one, and for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_batch_count(batch: *const rmsg_batch) -> usize {
    // SAFETY: batch is NULL or a live batch.
    unsafe { get(batch, 0, rmsg_batch::count) }
}

/// Message `index` of the last `rmsg_batch_recv` (0-based, in arrival
/// order), or NULL when `index` is not below `rmsg_batch_count` or `batch`
/// is NULL. The message belongs to the batch: it is valid until the next
/// `rmsg_batch_recv` or `rmsg_batch_free`, and `rmsg_message_free` leaves
/// it alone. Read and take from it with the `rmsg_message_*` functions.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_batch_message(
    batch: *mut rmsg_batch,
    index: usize,
) -> *mut rmsg_message {
    guard_or(std::ptr::null_mut(), || {
        // SAFETY: batch is NULL or a live batch not used elsewhere now.
        match unsafe { try_mut(batch) } {
            Ok(b) => b
                .message(index)
                .map_or(std::ptr::null_mut(), |m| m as *mut rmsg_message),
            Err(_) => std::ptr::null_mut(),
        }
    })
}

/// Frees a batch and its messages, closing every descriptor they still
/// own. NULL is accepted and does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_batch_free(batch: *mut rmsg_batch) {
    // SAFETY: batch is NULL or a live batch from rmsg, freed once.
    guard_or((), || unsafe { free_box(batch) })
}
