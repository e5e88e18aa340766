//! The `extern "C"` functions of the send side: the control-message
//! builder, the send calls, and building and formatting addresses. Same
//! conventions and the same pointer contract as `capi`.
#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, c_int};

use crate::addr::rmsg_address;
use crate::addr_text;
use crate::builder::rmsg_cmsg_builder;
use crate::capi::{rmsg_inet_address, rmsg_inet6_address};
use crate::panic::{guard, guard_or};
use crate::ptr::{
    check_out, free_box, into_raw, try_mut, try_ref, try_slice, try_slice_mut, write_out,
};
use crate::recv::rmsg_iovec;
use crate::send::{self, rmsg_send_options};
use crate::status::{Error, Result, rmsg_status};

/// Creates an empty control-message builder. On `RMSG_OK` the caller owns
/// `*builder_out` and must free it with `rmsg_cmsg_builder_free`. One
/// builder can serve any number of messages: `rmsg_cmsg_builder_reset`
/// empties it, keeping its memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_new(
    builder_out: *mut *mut rmsg_cmsg_builder,
) -> rmsg_status {
    guard(|| {
        check_out(builder_out)?;
        // SAFETY: checked non-NULL; the caller provides a writable pointer.
        unsafe { write_out(builder_out, into_raw(rmsg_cmsg_builder::new())) };
        Ok(())
    })
}

/// Frees a builder. It never owned the descriptors added with
/// `rmsg_cmsg_builder_add_fds`, so none is closed. NULL is accepted and
/// does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_free(builder: *mut rmsg_cmsg_builder) {
    // SAFETY: builder is NULL or a live builder from rmsg, freed once.
    guard_or((), || unsafe { free_box(builder) })
}

/// Removes every item from the builder so that it can build the next
/// message. NULL is accepted and does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_reset(builder: *mut rmsg_cmsg_builder) {
    guard_or((), || {
        // SAFETY: builder is NULL or a live builder not used elsewhere now.
        if let Ok(b) = unsafe { try_mut(builder) } {
            b.reset();
        }
    })
}

/// Runs one `add` on a builder given by pointer.
unsafe fn with_builder(
    builder: *mut rmsg_cmsg_builder,
    f: impl FnOnce(&mut rmsg_cmsg_builder) -> Result<()>,
) -> rmsg_status {
    guard(|| {
        // SAFETY: builder is NULL or a live builder not used elsewhere now.
        let b = unsafe { try_mut(builder) }?;
        f(b)
    })
}

/// Adds an `SCM_RIGHTS` item carrying the `nfds` descriptors of `fds` (NULL
/// allowed when `nfds` is 0, which adds nothing).
///
/// The builder copies the descriptor *numbers*: it does not take ownership,
/// does not `dup` and never closes them. They must stay open until the
/// message has been sent; the caller closes them when it wishes (the
/// receiver gets its own copies).
///
/// One message carries at most 253 descriptors (Linux's `SCM_MAX_FD`) over
/// all its `SCM_RIGHTS` items: going past that returns
/// `RMSG_ERR_TOO_MANY_FDS` and adds nothing. A negative descriptor is
/// `RMSG_ERR_BAD_FD`. On any error the builder is unchanged.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_fds(
    builder: *mut rmsg_cmsg_builder,
    fds: *const c_int,
    nfds: usize,
) -> rmsg_status {
    // SAFETY: fds is readable for nfds ints per the contract.
    unsafe {
        with_builder(builder, |b| {
            let fds = try_slice(fds, nfds)?;
            b.add_fds(fds)
        })
    }
}

/// Adds `SCM_CREDENTIALS` (a `struct ucred`: `pid`, `uid`, `gid`), for
/// `AF_UNIX` sockets. The kernel checks them when the message is sent: a
/// process may send its own ids, and with `CAP_SYS_ADMIN` / `CAP_SETUID` /
/// `CAP_SETGID` other existing ones. The receiver needs `SO_PASSCRED`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_credentials(
    builder: *mut rmsg_cmsg_builder,
    pid: i32,
    uid: u32,
    gid: u32,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe { with_builder(builder, |b| b.add_credentials(pid, uid, gid)) }
}

fn fixed_addr<const N: usize>(addr: *const u8, addr_len: usize) -> Result<[u8; N]> {
    if addr_len == 0 {
        return Ok([0; N]);
    }
    if addr_len != N {
        return Err(Error::new(rmsg_status::RMSG_ERR_INVALID_ARGUMENT));
    }
    // SAFETY: addr is readable for addr_len bytes per the contract.
    let s = unsafe { try_slice(addr, addr_len) }?;
    Ok(s.try_into().expect("length checked"))
}

/// Adds `IP_PKTINFO` (a `struct in_pktinfo`) for an IPv4 datagram socket:
/// send from interface `ifindex` (0: any) with source address `addr`
/// (`ipi_spec_dst`: 4 bytes in network order, `addr_len` 4; or NULL with
/// `addr_len` 0 for the routing default). Any other `addr_len` is
/// `RMSG_ERR_INVALID_ARGUMENT`, as is an `ifindex` above `INT_MAX`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_ip_pktinfo(
    builder: *mut rmsg_cmsg_builder,
    ifindex: u32,
    addr: *const u8,
    addr_len: usize,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe {
        with_builder(builder, |b| {
            b.add_ip_pktinfo(ifindex, fixed_addr::<4>(addr, addr_len)?)
        })
    }
}

/// Adds `IPV6_PKTINFO` (a `struct in6_pktinfo`) for an IPv6 datagram
/// socket: send from interface `ifindex` (0: any) with source address
/// `addr` (16 bytes, `addr_len` 16; or NULL with `addr_len` 0 for the
/// routing default). Any other `addr_len` is `RMSG_ERR_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_ipv6_pktinfo(
    builder: *mut rmsg_cmsg_builder,
    ifindex: u32,
    addr: *const u8,
    addr_len: usize,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe {
        with_builder(builder, |b| {
            b.add_ipv6_pktinfo(ifindex, fixed_addr::<16>(addr, addr_len)?)
        })
    }
}

/// Adds `IP_TOS`, encoded as an `int` (0 to 255; otherwise
/// `RMSG_ERR_INVALID_ARGUMENT`). The receiver sees it with `IP_RECVTOS` as
/// one byte.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_ip_tos(
    builder: *mut rmsg_cmsg_builder,
    tos: c_int,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe { with_builder(builder, |b| b.add_ip_tos(tos)) }
}

/// Adds `IP_TTL`, encoded as an `int` (1 to 255; otherwise
/// `RMSG_ERR_INVALID_ARGUMENT`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_ip_ttl(
    builder: *mut rmsg_cmsg_builder,
    ttl: c_int,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe { with_builder(builder, |b| b.add_ip_ttl(ttl)) }
}

/// Adds `IPV6_TCLASS`, encoded as an `int` (-1 for the default, or 0 to
/// 255; otherwise `RMSG_ERR_INVALID_ARGUMENT`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_ipv6_tclass(
    builder: *mut rmsg_cmsg_builder,
    tclass: c_int,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe { with_builder(builder, |b| b.add_ipv6_tclass(tclass)) }
}

/// Adds `IPV6_HOPLIMIT`, encoded as an `int` (-1 for the default, or 0 to
/// 255; otherwise `RMSG_ERR_INVALID_ARGUMENT`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_ipv6_hoplimit(
    builder: *mut rmsg_cmsg_builder,
    hoplimit: c_int,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe { with_builder(builder, |b| b.add_ipv6_hoplimit(hoplimit)) }
}

/// Adds `UDP_SEGMENT` (level `SOL_UDP`, Linux 4.18): UDP GSO, the kernel
/// splits the data into datagrams of `segment_size` bytes (the last may be
/// shorter). Encoded as a `uint16_t`, the only width the kernel accepts on
/// send (the receive side's `UDP_GRO` is an `int`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_udp_segment(
    builder: *mut rmsg_cmsg_builder,
    segment_size: u16,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe { with_builder(builder, |b| b.add_udp_segment(segment_size)) }
}

/// Adds `SCM_TXTIME` (level `SOL_SOCKET`): the transmit time in nanoseconds
/// on the clock chosen with the `SO_TXTIME` socket option, as a `uint64_t`.
/// The socket must have `SO_TXTIME` set or the send fails.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_txtime(
    builder: *mut rmsg_cmsg_builder,
    time_ns: u64,
) -> rmsg_status {
    // SAFETY: builder per the contract.
    unsafe { with_builder(builder, |b| b.add_txtime(time_ns)) }
}

/// Adds any control message: `level`, `type` and `len` data bytes copied
/// from `data` (NULL allowed when `len` is 0), laid out with `CMSG_LEN` and
/// padded with zeros to `CMSG_SPACE`. An `SOL_SOCKET`/`SCM_RIGHTS` item
/// added this way counts towards the 253-descriptor limit.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_add_raw(
    builder: *mut rmsg_cmsg_builder,
    level: c_int,
    r#type: c_int,
    data: *const u8,
    len: usize,
) -> rmsg_status {
    // SAFETY: data is readable for len bytes per the contract.
    unsafe {
        with_builder(builder, |b| {
            let d = try_slice(data, len)?;
            b.push(level, r#type, d)
        })
    }
}

/// The control buffer built so far, for callers that call `sendmsg(2)`
/// themselves: on `RMSG_OK` `*data_out` points at `*len_out` bytes (8-byte
/// aligned; a length of 0 when empty) that borrow from the builder and stay
/// valid until it is next changed, reset or freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_data(
    builder: *const rmsg_cmsg_builder,
    data_out: *mut *const u8,
    len_out: *mut usize,
) -> rmsg_status {
    guard(|| {
        // SAFETY: builder is NULL or a live builder.
        let b = unsafe { try_ref(builder) }?;
        check_out(data_out)?;
        check_out(len_out)?;
        let bytes = b.bytes();
        // SAFETY: both checked non-NULL.
        unsafe {
            write_out(data_out, bytes.as_ptr());
            write_out(len_out, bytes.len());
        }
        Ok(())
    })
}

/// Number of descriptors added to the builder since it was created or
/// reset, over all its `SCM_RIGHTS` items. 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_cmsg_builder_fd_count(builder: *const rmsg_cmsg_builder) -> usize {
    // SAFETY: builder is NULL or a live builder.
    guard_or(0, || {
        unsafe { try_ref(builder) }.map_or(0, |b| b.fd_count())
    })
}

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
        let control = unsafe { control.as_ref() }.map_or(&[][..], |b| b.bytes());
        // SAFETY: address is NULL or a live address.
        let address = unsafe { address.as_ref() };
        // SAFETY: options is NULL or points to a readable rmsg_send_options.
        let opts = unsafe { options.as_ref() }.copied().unwrap_or_default();
        let n = send::send(fd, bufs, control, address, flags, &opts)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(nbytes_out, n) };
        Ok(())
    })
}

/// Sends `len` bytes of `data` with the `nfds` descriptors of `fds` in one
/// `SCM_RIGHTS` item, the counterpart of `rmsg_recv_fds` (like Python's
/// `socket.send_fds`), with the default options of `rmsg_sendmsg`
/// (`MSG_NOSIGNAL` added; blocking; `EINTR` retried). `data` may be NULL
/// when `len` is 0 and `fds` when `nfds` is 0 (then no control message is
/// sent). The descriptors stay the caller's: rmsg neither closes nor
/// duplicates them. More than 253 is `RMSG_ERR_TOO_MANY_FDS`. Note that on
/// a stream socket at least one data byte is needed for the descriptors to
/// travel. On `RMSG_OK` `*nbytes_out` is the byte count sent (see
/// `rmsg_sendmsg` for partial sends).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_send_fds(
    fd: c_int,
    data: *const u8,
    len: usize,
    fds: *const c_int,
    nfds: usize,
    flags: c_int,
    nbytes_out: *mut usize,
) -> rmsg_status {
    guard(|| {
        check_out(nbytes_out)?;
        // SAFETY: data is readable for len bytes and fds for nfds ints.
        let (data, fds) = unsafe { (try_slice(data, len)?, try_slice(fds, nfds)?) };
        let mut b = rmsg_cmsg_builder::new();
        b.add_fds(fds)?;
        let iov = [rmsg_iovec {
            base: data.as_ptr() as *mut u8,
            len: data.len(),
        }];
        let bufs: &[rmsg_iovec] = if data.is_empty() { &[] } else { &iov };
        let n = send::send(fd, bufs, b.bytes(), None, flags, &Default::default())?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(nbytes_out, n) };
        Ok(())
    })
}

fn give_address(address_out: *mut *mut rmsg_address, a: rmsg_address) {
    // SAFETY: callers checked address_out non-NULL; the caller of the C
    // function provides a writable pointer.
    unsafe { write_out(address_out, into_raw(a)) };
}

/// Builds an address from text: `127.0.0.1:53`; `[::1]:53`;
/// `[fe80::1%eth0]:53` or `[fe80::1%2]:53` (scope as interface name or
/// number); a filesystem path starting with `/` or `./`; an abstract
/// `AF_UNIX` name written `@name` (the `@` stands for the leading NUL; the
/// rest is taken byte for byte). `text` is `text_len` bytes, not
/// necessarily NUL-terminated (pass `strlen(text)`).
///
/// On `RMSG_OK` the caller owns `*address_out` and frees it with
/// `rmsg_address_free`. Text that is none of these forms, a port above
/// 65535, an unknown interface or a name too long for `sun_path` is
/// `RMSG_ERR_INVALID_ADDRESS`. Host names are not resolved.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_parse(
    text: *const c_char,
    text_len: usize,
    address_out: *mut *mut rmsg_address,
) -> rmsg_status {
    guard(|| {
        check_out(address_out)?;
        // SAFETY: text is readable for text_len bytes.
        let t = unsafe { try_slice(text.cast::<u8>(), text_len) }?;
        give_address(address_out, addr_text::parse(t)?);
        Ok(())
    })
}

/// Builds an `AF_INET` address from its parts. On `RMSG_OK` the caller owns
/// `*address_out` (free with `rmsg_address_free`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_from_inet(
    inet: *const rmsg_inet_address,
    address_out: *mut *mut rmsg_address,
) -> rmsg_status {
    guard(|| {
        // SAFETY: inet is NULL or readable.
        let i = unsafe { try_ref(inet) }?;
        check_out(address_out)?;
        give_address(address_out, addr_text::inet(i.addr, i.port));
        Ok(())
    })
}

/// Builds an `AF_INET6` address from its parts (address, port, flow
/// information, scope id). On `RMSG_OK` the caller owns `*address_out`
/// (free with `rmsg_address_free`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_from_inet6(
    inet6: *const rmsg_inet6_address,
    address_out: *mut *mut rmsg_address,
) -> rmsg_status {
    guard(|| {
        // SAFETY: inet6 is NULL or readable.
        let i = unsafe { try_ref(inet6) }?;
        check_out(address_out)?;
        give_address(
            address_out,
            addr_text::inet6(i.addr, i.port, i.flowinfo, i.scope_id),
        );
        Ok(())
    })
}

/// Builds an `AF_UNIX` filesystem-path address from `len` path bytes (no
/// NUL terminator needed; 1 to 107 bytes, none of them NUL, otherwise
/// `RMSG_ERR_INVALID_ADDRESS`). On `RMSG_OK` the caller owns `*address_out`
/// (free with `rmsg_address_free`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_from_unix_path(
    path: *const u8,
    len: usize,
    address_out: *mut *mut rmsg_address,
) -> rmsg_status {
    guard(|| {
        check_out(address_out)?;
        // SAFETY: path is readable for len bytes.
        let p = unsafe { try_slice(path, len) }?;
        give_address(address_out, addr_text::unix_path(p)?);
        Ok(())
    })
}

/// Builds an `AF_UNIX` abstract address from the name *without* its leading
/// NUL (rmsg adds it): `len` bytes (0 to 107), any values. (The name
/// `rmsg_address_unix` returns starts with the NUL: pass it from its second
/// byte.) On `RMSG_OK` the caller owns `*address_out` (free with
/// `rmsg_address_free`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_from_unix_abstract(
    name: *const u8,
    len: usize,
    address_out: *mut *mut rmsg_address,
) -> rmsg_status {
    guard(|| {
        check_out(address_out)?;
        // SAFETY: name is readable for len bytes.
        let n = unsafe { try_slice(name, len) }?;
        give_address(address_out, addr_text::unix_abstract(n)?);
        Ok(())
    })
}

/// Copies any address (for example one borrowed from a received message)
/// into a new one that the caller owns and frees with `rmsg_address_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_copy(
    address: *const rmsg_address,
    address_out: *mut *mut rmsg_address,
) -> rmsg_status {
    guard(|| {
        // SAFETY: address is NULL or a live address.
        let a = unsafe { try_ref(address) }?;
        check_out(address_out)?;
        give_address(address_out, *a);
        Ok(())
    })
}

/// Frees an address made by `rmsg_address_parse`, `rmsg_address_from_*` or
/// `rmsg_address_copy`. Never pass an address borrowed from a message
/// (`rmsg_message_address`): the message frees that. NULL is accepted and
/// does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_free(address: *mut rmsg_address) {
    // SAFETY: address is NULL or an owned address from rmsg, freed once.
    guard_or((), || unsafe { free_box(address) })
}

/// Formats any address as text into `buf` (`buf_len` bytes), NUL-terminated:
/// `a.b.c.d:port`, `[v6addr]:port` or `[v6addr%scope]:port` (numeric scope
/// id; flow information is not shown), a path (with `./` in front of a
/// relative one), `@name` for an abstract name (its bytes exactly, NULs
/// included), the empty text for an unnamed `AF_UNIX` address, and
/// `<family N>:hexbytes` for other families. Except for the last, the text
/// parses back with `rmsg_address_parse` to an equal address.
///
/// `*len_out` is the text length without the terminating NUL, as `strlen`
/// would give unless the name holds NULs. On `RMSG_OK` the text and the NUL
/// are in `buf`. When `buf_len` is not more than that length, the status is
/// `RMSG_ERR_BUFFER_TOO_SMALL`, nothing is written to `buf`, and (the one
/// exception to "outputs only on success") `*len_out` is still set, so that
/// the caller can retry with `*len_out + 1` bytes. `buf` may be NULL when
/// `buf_len` is 0, to ask for the length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_format(
    address: *const rmsg_address,
    buf: *mut c_char,
    buf_len: usize,
    len_out: *mut usize,
) -> rmsg_status {
    guard(|| {
        // SAFETY: address is NULL or a live address.
        let a = unsafe { try_ref(address) }?;
        check_out(len_out)?;
        // SAFETY: buf is writable for buf_len bytes.
        let out = unsafe { try_slice_mut(buf.cast::<u8>(), buf_len) }?;
        let text = addr_text::format(a);
        // SAFETY: checked non-NULL.
        unsafe { write_out(len_out, text.len()) };
        if out.len() <= text.len() {
            return Err(Error::new(rmsg_status::RMSG_ERR_BUFFER_TOO_SMALL));
        }
        out[..text.len()].copy_from_slice(&text);
        out[text.len()] = 0;
        Ok(())
    })
}
