//! The reusable receiver: one message, allocated once, received into again
//! and again. The hot path is the in/out field reset, the syscall and one
//! walk of the control bytes; the C shims are in `ffi::receiver`.

use std::ffi::c_int;
use std::mem::size_of;

use crate::fds;
use crate::message::{Received, rmsg_message};
use crate::recv::{self, PlanCache, rmsg_recv_options};
use crate::status::Result;

/// A receiver: capacities fixed when it is made, default options, and the
/// one message it fills (read with the `rmsg_message_*` functions). Opaque
/// to C; made by `rmsg_receiver_new`, freed with `rmsg_receiver_free`.
///
/// Threads: one thread at a time, its message included; it may move
/// between threads (made on one, receiving on another).
pub struct rmsg_receiver {
    /// Held in the (boxed, never moved) receiver, so that the header's
    /// name pointer into it stays valid.
    message: rmsg_message,
    /// The header aimed at `message`, kept between calls; its iov points at
    /// `iov`, both inside this (boxed, never moved) receiver.
    hdr: libc::msghdr,
    iov: libc::iovec,
    bufsize: usize,
    plans: PlanCache,
    /// `msg_namelen` to arm the header with: the name buffer's size when
    /// the header asks for the source address, else 0.
    name_cap: libc::socklen_t,
}

// SAFETY: the raw pointers in hdr and iov point into memory the receiver
// owns (its message's buffers, its own iov), which moves with it; nothing
// is shared with another handle.
unsafe impl Send for rmsg_receiver {}

impl rmsg_receiver {
    /// A receiver for messages of up to `bufsize` data bytes and
    /// `ancbufsize` control bytes; `options` are the defaults of every
    /// receive that passes none.
    pub(crate) fn new(
        bufsize: usize,
        ancbufsize: usize,
        options: &rmsg_recv_options,
    ) -> Result<Box<rmsg_receiver>> {
        recv::check_control_len(ancbufsize)?;
        let plans = PlanCache::new(options)?;
        let message = rmsg_message::with_capacity(bufsize, ancbufsize, true)?;
        // SAFETY: msghdr is plain data; all-zero is valid.
        let hdr: libc::msghdr = unsafe { std::mem::zeroed() };
        let mut r = Box::new(rmsg_receiver {
            message,
            hdr,
            iov: libc::iovec {
                iov_base: std::ptr::null_mut(),
                iov_len: bufsize,
            },
            bufsize,
            plans,
            name_cap: 0,
        });
        let r_ref = &mut *r;
        r_ref.message.pin();
        r_ref.iov.iov_base = r_ref.message.data_mut_ptr().cast();
        r_ref.hdr.msg_iov = &mut r_ref.iov;
        r_ref.hdr.msg_iovlen = 1;
        let want_address = r_ref.plans.cached().want_address;
        r_ref.aim(want_address);
        Ok(r)
    }

    /// Receives the next message from `fd` into the receiver's message,
    /// first closing the descriptors of the previous one that were not
    /// taken. `options` overrides the
    /// receiver's defaults for this call.
    ///
    /// A call with no options and the flags of the last one, which does
    /// not wait for a deadline, takes the short way: the plan made then,
    /// and the header already aimed for it.
    #[inline(always)]
    pub(crate) fn recv(
        &mut self,
        fd: c_int,
        flags: c_int,
        options: Option<&rmsg_recv_options>,
    ) -> Result<&mut rmsg_message> {
        let plan = match self.plans.fast(flags, options) {
            Some(plan) if fd >= 0 && !self.message.stale() => plan,
            _ => return self.recv_planned(fd, flags, options),
        };
        let control_cap = self.message.control_cap();
        let hdr = &mut self.hdr;
        hdr.msg_namelen = self.name_cap;
        hdr.msg_controllen = control_cap as _;
        hdr.msg_flags = 0;
        // SAFETY: the header points into this receiver's message, sized as
        // it says (see new and aim).
        let r = unsafe { libc::recvmsg(fd, hdr, plan.flags) };
        let n = if r >= 0 {
            r as usize
        } else {
            recv::retry_recvmsg(fd, hdr, control_cap, plan, None)?
        };
        // The header was armed here: msg_namelen 0 when no name is asked
        // for (the kernel leaves it so), control bytes only with room.
        #[allow(clippy::unnecessary_cast)]
        let got = Received {
            nbytes: n,
            name_len: Some(hdr.msg_namelen as usize),
            name_room: self.name_cap as usize,
            control_len: hdr.msg_controllen as usize,
            flags: hdr.msg_flags,
        };
        self.message
            .complete_receiver(&got, self.bufsize, plan.hide)?;
        Ok(&mut self.message)
    }

    /// Aims the header at the message, with or without its name buffer.
    fn aim(&mut self, want_address: bool) {
        recv::aim(&mut self.hdr, &mut self.message, want_address);
        self.name_cap = if want_address {
            size_of::<libc::sockaddr_storage>() as libc::socklen_t
        } else {
            0
        };
    }

    /// [`Self::recv`] for a call with options, new flags or a deadline, a
    /// bad descriptor, or a last message whose items must be cleared: a
    /// plan made (or remade) now, the header aimed for it.
    #[inline(never)]
    fn recv_planned(
        &mut self,
        fd: c_int,
        flags: c_int,
        options: Option<&rmsg_recv_options>,
    ) -> Result<&mut rmsg_message> {
        fds::check_fd(fd)?;
        let mut slot = None;
        let plan = self.plans.get(flags, options, &mut slot)?;
        self.message.forget_items();
        if plan.want_address == self.hdr.msg_name.is_null() {
            recv::aim(&mut self.hdr, &mut self.message, plan.want_address);
        }
        let received = recv::receive_with(&mut self.message, &mut self.hdr, fd, plan, self.bufsize);
        // The short way expects the header aimed for the cached plan.
        let cached = self.plans.cached().want_address;
        if cached == self.hdr.msg_name.is_null() {
            self.aim(cached);
        }
        received?;
        Ok(&mut self.message)
    }
}
