//! The send call (the safe core; the C shims are in `ffi::send`).

use std::ffi::c_int;
use std::mem::MaybeUninit;

use crate::addr::rmsg_address;
use crate::buffer::{self, rmsg_iovec};
use crate::builder::rmsg_cmsg_builder;
use crate::cmsg;
use crate::fds;
use crate::ptr;
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

/// One message of a batch for `rmsg_sendmmsg`: what to send, and how much
/// of it went. rmsg reads the inputs only during the call; they keep
/// belonging to the caller.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmsg_send_item {
    /// `buffer_count` buffers gathered in order (NULL allowed when the
    /// count is 0). Only read.
    pub buffers: *const rmsg_iovec,
    /// Number of buffers.
    pub buffer_count: usize,
    /// The control messages (a builder, only read; its descriptors must be
    /// open during the call), or NULL for none.
    pub control: *const rmsg_cmsg_builder,
    /// The destination, or NULL for a connected socket.
    pub address: *const rmsg_address,
    /// Written by `rmsg_sendmmsg` for each message sent: the bytes the
    /// kernel accepted. Left as it was for messages not sent.
    pub nbytes: usize,
}

/// One message to send: gather buffers, control bytes, destination.
#[derive(Clone, Copy)]
pub struct Outgoing<'a> {
    pub bufs: &'a [rmsg_iovec],
    pub control: &'a [u8],
    pub address: Option<&'a rmsg_address>,
}

impl Outgoing<'_> {
    /// Refuses what `sendmsg(2)` cannot carry, before anything is sent.
    fn check(&self) -> Result<()> {
        if self.bufs.len() > c_int::MAX as usize || self.control.len() > cmsg::SOCKLEN_MAX {
            return Err(Error::new(RMSG_ERR_TOO_LARGE));
        }
        buffer::check_iovecs(self.bufs)
    }

    /// The header the kernel reads for this message (it only reads it).
    fn header(&self) -> libc::msghdr {
        // SAFETY: msghdr is plain data; all-zero is valid.
        let mut hdr: libc::msghdr = unsafe { std::mem::zeroed() };
        let name = self.address.map_or(&[][..], |a| a.bytes());
        if !name.is_empty() {
            hdr.msg_name = name.as_ptr().cast_mut().cast();
            hdr.msg_namelen = name.len() as libc::socklen_t;
        }
        hdr.msg_iov = buffer::as_iovecs(self.bufs);
        hdr.msg_iovlen = self.bufs.len() as _;
        if !self.control.is_empty() {
            hdr.msg_control = self.control.as_ptr().cast_mut().cast();
            hdr.msg_controllen = self.control.len() as _;
        }
        hdr
    }
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
    fds::check_fd(fd)?;
    let msg = Outgoing {
        bufs,
        control,
        address,
    };
    msg.check()?;
    let (flags, policy) = plan(flags, options)?;
    let hdr = msg.header();
    wait::retry(fd, libc::POLLOUT, &policy, || {
        // SAFETY: every pointer in hdr is valid for reading for the length
        // given with it (name and control borrow from the caller's values,
        // the iovecs describe the caller's buffers, which the caller vouches
        // for); sendmsg only reads them.
        unsafe { libc::sendmsg(fd, &hdr, flags) }
    })
}

/// Messages handed to one `sendmmsg(2)` call at most: the headers live on
/// the stack, and longer batches are sent in chunks of this many.
const CHUNK: usize = 64;

impl rmsg_send_item {
    /// The message this item describes.
    ///
    /// # Safety
    /// `buffers` is NULL or readable for `buffer_count` entries, and
    /// `control` and `address` are NULL or live handles, all for `'a`.
    unsafe fn outgoing<'a>(&self) -> Result<Outgoing<'a>> {
        // SAFETY: per the contract above.
        unsafe {
            Ok(Outgoing {
                bufs: ptr::try_slice(self.buffers, self.buffer_count)?,
                control: ptr::opt_ref(self.control).map_or(&[][..], |b| b.bytes()),
                address: ptr::opt_ref(self.address),
            })
        }
    }
}

/// Sends the messages of `items` with `sendmmsg(2)`, in order, under one
/// deadline, and writes each sent one's byte count into its `nbytes`.
/// Returns how many were sent. A failure after some were sent ends the call
/// with that number (the kernel reports the error on the next call); a
/// failure before any was sent is the error. Every item is checked before
/// anything is sent.
///
/// # Safety
/// Every item's pointers are valid as [`rmsg_send_item::outgoing`] says,
/// for the whole call.
pub unsafe fn send_items(
    fd: c_int,
    items: &mut [rmsg_send_item],
    flags: c_int,
    options: &rmsg_send_options,
) -> Result<usize> {
    fds::check_fd(fd)?;
    for item in items.iter() {
        // SAFETY: per this function's contract.
        unsafe { item.outgoing() }?.check()?;
    }
    let (flags, policy) = plan(flags, options)?;
    let deadline = policy.wait.deadline();
    let mut hdrs = [const { MaybeUninit::<libc::mmsghdr>::uninit() }; CHUNK];
    let (mut done, count) = (0, items.len());
    // At least one call, also for an empty batch: the kernel then checks
    // the descriptor (and sends nothing), as for any other send.
    loop {
        let chunk = &mut items[done..(done + CHUNK).min(count)];
        for (h, item) in hdrs.iter_mut().zip(chunk.iter()) {
            // SAFETY: per this function's contract (checked above).
            let msg = unsafe { item.outgoing() }?;
            h.write(libc::mmsghdr {
                msg_hdr: msg.header(),
                msg_len: 0,
            });
        }
        let k = chunk.len();
        // SAFETY: the first k headers were written just above.
        let written = unsafe { ptr::assume_init_mut(&mut hdrs[..k]) };
        let p = written.as_mut_ptr();
        let r = wait::retry_until(fd, libc::POLLOUT, &policy, deadline, || {
            // SAFETY: each header points at the caller's buffers, control
            // bytes and address, valid for reading (the caller vouches for
            // them); sendmmsg only reads them and writes msg_len.
            let r = unsafe { libc::sendmmsg(fd, p, k as libc::c_uint, flags) };
            r as isize
        });
        let n = match r {
            Ok(n) => n,
            Err(_) if done > 0 => return Ok(done),
            Err(e) => return Err(e),
        };
        for (item, h) in chunk.iter_mut().zip(&written[..n]) {
            item.nbytes = h.msg_len as usize;
        }
        done += n;
        if n < k || done >= count {
            break;
        }
    }
    Ok(done)
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

    #[test]
    fn an_empty_batch_still_checks_the_descriptor() {
        let (tx, rx) = pair(libc::SOCK_DGRAM);
        let opts = Default::default();
        // SAFETY: no items, so no pointers to vouch for.
        assert_eq!(unsafe { send_items(tx, &mut [], 0, &opts) }, Ok(0));
        fds::close(rx);
        fds::close(tx);
        // A number no descriptor can have (a closed one might be reused by
        // a test on another thread).
        // SAFETY: as above.
        let e = unsafe { send_items(c_int::MAX, &mut [], 0, &opts) }.unwrap_err();
        assert_eq!(e.status, RMSG_ERR_BAD_FD);
        let mut p = [0; 2];
        // SAFETY: p has room for the two descriptors of a pipe.
        assert_eq!(unsafe { libc::pipe(p.as_mut_ptr()) }, 0);
        // SAFETY: as above.
        let e = unsafe { send_items(p[0], &mut [], 0, &opts) }.unwrap_err();
        assert_eq!(e.status, RMSG_ERR_NOT_A_SOCKET);
        fds::close(p[0]);
        fds::close(p[1]);
    }
}
