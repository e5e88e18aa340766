//! The `extern "C"` functions of the core: thin shims that check pointers,
//! convert integers, run the safe core inside the panic boundary and write
//! outputs only on success.
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

use std::ffi::{c_char, c_int};

use crate::addr::{Decoded, rmsg_addr_kind, rmsg_address};
use crate::cmsg;
use crate::fault;
use crate::panic::{guard, guard_or};
use crate::ptr::{check_out, try_mut, try_ref, try_slice, try_slice_mut, write_opt, write_out};
use crate::recv::{self, Target, rmsg_iovec, rmsg_item, rmsg_message, rmsg_recv_options};
use crate::status::{self, Error, rmsg_status};

/// An IPv4 address and port, decoded.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct rmsg_inet_address {
    /// The address in network byte order (`addr[0]` is the first octet).
    pub addr: [u8; 4],
    /// The port in host byte order.
    pub port: u16,
}

/// An IPv6 address with port, flow information and scope id, decoded.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct rmsg_inet6_address {
    /// The address in network byte order.
    pub addr: [u8; 16],
    /// The port in host byte order.
    pub port: u16,
    /// `sin6_flowinfo` in host byte order.
    pub flowinfo: u32,
    /// `sin6_scope_id` (an interface index for link-local addresses).
    pub scope_id: u32,
}

/// Everything about a message at once, for callers (bindings above all) that
/// pay for each call across the boundary. Filled by `rmsg_message_summarize`;
/// the pointers borrow from the message and are valid until it is freed.
#[repr(C)]
#[allow(non_camel_case_types)]
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

/// One control item at once (as the `rmsg_item_*` getters give it). Filled
/// by `rmsg_message_items`; `data` borrows from the message and is valid
/// until it is freed.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy)]
pub struct rmsg_item_view {
    /// `cmsg_level`.
    pub level: c_int,
    /// `cmsg_type`.
    pub type_: c_int,
    /// The data bytes, unaligned; never NULL.
    pub data: *const u8,
    /// Number of data bytes.
    pub data_len: usize,
    /// The header claimed more data than the buffer holds.
    pub truncated: bool,
    /// Descriptors the item carries (`SCM_RIGHTS`, `SCM_PIDFD`), taken or not.
    pub fd_count: usize,
}

/// The symbolic name of a status (`"RMSG_ERR_TIMED_OUT"`), or
/// `"RMSG_UNKNOWN_STATUS"` for a number rmsg does not define. The string is
/// static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn rmsg_status_name(status: u32) -> *const c_char {
    match rmsg_status::from_u32(status) {
        Some(s) => s.name_ptr(),
        None => c"RMSG_UNKNOWN_STATUS".as_ptr(),
    }
}

/// A short description of a status for people (`"timed out"`), or
/// `"unknown status"`. The string is static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn rmsg_status_describe(status: u32) -> *const c_char {
    match rmsg_status::from_u32(status) {
        Some(s) => s.description_ptr(),
        None => c"unknown status".as_ptr(),
    }
}

/// The OS error number that went with the last failing rmsg call on this
/// thread (a failing call also stores it in `errno`, but later calls may
/// change `errno`). For `RMSG_ERR_OS` it is the kernel's number; for other
/// statuses the closest errno (`EAGAIN`, `ETIMEDOUT`, `EINVAL` ...).
/// Successful calls leave it as it was.
#[unsafe(no_mangle)]
pub extern "C" fn rmsg_last_errno() -> c_int {
    status::last_errno()
}

/// `CMSG_LEN(n)`: the `cmsg_len` of a control message with `n` data bytes.
/// Writes it to `*len_out`. Returns `RMSG_ERR_TOO_LARGE` when the result
/// would not fit in `socklen_t`, `RMSG_ERR_NULL_ARGUMENT` when `len_out` is
/// NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_len(n: usize, len_out: *mut usize) -> rmsg_status {
    guard(|| {
        check_out(len_out)?;
        let v = cmsg::cmsg_len(n).ok_or(Error::new(rmsg_status::RMSG_ERR_TOO_LARGE))?;
        // SAFETY: checked non-NULL; the caller provides a writable size_t.
        unsafe { write_out(len_out, v) };
        Ok(())
    })
}

/// `CMSG_SPACE(n)`: the control-buffer bytes one control message with `n`
/// data bytes occupies, padding included. Writes it to `*space_out`.
/// Returns `RMSG_ERR_TOO_LARGE` when the result would not fit in
/// `socklen_t`, `RMSG_ERR_NULL_ARGUMENT` when `space_out` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_space(n: usize, space_out: *mut usize) -> rmsg_status {
    guard(|| {
        check_out(space_out)?;
        let v = cmsg::cmsg_space(n).ok_or(Error::new(rmsg_status::RMSG_ERR_TOO_LARGE))?;
        // SAFETY: checked non-NULL; the caller provides a writable size_t.
        unsafe { write_out(space_out, v) };
        Ok(())
    })
}

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
    guard(|| {
        check_out(message_out)?;
        // SAFETY: options is NULL or points to a readable rmsg_recv_options.
        let opts = unsafe { options.as_ref() }.copied().unwrap_or_default();
        let msg = recv::receive(fd, Target::Owned(bufsize), ancbufsize, flags, &opts)?;
        // SAFETY: checked non-NULL; the caller provides a writable pointer.
        unsafe { write_out(message_out, Box::into_raw(msg)) };
        Ok(())
    })
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
    guard(|| {
        check_out(nbytes_out)?;
        check_out(message_out)?;
        // SAFETY: buffers is readable for buffer_count entries.
        let bufs = unsafe { try_slice(buffers, buffer_count) }?;
        // SAFETY: options is NULL or points to a readable rmsg_recv_options.
        let opts = unsafe { options.as_ref() }.copied().unwrap_or_default();
        let msg = recv::receive(fd, Target::Into(bufs), ancbufsize, flags, &opts)?;
        // SAFETY: both checked non-NULL and writable per the contract.
        unsafe {
            write_out(nbytes_out, msg.nbytes());
            write_out(message_out, Box::into_raw(msg));
        }
        Ok(())
    })
}

/// Receives data and up to `maxfds` file descriptors, like the `recv_fds`
/// function of Python's documentation (and `socket.recv_fds`): the control
/// buffer is `CMSG_LEN(maxfds * sizeof(int))`, unrelated control messages
/// are ignored, and any descriptor beyond `maxfds` (or carried by another
/// kind of item) is closed.
///
/// As in Python, the control buffer only has room for descriptors: if the
/// socket also delivers other control messages (`SO_PASSCRED`, timestamps),
/// they take part of that room and the kernel discards the descriptors that
/// no longer fit (reported as `MSG_CTRUNC`; none is left open). Use
/// `rmsg_recvmsg` with a larger `ancbufsize` on such sockets.
///
/// `buf`/`buf_len` receive the data; `fds` must have room for `maxfds`
/// ints. On `RMSG_OK`: `*nbytes_out` is the byte count, `*nfds_out` the
/// number of descriptors written to `fds` (the caller now owns them), and
/// `*msg_flags_out`, if not NULL, the message flags. On any other status no
/// descriptor stays open and nothing is written.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_recv_fds(
    fd: c_int,
    buf: *mut u8,
    buf_len: usize,
    fds: *mut c_int,
    maxfds: usize,
    flags: c_int,
    nbytes_out: *mut usize,
    nfds_out: *mut usize,
    msg_flags_out: *mut c_int,
) -> rmsg_status {
    guard(|| {
        check_out(nbytes_out)?;
        check_out(nfds_out)?;
        // SAFETY: fds is writable for maxfds ints (checked NULL-ness inside).
        let out = unsafe { try_slice_mut(fds, maxfds) }?;
        if buf.is_null() && buf_len > 0 {
            return Err(Error::new(rmsg_status::RMSG_ERR_NULL_ARGUMENT));
        }
        let ancbufsize = maxfds
            .checked_mul(size_of::<c_int>())
            .and_then(cmsg::cmsg_len)
            .ok_or(Error::new(rmsg_status::RMSG_ERR_TOO_LARGE))?;
        let iov = [rmsg_iovec {
            base: buf,
            len: buf_len,
        }];
        let bufs: &[rmsg_iovec] = if buf_len > 0 { &iov } else { &[] };
        let mut msg = recv::receive(
            fd,
            Target::Into(bufs),
            ancbufsize,
            flags,
            &rmsg_recv_options::default(),
        )?;
        let taken = msg.take_fds_up_to(out);
        // Dropping the message closes every descriptor not taken.
        let nbytes = msg.nbytes();
        let msg_flags = msg.flags();
        drop(msg);
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
/// invalid. NULL is accepted and does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_free(message: *mut rmsg_message) {
    guard_or((), || {
        if !message.is_null() {
            // SAFETY: message is a live message from rmsg, freed once.
            recv::rmsg_message::release(unsafe { Box::from_raw(message) });
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
    guard_or(std::ptr::null(), || match unsafe { try_ref(message) } {
        Ok(m) => m.data().as_ptr(),
        Err(_) => std::ptr::null(),
    })
}

/// Number of data bytes in the message (at most the `bufsize` asked for; 0
/// for `rmsg_recvmsg_into` messages and for a NULL message).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_data_len(message: *const rmsg_message) -> usize {
    // SAFETY: message is NULL or a live message.
    guard_or(0, || {
        unsafe { try_ref(message) }.map_or(0, |m| m.data().len())
    })
}

/// The byte count `recvmsg(2)` returned. Equal to the data length, except
/// that with `MSG_TRUNC` in the flags argument the kernel reports a
/// datagram's full length even when it was longer than `bufsize`.
/// 0 for a NULL message.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_nbytes(message: *const rmsg_message) -> usize {
    // SAFETY: message is NULL or a live message.
    guard_or(0, || unsafe { try_ref(message) }.map_or(0, |m| m.nbytes()))
}

/// `msg_flags` exactly as the kernel returned them (`MSG_TRUNC`,
/// `MSG_CTRUNC`, `MSG_EOR`, `MSG_OOB`, `MSG_ERRQUEUE` ...). 0 for a NULL
/// message.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_flags(message: *const rmsg_message) -> c_int {
    // SAFETY: message is NULL or a live message.
    guard_or(0, || unsafe { try_ref(message) }.map_or(0, |m| m.flags()))
}

/// True when the walk over the control bytes stopped at a malformed header
/// (a length shorter than a header, or data starting past the end of the
/// buffer); the items before it are still returned. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_malformed(message: *const rmsg_message) -> bool {
    // SAFETY: message is NULL or a live message.
    guard_or(false, || {
        unsafe { try_ref(message) }.is_ok_and(|m| m.malformed())
    })
}

/// Number of control items in the message. 0 for a NULL message.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_item_count(message: *const rmsg_message) -> usize {
    // SAFETY: message is NULL or a live message.
    guard_or(0, || {
        unsafe { try_ref(message) }.map_or(0, |m| m.items().len())
    })
}

/// Control item `index` (0-based, in the order the kernel wrote them), or
/// NULL when `index` is out of range or `message` is NULL. The item borrows
/// from the message and is valid until the message is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_item(
    message: *const rmsg_message,
    index: usize,
) -> *const rmsg_item {
    // SAFETY: message is NULL or a live message.
    guard_or(std::ptr::null(), || match unsafe { try_ref(message) } {
        Ok(m) => m
            .items()
            .get(index)
            .map_or(std::ptr::null(), |i| i as *const rmsg_item),
        Err(_) => std::ptr::null(),
    })
}

/// The source address, or NULL when the kernel returned none (for example
/// on a TCP connection, or from an unbound AF_UNIX peer) or `message` is
/// NULL. On an AF_UNIX stream Linux does return the peer's bound name. The address borrows
/// from the message and is valid until the message is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_address(message: *const rmsg_message) -> *const rmsg_address {
    // SAFETY: message is NULL or a live message.
    guard_or(std::ptr::null(), || match unsafe { try_ref(message) } {
        Ok(m) => m
            .address()
            .map_or(std::ptr::null(), |a| a as *const rmsg_address),
        Err(_) => std::ptr::null(),
    })
}

/// Number of `SCM_RIGHTS` file descriptors the message still owns, over all
/// its items. 0 for a NULL message.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_fd_count(message: *const rmsg_message) -> usize {
    // SAFETY: message is NULL or a live message.
    guard_or(0, || {
        unsafe { try_ref(message) }.map_or(0, |m| m.fd_count())
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
    guard(|| {
        // SAFETY: message is NULL or a live message not used elsewhere now.
        let m = unsafe { try_mut(message) }?;
        check_out(count_out)?;
        // SAFETY: fds_out is writable for fds_len ints.
        let out = unsafe { try_slice_mut(fds_out, fds_len) }?;
        let n = m.take_fds(out)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(count_out, n) };
        Ok(())
    })
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
    guard(|| {
        // SAFETY: message is NULL or a live message not used elsewhere now.
        let m = unsafe { try_mut(message) }?;
        check_out(count_out)?;
        // SAFETY: fds_out is writable for fds_len ints.
        let out = unsafe { try_slice_mut(fds_out, fds_len) }?;
        let n = m.take_item_fds(index, out)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(count_out, n) };
        Ok(())
    })
}

/// Fills `*info_out` with the message's data, flags, counts and raw source
/// address in one call. The pointers in it borrow from the message and are
/// valid until it is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_message_summarize(
    message: *const rmsg_message,
    info_out: *mut rmsg_message_info,
) -> rmsg_status {
    guard(|| {
        // SAFETY: message is NULL or a live message.
        let m = unsafe { try_ref(message) }?;
        check_out(info_out)?;
        let address = m.address().map_or(&[][..], |a| a.bytes());
        let info = rmsg_message_info {
            data: m.data().as_ptr(),
            data_len: m.data().len(),
            nbytes: m.nbytes(),
            flags: m.flags(),
            malformed: m.malformed(),
            item_count: m.items().len(),
            fd_count: m.fd_count(),
            address: if address.is_empty() {
                std::ptr::null()
            } else {
                address.as_ptr()
            },
            address_len: address.len(),
        };
        // SAFETY: checked non-NULL.
        unsafe { write_out(info_out, info) };
        Ok(())
    })
}

/// Writes a view of every control item, in kernel order, to `views_out`
/// (room for `views_len`) and their number to `*count_out`. With too little
/// room it returns `RMSG_ERR_BUFFER_TOO_SMALL` and writes only `*count_out`
/// (the number needed), so a caller can size its array and call again.
/// The views borrow from the message and are valid until it is freed.
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
        let items = m.items();
        if items.len() > views_len {
            // SAFETY: checked non-NULL.
            unsafe { write_out(count_out, items.len()) };
            return Err(Error::new(rmsg_status::RMSG_ERR_BUFFER_TOO_SMALL));
        }
        // SAFETY: views_out is writable for views_len views.
        let out = unsafe { try_slice_mut(views_out, items.len()) }?;
        for (view, item) in out.iter_mut().zip(items) {
            *view = rmsg_item_view {
                level: item.level(),
                type_: item.kind(),
                data: item.data().as_ptr(),
                data_len: item.data().len(),
                truncated: item.truncated(),
                fd_count: item.fd_slots().len(),
            };
        }
        // SAFETY: checked non-NULL.
        unsafe { write_out(count_out, items.len()) };
        Ok(())
    })
}

/// The item's `cmsg_level` (`SOL_SOCKET`, `IPPROTO_IP` ...). -1 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_level(item: *const rmsg_item) -> c_int {
    // SAFETY: item is NULL or a live item.
    guard_or(-1, || unsafe { try_ref(item) }.map_or(-1, |i| i.level()))
}

/// The item's `cmsg_type` (`SCM_RIGHTS`, `IP_TTL` ...). -1 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_type(item: *const rmsg_item) -> c_int {
    // SAFETY: item is NULL or a live item.
    guard_or(-1, || unsafe { try_ref(item) }.map_or(-1, |i| i.kind()))
}

/// The item's data bytes (`rmsg_item_data_len` of them), exactly as the
/// kernel wrote them, clamped to the control buffer. The pointer borrows from
/// the item's message and is valid until it is freed. It is not aligned for
/// any type: copy with `memcpy` before reading as anything but bytes.
/// NULL for a NULL item.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_data(item: *const rmsg_item) -> *const u8 {
    // SAFETY: item is NULL or a live item.
    guard_or(std::ptr::null(), || match unsafe { try_ref(item) } {
        Ok(i) => i.data().as_ptr(),
        Err(_) => std::ptr::null(),
    })
}

/// Number of data bytes of the item. 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_data_len(item: *const rmsg_item) -> usize {
    // SAFETY: item is NULL or a live item.
    guard_or(0, || unsafe { try_ref(item) }.map_or(0, |i| i.data().len()))
}

/// True when the item's header claimed more data than the control buffer
/// holds: its data is the part inside the buffer (Python warns with
/// `RuntimeWarning` here). Linux itself shortens `cmsg_len` when it
/// truncates an item, so for kernel-filled buffers a cut item shows as
/// shorter data with `MSG_CTRUNC` in the message flags. False for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_truncated(item: *const rmsg_item) -> bool {
    // SAFETY: item is NULL or a live item.
    guard_or(false, || {
        unsafe { try_ref(item) }.is_ok_and(|i| i.truncated())
    })
}

/// Number of file descriptors in an `SCM_RIGHTS` or `SCM_PIDFD` item (whole
/// ints of its data; a trailing partial int is ignored). 0 for other items
/// and for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_fd_count(item: *const rmsg_item) -> usize {
    // SAFETY: item is NULL or a live item.
    guard_or(0, || {
        unsafe { try_ref(item) }.map_or(0, |i| i.fd_slots().len())
    })
}

/// Descriptor `n` of an `SCM_RIGHTS` or `SCM_PIDFD` item, as the kernel
/// installed it, or -1 when `n` is out of range, the item carries no
/// descriptors, or `item` is NULL. This only looks: it reads the number from
/// the item's data, so it gives the same number before and after the
/// descriptor is taken. Until taken, the message owns it and closes it when
/// freed; once taken (`rmsg_message_take_fds`, `rmsg_message_take_item_fds`)
/// it is the caller's, and the numbers written by the take are the ones to
/// use.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_item_fd(item: *const rmsg_item, n: usize) -> c_int {
    // SAFETY: item is NULL or a live item.
    guard_or(-1, || match unsafe { try_ref(item) } {
        Ok(i) if i.carries_fds() => cmsg::ints(i.data()).nth(n).unwrap_or(-1),
        _ => -1,
    })
}

/// The address family (`AF_UNIX`, `AF_INET` ...). `AF_UNSPEC` (0) for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_family(address: *const rmsg_address) -> c_int {
    // SAFETY: address is NULL or a live address.
    guard_or(libc::AF_UNSPEC, || {
        unsafe { try_ref(address) }.map_or(libc::AF_UNSPEC, |a| a.family())
    })
}

/// What the address holds, which says which accessor decodes it.
/// `RMSG_ADDRESS_OTHER` for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_kind(address: *const rmsg_address) -> rmsg_addr_kind {
    // SAFETY: address is NULL or a live address.
    guard_or(rmsg_addr_kind::RMSG_ADDRESS_OTHER, || {
        unsafe { try_ref(address) }.map_or(rmsg_addr_kind::RMSG_ADDRESS_OTHER, |a| a.kind())
    })
}

/// The raw `sockaddr` bytes the kernel returned (`msg_namelen` of them), for
/// any family. On `RMSG_OK` `*bytes_out` borrows from the address (valid as
/// long as it is) and `*len_out` is the length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_raw(
    address: *const rmsg_address,
    bytes_out: *mut *const u8,
    len_out: *mut usize,
) -> rmsg_status {
    guard(|| {
        // SAFETY: address is NULL or a live address.
        let a = unsafe { try_ref(address) }?;
        check_out(bytes_out)?;
        check_out(len_out)?;
        let b = a.bytes();
        // SAFETY: both checked non-NULL.
        unsafe {
            write_out(bytes_out, b.as_ptr());
            write_out(len_out, b.len());
        }
        Ok(())
    })
}

/// The name of an `AF_UNIX` address. For `RMSG_ADDRESS_UNIX_PATH` the path
/// bytes up to the first NUL (not NUL-terminated); for
/// `RMSG_ADDRESS_UNIX_ABSTRACT` the exact name bytes the kernel returned,
/// starting with the NUL; for `RMSG_ADDRESS_UNIX_UNNAMED` length 0. On
/// `RMSG_OK` `*name_out` borrows from the address. `RMSG_ERR_WRONG_FAMILY`
/// for other families.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_unix(
    address: *const rmsg_address,
    name_out: *mut *const u8,
    len_out: *mut usize,
) -> rmsg_status {
    guard(|| {
        // SAFETY: address is NULL or a live address.
        let a = unsafe { try_ref(address) }?;
        check_out(name_out)?;
        check_out(len_out)?;
        let name: &[u8] = match a.decode() {
            Decoded::UnixPath(p) | Decoded::UnixAbstract(p) => p,
            Decoded::UnixUnnamed => &[],
            _ => return Err(Error::new(rmsg_status::RMSG_ERR_WRONG_FAMILY)),
        };
        // SAFETY: both checked non-NULL.
        unsafe {
            write_out(name_out, name.as_ptr());
            write_out(len_out, name.len());
        }
        Ok(())
    })
}

/// Decodes an `AF_INET` address into `*inet_out`. `RMSG_ERR_WRONG_FAMILY`
/// for other families.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_inet(
    address: *const rmsg_address,
    inet_out: *mut rmsg_inet_address,
) -> rmsg_status {
    guard(|| {
        // SAFETY: address is NULL or a live address.
        let a = unsafe { try_ref(address) }?;
        check_out(inet_out)?;
        match a.decode() {
            Decoded::Inet { addr, port } => {
                // SAFETY: checked non-NULL.
                unsafe { write_out(inet_out, rmsg_inet_address { addr, port }) };
                Ok(())
            }
            _ => Err(Error::new(rmsg_status::RMSG_ERR_WRONG_FAMILY)),
        }
    })
}

/// Decodes an `AF_INET6` address into `*inet6_out`. `RMSG_ERR_WRONG_FAMILY`
/// for other families.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_inet6(
    address: *const rmsg_address,
    inet6_out: *mut rmsg_inet6_address,
) -> rmsg_status {
    guard(|| {
        // SAFETY: address is NULL or a live address.
        let a = unsafe { try_ref(address) }?;
        check_out(inet6_out)?;
        match a.decode() {
            Decoded::Inet6 {
                addr,
                port,
                flowinfo,
                scope_id,
            } => {
                let v = rmsg_inet6_address {
                    addr,
                    port,
                    flowinfo,
                    scope_id,
                };
                // SAFETY: checked non-NULL.
                unsafe { write_out(inet6_out, v) };
                Ok(())
            }
            _ => Err(Error::new(rmsg_status::RMSG_ERR_WRONG_FAMILY)),
        }
    })
}

/// For tests only: makes the next `count` receive calls on this thread fail
/// with `RMSG_ERR_OUT_OF_MEMORY` after `recvmsg(2)` returned, at the point
/// where the item list is allocated, so that the cleanup of received
/// descriptors on that path can be observed. 0 disarms it.
#[unsafe(no_mangle)]
pub extern "C" fn rmsg_testing_fail_after_syscall(count: u32) {
    fault::arm(count)
}
