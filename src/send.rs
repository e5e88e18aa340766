//! The send call (the safe core; the C shims are in `ffi::send`).

use std::ffi::c_int;

use crate::addr::rmsg_address;
use crate::buffer::{self, rmsg_iovec};
use crate::cmsg;
use crate::status::{Error, Result, rmsg_status::*};
use crate::wait::{self, Policy};

/// Return `RMSG_ERR_INTERRUPTED` when a signal interrupts the call before
/// anything was sent, instead of retrying (retrying is the default).
pub const RMSG_SEND_RETURN_EINTR: u32 = 1;
/// Do not add `MSG_NOSIGNAL`: writing to a stream whose peer has gone then
/// raises `SIGPIPE` as plain `sendmsg(2)` does (and, if the process
/// survives it, the call still returns `RMSG_ERR_BROKEN_PIPE`).
pub const RMSG_SEND_ALLOW_SIGPIPE: u32 = 2;

const KNOWN_FLAGS: u32 = RMSG_SEND_RETURN_EINTR | RMSG_SEND_ALLOW_SIGPIPE;

/// Options for the send calls, with the same fields and meaning as
/// `rmsg_recv_options` (the flags are the `RMSG_SEND_*` ones). A
/// zero-initialised struct (`rmsg_send_options opts = {0};`) means the
/// defaults: block, retry on `EINTR`, `MSG_NOSIGNAL` added. rmsg only reads
/// it, and only during the call.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct rmsg_send_options {
    /// How to wait for room in the socket's send buffer: `RMSG_WAIT_BLOCK`
    /// (0), `RMSG_WAIT_NONBLOCK` or `RMSG_WAIT_DEADLINE`. Any other value is
    /// `RMSG_ERR_INVALID_ARGUMENT`.
    pub wait: u32,
    /// Bitwise OR of `RMSG_SEND_*` flags. Unknown bits are
    /// `RMSG_ERR_INVALID_ARGUMENT`.
    pub flags: u32,
    /// With `RMSG_WAIT_DEADLINE`: the longest the whole call may wait, in
    /// nanoseconds (0 behaves as a single non-blocking try). Ignored otherwise.
    pub timeout_ns: u64,
}

/// The flags for `sendmsg(2)` and the waiting policy of one call.
fn plan(flags: c_int, options: &rmsg_send_options) -> Result<(c_int, Policy)> {
    let policy = Policy::from_options(
        options.wait,
        options.flags,
        options.timeout_ns,
        KNOWN_FLAGS,
        RMSG_SEND_RETURN_EINTR,
    )?;
    let nosignal = if options.flags & RMSG_SEND_ALLOW_SIGPIPE == 0 {
        libc::MSG_NOSIGNAL
    } else {
        0
    };
    Ok((flags | nosignal | policy.dontwait_flag(), policy))
}

/// Sends one message with `sendmsg(2)`: gather buffers, optional control
/// bytes, optional destination. Returns the byte count the kernel accepted,
/// which on a stream socket may be less than the total (it is reported, not
/// retried).
pub fn send(
    fd: c_int,
    bufs: &[rmsg_iovec],
    control: &[u8],
    address: Option<&rmsg_address>,
    flags: c_int,
    options: &rmsg_send_options,
) -> Result<usize> {
    if fd < 0 {
        return Err(Error::new(RMSG_ERR_BAD_FD));
    }
    if bufs.len() > c_int::MAX as usize || control.len() > cmsg::SOCKLEN_MAX {
        return Err(Error::new(RMSG_ERR_TOO_LARGE));
    }
    if bufs.iter().any(|b| b.base.is_null() && b.len > 0) {
        return Err(Error::new(RMSG_ERR_NULL_ARGUMENT));
    }
    let (flags, policy) = plan(flags, options)?;
    let name = address.map(|a| a.bytes()).unwrap_or(&[]);
    wait::retry(fd, libc::POLLOUT, &policy, || {
        // SAFETY: msghdr is plain data; all-zero is valid.
        let mut hdr: libc::msghdr = unsafe { std::mem::zeroed() };
        if !name.is_empty() {
            hdr.msg_name = name.as_ptr() as *mut libc::c_void;
            hdr.msg_namelen = name.len() as libc::socklen_t;
        }
        hdr.msg_iov = buffer::as_iovecs(bufs);
        hdr.msg_iovlen = bufs.len() as _;
        if !control.is_empty() {
            hdr.msg_control = control.as_ptr() as *mut libc::c_void;
            hdr.msg_controllen = control.len() as _;
        }
        // SAFETY: every pointer in hdr is valid for reading for the length
        // given with it (name and control borrow from the caller's values,
        // the iovecs describe the caller's buffers, which the caller vouches
        // for); sendmsg only reads them.
        unsafe { libc::sendmsg(fd, &hdr, flags) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fds;
    use crate::test_util::pair;

    #[test]
    fn gather_and_options() {
        let (tx, rx) = pair(libc::SOCK_DGRAM);
        let mut a = *b"ab";
        let mut c = *b"cde";
        let bufs = [
            rmsg_iovec {
                base: a.as_mut_ptr(),
                len: 2,
            },
            rmsg_iovec {
                base: c.as_mut_ptr(),
                len: 3,
            },
        ];
        let n = send(tx, &bufs, &[], None, 0, &Default::default()).unwrap();
        assert_eq!(n, 5);
        let mut got = [0u8; 8];
        // SAFETY: got is writable for 8 bytes.
        let r = unsafe { libc::recv(rx, got.as_mut_ptr().cast(), 8, 0) };
        assert_eq!(&got[..r as usize], b"abcde");
        let bad = rmsg_send_options {
            flags: 1 << 20,
            ..Default::default()
        };
        assert_eq!(
            send(tx, &bufs, &[], None, 0, &bad).unwrap_err().status,
            RMSG_ERR_INVALID_ARGUMENT
        );
        let bad = rmsg_send_options {
            wait: 9,
            ..Default::default()
        };
        assert!(send(tx, &bufs, &[], None, 0, &bad).is_err());
        fds::close(tx);
        fds::close(rx);
    }

    #[test]
    fn broken_pipe_is_a_status() {
        let (tx, rx) = pair(libc::SOCK_STREAM);
        fds::close(rx);
        let mut a = *b"x";
        let bufs = [rmsg_iovec {
            base: a.as_mut_ptr(),
            len: 1,
        }];
        let e = send(tx, &bufs, &[], None, 0, &Default::default()).unwrap_err();
        assert_eq!(e.status, RMSG_ERR_BROKEN_PIPE);
        assert_eq!(e.errno, libc::EPIPE);
        fds::close(tx);
    }
}
