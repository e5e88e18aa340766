//! Batch receive: up to N messages per `recvmmsg(2)` call into N slots
//! allocated once. Only the headers the kernel wrote last time are rearmed,
//! so the cost follows the messages received, not the batch size. The C
//! shims are in `ffi::receiver`.

use std::ffi::c_int;

use crate::fault;
use crate::fds;
use crate::message::{Received, rmsg_message};
use crate::recv::{self, PlanCache, rmsg_recv_options};
use crate::status::{Error, Result, rmsg_status::*};
use crate::view::rmsg_view;
use crate::wait::{self, Wait};

/// The most slots a batch may have: Linux's `UIO_MAXIOV`, the most messages
/// one `recvmmsg(2)` call takes.
pub const RMSG_BATCH_MAX: usize = 1024;

/// A batch: N message slots with their `mmsghdr`s, and how many the last
/// receive filled. Opaque to C; made by `rmsg_batch_new`, freed with
/// `rmsg_batch_free`; its messages are read with the `rmsg_message_*`
/// functions.
///
/// Threads: one thread at a time (`rmsg_batch_message` included); it may
/// move between threads. Its messages are distinct messages: once their
/// pointers are obtained, different threads may use different messages at
/// the same time, as the message's contract says, until the next
/// `rmsg_batch_recv` or `rmsg_batch_free`, which need the batch and all its
/// messages to themselves.
pub struct rmsg_batch {
    /// The slots. Never resized after creation, so the headers' pointers
    /// into them stay valid.
    slots: Vec<rmsg_message>,
    hdrs: Vec<libc::mmsghdr>,
    /// The slots' data buffers as the headers point at them (the kernel
    /// reads them through `hdrs`; rmsg never does again).
    #[allow(dead_code)]
    iovs: Vec<libc::iovec>,
    /// Each slot's view, in slot order: what `rmsg_batch_recv_views` hands
    /// out (the views live in the slots, which never move).
    views: Vec<*const rmsg_view>,
    /// Slots the last receive filled (their headers were written, and are
    /// armed again).
    used: usize,
    /// Some message of the last receive holds what forgetting it must
    /// clear (descriptors, or items no layout keeps).
    stale: bool,
    bufsize: usize,
    /// Whether the headers point at the slots' name buffers, and the
    /// `msg_namelen` they are armed with (the buffer's size, or 0).
    names: bool,
    name_cap: libc::socklen_t,
    /// Every slot's control buffer size.
    control_cap: usize,
    plans: PlanCache,
}

// SAFETY: the raw pointers in hdrs and iovs point into memory the batch
// owns (its slots' buffers, its own iov array), which moves with it.
unsafe impl Send for rmsg_batch {}

impl rmsg_batch {
    /// A batch of `count` slots of `bufsize` data and `ancbufsize` control
    /// bytes each; `options` are the defaults of every receive that passes
    /// none.
    pub(crate) fn new(
        count: usize,
        bufsize: usize,
        ancbufsize: usize,
        options: &rmsg_recv_options,
    ) -> Result<Box<rmsg_batch>> {
        if count == 0 {
            return Err(Error::new(RMSG_ERR_INVALID_ARGUMENT));
        }
        if count > RMSG_BATCH_MAX {
            return Err(Error::new(RMSG_ERR_TOO_LARGE));
        }
        recv::check_control_len(ancbufsize)?;
        let plans = PlanCache::new(options)?;
        let want_address = plans.cached().want_address;
        let oom = || Error::new(RMSG_ERR_OUT_OF_MEMORY);
        let mut slots = Vec::new();
        slots.try_reserve_exact(count).map_err(|_| oom())?;
        for _ in 0..count {
            slots.push(rmsg_message::with_capacity(bufsize, ancbufsize, true)?);
        }
        let mut iovs = Vec::new();
        iovs.try_reserve_exact(count).map_err(|_| oom())?;
        for slot in &mut slots {
            iovs.push(libc::iovec {
                iov_base: slot.data_mut_ptr().cast(),
                iov_len: bufsize,
            });
        }
        let mut views = Vec::new();
        views.try_reserve_exact(count).map_err(|_| oom())?;
        for slot in &mut slots {
            slot.pin();
            views.push(slot.view() as *const rmsg_view);
        }
        let mut hdrs = Vec::new();
        hdrs.try_reserve_exact(count).map_err(|_| oom())?;
        for iov in &mut iovs {
            // SAFETY: mmsghdr is plain data; all-zero is valid.
            let mut h: libc::mmsghdr = unsafe { std::mem::zeroed() };
            h.msg_hdr.msg_iov = iov;
            h.msg_hdr.msg_iovlen = 1;
            hdrs.push(h);
        }
        let mut batch = Box::new(rmsg_batch {
            slots,
            hdrs,
            iovs,
            views,
            used: 0,
            stale: false,
            bufsize,
            names: want_address,
            name_cap: 0,
            control_cap: ancbufsize,
            plans,
        });
        batch.aim_all(want_address);
        Ok(batch)
    }

    /// Points every header at its slot (with or without the name buffer)
    /// and arms its in/out fields.
    fn aim_all(&mut self, want_address: bool) {
        for (h, slot) in self.hdrs.iter_mut().zip(&mut self.slots) {
            recv::aim(&mut h.msg_hdr, slot, want_address);
            recv::rearm(&mut h.msg_hdr, slot.control_cap());
            h.msg_len = 0;
        }
        self.names = want_address;
        self.name_cap = self.hdrs.first().map_or(0, |h| h.msg_hdr.msg_namelen);
    }

    /// Forgets the last batch: closes the descriptors not taken. (The
    /// headers the kernel wrote were armed again as their messages were
    /// completed.)
    #[inline(always)]
    fn forget(&mut self) {
        let used = std::mem::take(&mut self.used);
        if std::mem::take(&mut self.stale) {
            for slot in &mut self.slots[..used] {
                slot.forget_items();
            }
        }
    }

    /// Receives up to the batch's size of messages from `fd` with one
    /// `recvmmsg(2)`; returns how many arrived. Waiting follows the plan:
    /// blocking waits for the first message only (`MSG_WAITFORONE`), a
    /// deadline is waited out with `poll` (never recvmmsg's own timeout).
    #[inline(always)]
    pub(crate) fn recv(
        &mut self,
        fd: c_int,
        flags: c_int,
        options: Option<&rmsg_recv_options>,
    ) -> Result<usize> {
        fds::check_fd(fd)?;
        let mut slot = None;
        let plan = *self.plans.get(flags, options, &mut slot)?;
        self.forget();
        if plan.want_address != self.names {
            self.aim_all(plan.want_address);
        }
        let mut sys_flags = match plan.policy.wait {
            Wait::Block => plan.flags | libc::MSG_WAITFORONE,
            _ => plan.flags,
        };
        let count = self.hdrs.len() as libc::c_uint;
        let hdrs = self.hdrs.as_mut_ptr();
        // A failed try writes no header, so the armed headers serve every try.
        let n = wait::retry(fd, recv::EVENTS, &plan.policy, || {
            // SAFETY: the headers point into this batch's slots, sized as
            // the headers say; count is at most their number; the timeout
            // is NULL.
            let mut r = unsafe { libc::recvmmsg(fd, hdrs, count, sys_flags, std::ptr::null_mut()) };
            if r < 0
                && let Some(f) = recv::without_refused_cloexec(&plan, sys_flags)
            {
                sys_flags = f;
                // SAFETY: as above.
                r = unsafe { libc::recvmmsg(fd, hdrs, count, sys_flags, std::ptr::null_mut()) };
            }
            r as isize
        })?;
        self.used = n;
        // Held messages have room for their items from the start, so
        // completing them cannot fail part-way; only the test hook of debug
        // builds can make one fail, and then the batch fails before any is
        // completed.
        if (0..n).any(|_| fault::should_fail()) {
            self.fail(n);
            return Err(Error::new(RMSG_ERR_OUT_OF_MEMORY));
        }
        let (bufsize, name_cap, control_cap) = (self.bufsize, self.name_cap, self.control_cap);
        let mut stale = false;
        for (h, slot) in self.hdrs[..n].iter_mut().zip(&mut self.slots) {
            // Armed by rmsg: msg_namelen stays 0 when no name is asked for,
            // msg_controllen when there is no control buffer.
            let hdr = &mut h.msg_hdr;
            #[allow(clippy::unnecessary_cast)]
            let got = Received {
                nbytes: h.msg_len as usize,
                name_len: Some(hdr.msg_namelen as usize),
                name_room: name_cap as usize,
                control_len: hdr.msg_controllen as usize,
                flags: hdr.msg_flags,
            };
            // Armed again for the next receive.
            hdr.msg_namelen = name_cap;
            hdr.msg_controllen = control_cap as _;
            hdr.msg_flags = 0;
            slot.complete_held(&got, bufsize, plan.hide);
            stale |= slot.stale();
        }
        self.stale = stale;
        Ok(n)
    }

    /// No room could be made for the `n` messages received: close every
    /// descriptor the kernel installed for them, so that a failure leaves
    /// none open.
    #[cold]
    fn fail(&mut self, n: usize) {
        for (h, slot) in self.hdrs[..n].iter_mut().zip(&mut self.slots) {
            slot.close_unclaimed(recv::received(0, &h.msg_hdr).control_len);
            recv::rearm(&mut h.msg_hdr, self.control_cap);
        }
        self.used = 0;
    }

    /// Messages the last receive filled.
    pub(crate) fn count(&self) -> usize {
        self.used
    }

    /// The views of the messages the last receive filled.
    pub(crate) fn views(&self) -> &[*const rmsg_view] {
        &self.views[..self.used]
    }

    /// Message `index` of the last receive.
    pub(crate) fn message(&mut self, index: usize) -> Option<&mut rmsg_message> {
        self.slots[..self.used].get_mut(index)
    }
}
