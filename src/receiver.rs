//! The reusable receiver: one message, allocated once, received into again
//! and again. The hot path is the in/out field reset, the syscall and one
//! walk of the control bytes; the C shims are in `ffi::receiver`.

use std::ffi::c_int;

use crate::cmsg;
use crate::message::rmsg_message;
use crate::recv::{self, Plan, rmsg_recv_options};
use crate::status::{Error, Result, rmsg_status::*};

/// A receiver: capacities fixed when it is made, default options, and the
/// one message it fills (read with the `rmsg_message_*` functions). Opaque
/// to C; made by `rmsg_receiver_new`, freed with `rmsg_receiver_free`.
///
/// Threads: one thread at a time, its message included; it may move
/// between threads (made on one, receiving on another).
pub struct rmsg_receiver {
    message: Box<rmsg_message>,
    /// The header aimed at `message`, kept between calls; its iov points at
    /// `iov`, both inside this (boxed, never moved) receiver.
    hdr: libc::msghdr,
    iov: libc::iovec,
    bufsize: usize,
    /// The options the receiver was made with, and the plan they give for
    /// `plan_flags`, reused while calls pass the same flags and no options.
    defaults: rmsg_recv_options,
    plan_flags: c_int,
    plan: Plan,
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
        if ancbufsize > cmsg::SOCKLEN_MAX {
            return Err(Error::new(RMSG_ERR_TOO_LARGE));
        }
        let plan = Plan::new(0, options)?;
        let message = Box::new(rmsg_message::with_capacity(bufsize, ancbufsize, true)?);
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
            defaults: *options,
            plan_flags: 0,
            plan,
        });
        let r_ref = &mut *r;
        r_ref.iov.iov_base = r_ref.message.data_mut_ptr().cast();
        r_ref.hdr.msg_iov = &mut r_ref.iov;
        r_ref.hdr.msg_iovlen = 1;
        recv::aim(&mut r_ref.hdr, &mut r_ref.message, plan.want_address);
        Ok(r)
    }

    /// Receives the next message from `fd` into the receiver's message,
    /// first closing the descriptors of the previous one that were not
    /// taken. `options` overrides the receiver's defaults for this call.
    #[inline(always)]
    pub(crate) fn recv(
        &mut self,
        fd: c_int,
        flags: c_int,
        options: Option<&rmsg_recv_options>,
    ) -> Result<&mut rmsg_message> {
        if fd < 0 {
            return Err(Error::new(RMSG_ERR_BAD_FD));
        }
        let given;
        let plan = match options {
            None if flags == self.plan_flags => &self.plan,
            None => {
                self.plan = Plan::new(flags, &self.defaults)?;
                self.plan_flags = flags;
                &self.plan
            }
            Some(o) => {
                given = Plan::new(flags, o)?;
                &given
            }
        };
        self.message.reset();
        if plan.want_address == self.hdr.msg_name.is_null() {
            recv::aim(&mut self.hdr, &mut self.message, plan.want_address);
        }
        recv::receive_with(&mut self.message, &mut self.hdr, fd, plan, self.bufsize)?;
        Ok(&mut self.message)
    }
}
