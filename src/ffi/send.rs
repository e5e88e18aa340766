//! The send calls.

use std::ffi::c_int;

use crate::addr::rmsg_address;
use crate::buffer::rmsg_iovec;
use crate::builder::rmsg_cmsg_builder;
use crate::panic::guard;
use crate::ptr::{check_out, opt_ref, read_or_default, try_slice, write_out};
use crate::send::{self, rmsg_send_options};
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
