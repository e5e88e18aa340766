//! The send calls.

use std::ffi::c_int;

use crate::addr::rmsg_address;
use crate::buffer::rmsg_iovec;
use crate::builder::rmsg_cmsg_builder;
use crate::panic::guard;
use crate::ptr::{check_out, opt_ref, read_or_default, try_slice, try_slice_mut, write_out};
use crate::send::{self, rmsg_send_item, rmsg_send_options};
use crate::status::rmsg_status;

/// Sends one message with `sendmsg(2)`.
///
/// - `buffers`: `buffer_count` `rmsg_iovec` gathered in order (NULL allowed
///   when the count is 0). rmsg only reads them (the `base` pointer is not
///   const only because the struct is shared with the receive side).
/// - `control`: a builder whose items are sent, or NULL for none. It is only
///   read; the descriptors in it must be open during the call.
/// - `address`: the destination (`msg_name`), or NULL for a connected
///   socket. Any `rmsg_address` serves: one built by `rmsg_address_parse` or
///   `rmsg_address_from_*`, or one borrowed from a received message (to
///   reply to its sender).
/// - `flags`: passed to `sendmsg(2)` (`MSG_DONTWAIT`, `MSG_MORE`,
///   `MSG_EOR` ...).
/// - `options`: NULL for the defaults, or an `rmsg_send_options` with the
///   same fields and meaning as `rmsg_recv_options` (`RMSG_WAIT_*`,
///   `timeout_ns`) and `RMSG_SEND_*` flags.
///
/// `MSG_NOSIGNAL` is added by default: a library must not kill its host
/// process with `SIGPIPE`, so writing to a stream whose peer has gone
/// returns `RMSG_ERR_BROKEN_PIPE` (errno `EPIPE`) instead. The flag
/// `RMSG_SEND_ALLOW_SIGPIPE` opts out.
///
/// On `RMSG_OK` `*nbytes_out` is the byte count the kernel accepted. On a
/// stream socket it may be less than the total (non-blocking or deadline
/// mode with a full send buffer, or a signal after some bytes went): that
/// is reported, never hidden or retried; the caller sends the rest. With
/// nothing sent, a full buffer gives `RMSG_ERR_WOULD_BLOCK`
/// (`RMSG_WAIT_NONBLOCK`) or `RMSG_ERR_TIMED_OUT` (`RMSG_WAIT_DEADLINE`).
/// `EINTR` before anything is sent is retried unless
/// `RMSG_SEND_RETURN_EINTR` is set. A datagram is sent whole or not at all.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_sendmsg(
    fd: c_int,
    buffers: *const rmsg_iovec,
    buffer_count: usize,
    control: *const rmsg_cmsg_builder,
    address: *const rmsg_address,
    flags: c_int,
    options: *const rmsg_send_options,
    nbytes_out: *mut usize,
) -> rmsg_status {
    guard(|| {
        check_out(nbytes_out)?;
        // SAFETY: buffers is readable for buffer_count entries.
        let bufs = unsafe { try_slice(buffers, buffer_count) }?;
        // SAFETY: control is NULL or a live builder.
        let control = unsafe { opt_ref(control) }.map_or(&[][..], |b| b.bytes());
        // SAFETY: address is NULL or a live address.
        let address = unsafe { opt_ref(address) };
        // SAFETY: options is NULL or points to a readable rmsg_send_options.
        let opts = unsafe { read_or_default(options) };
        let n = send::send(fd, bufs, control, address, flags, &opts)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(nbytes_out, n) };
        Ok(())
    })
}

/// Sends the `count` messages of `items` (NULL allowed when `count` is 0)
/// with `sendmmsg(2)`, in order, each with its own buffers, control
/// messages (a builder: credentials, `IP_PKTINFO`, TTL, `UDP_SEGMENT` for
/// GSO ...) and destination. `flags` and `options` as for `rmsg_sendmsg`
/// (`MSG_NOSIGNAL` added by default; a deadline bounds the whole call);
/// batches longer than the kernel takes at once are sent in several calls.
/// Every item is checked before anything is sent. An empty batch sends
/// nothing but still checks `fd` with the kernel: a bad descriptor is an
/// error (`RMSG_ERR_BAD_FD`, `RMSG_ERR_NOT_A_SOCKET`) whatever `count` is.
///
/// On `RMSG_OK` `*sent_out` messages went, the first ones of `items`, and
/// each of those has its `nbytes` set to the bytes the kernel accepted. A
/// partly sent batch is `RMSG_OK` with `*sent_out` below `count`: the
/// socket had no room for more (non-blocking or deadline mode), or the
/// kernel met an error after some messages went (it reports that error on
/// the next send). The caller sends the rest. With nothing sent, the error
/// is the status (`RMSG_ERR_WOULD_BLOCK`, `RMSG_ERR_TIMED_OUT`, an OS
/// error).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_sendmmsg(
    fd: c_int,
    items: *mut rmsg_send_item,
    count: usize,
    flags: c_int,
    options: *const rmsg_send_options,
    sent_out: *mut usize,
) -> rmsg_status {
    guard(|| {
        check_out(sent_out)?;
        // SAFETY: items is readable and writable for count entries.
        let items = unsafe { try_slice_mut(items, count) }?;
        // SAFETY: options is NULL or points to a readable rmsg_send_options.
        let opts = unsafe { read_or_default(options) };
        // SAFETY: per the contract, each item's buffers, control and address
        // are valid during the call.
        let n = unsafe { send::send_items(fd, items, flags, &opts) }?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(sent_out, n) };
        Ok(())
    })
}

/// Sends `data_len` bytes of `data` with the `fds_len` descriptors of `fds`
/// in one `SCM_RIGHTS` item, the counterpart of `rmsg_recv_fds` (like Python's
/// `socket.send_fds`), with the default options of `rmsg_sendmsg`
/// (`MSG_NOSIGNAL` added; blocking; `EINTR` retried). `data` may be NULL
/// when `data_len` is 0 and `fds` when `fds_len` is 0 (then no control
/// message is sent). The descriptors stay the caller's: rmsg neither closes nor
/// duplicates them. More than 253 is `RMSG_ERR_TOO_MANY_FDS`. Note that on
/// a stream socket at least one data byte is needed for the descriptors to
/// travel. On `RMSG_OK` `*nbytes_out` is the byte count sent (see
/// `rmsg_sendmsg` for partial sends).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_send_fds(
    fd: c_int,
    data: *const u8,
    data_len: usize,
    fds: *const c_int,
    fds_len: usize,
    flags: c_int,
    nbytes_out: *mut usize,
) -> rmsg_status {
    guard(|| {
        check_out(nbytes_out)?;
        // SAFETY: data is readable for data_len bytes and fds for fds_len ints.
        let (data, fds) = unsafe { (try_slice(data, data_len)?, try_slice(fds, fds_len)?) };
        let mut b = rmsg_cmsg_builder::default();
        b.add_fds(fds)?;
        let iov = [rmsg_iovec {
            base: data.as_ptr().cast_mut(),
            len: data.len(),
        }];
        let bufs: &[rmsg_iovec] = if data.is_empty() { &[] } else { &iov };
        let n = send::send(fd, bufs, b.bytes(), None, flags, &Default::default())?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(nbytes_out, n) };
        Ok(())
    })
}
