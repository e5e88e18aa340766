//! The receive calls: `recvmsg(2)` with rmsg's rules (fresh in/out fields
//! on every try, the `EINTR` and timeout policy, every received descriptor
//! owned by the resulting message or closed). The message itself is in
//! `message`; the C shims in `ffi::message`.

use std::ffi::c_int;
use std::mem::size_of;

use crate::buffer::{self, rmsg_iovec};
use crate::cmsg;
use crate::fds;
use crate::message::{Received, rmsg_message};
use crate::status::{Error, Result, rmsg_status::*};
use crate::wait::{self, Policy, Wait};

/// Return `RMSG_ERR_INTERRUPTED` when a signal interrupts the call, instead
/// of retrying (PEP 475 retrying is the default). For callers that must run
/// their own signal handlers between tries, such as language runtimes.
pub const RMSG_RECV_RETURN_EINTR: u32 = 1;
/// Do not add `MSG_CMSG_CLOEXEC`: received descriptors are then inheritable
/// across `exec`.
pub const RMSG_RECV_NO_CLOEXEC: u32 = 2;
/// Do not ask the kernel for the source address (`msg_name` NULL): the
/// message then has none (`rmsg_message_address` gives NULL). Saves the
/// kernel's copy of the address on sockets where it is known, such as
/// connected ones.
pub const RMSG_RECV_NO_ADDRESS: u32 = 4;

const KNOWN_FLAGS: u32 = RMSG_RECV_RETURN_EINTR | RMSG_RECV_NO_CLOEXEC | RMSG_RECV_NO_ADDRESS;

/// Options for the receive calls. A zero-initialised struct
/// (`rmsg_recv_options opts = {0};`) means the defaults: block, retry on
/// `EINTR`, close-on-exec for received descriptors. rmsg only reads it, and
/// only during the call.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct rmsg_recv_options {
    /// How to wait: `RMSG_WAIT_BLOCK` (0), `RMSG_WAIT_NONBLOCK` or
    /// `RMSG_WAIT_DEADLINE`. Any other value is `RMSG_ERR_INVALID_ARGUMENT`.
    pub wait: u32,
    /// Bitwise OR of `RMSG_RECV_*` flags. Unknown bits are
    /// `RMSG_ERR_INVALID_ARGUMENT`.
    pub flags: u32,
    /// With `RMSG_WAIT_DEADLINE`: the longest the whole call may wait, in
    /// nanoseconds (0 behaves as a poll). Ignored otherwise.
    pub timeout_ns: u64,
}

/// Where the received data goes.
pub enum Target<'a> {
    /// Into the message, at most this many bytes.
    Owned(usize),
    /// Into caller buffers (scatter); the message then holds no data bytes.
    Into(&'a [rmsg_iovec]),
}

/// Validated receive parameters: what every receive call (single,
/// receiver, batch) computes from its flags and options once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub policy: Policy,
    /// The flags passed to `recvmsg(2)`.
    pub flags: c_int,
    /// Flags rmsg added that the kernel echoes back: hidden from the result.
    pub hide: c_int,
    pub want_address: bool,
}

impl Plan {
    /// The plan of the default options (`options` NULL in C): block, retry
    /// on `EINTR`, close-on-exec, the source address.
    #[inline(always)]
    pub(crate) fn defaults(flags: c_int) -> Plan {
        let added = cloexec_flag();
        Plan {
            policy: Policy {
                wait: Wait::Block,
                return_eintr: false,
            },
            flags: flags | added,
            hide: added & !flags,
            want_address: true,
        }
    }

    pub(crate) fn new(flags: c_int, options: &rmsg_recv_options) -> Result<Plan> {
        let policy = Policy::from_options(
            options.wait,
            options.flags,
            options.timeout_ns,
            KNOWN_FLAGS,
            RMSG_RECV_RETURN_EINTR,
        )?;
        let added = if options.flags & RMSG_RECV_NO_CLOEXEC == 0 {
            cloexec_flag()
        } else {
            0
        };
        Ok(Plan {
            flags: flags | added | policy.dontwait_flag(),
            // Linux echoes MSG_CMSG_CLOEXEC into msg_flags: hide it when rmsg
            // added it, so the flags are what the caller's call gives.
            hide: added & !flags,
            policy,
            want_address: options.flags & RMSG_RECV_NO_ADDRESS == 0,
        })
    }
}

/// The plan of a receiver or batch: made from its default options for
/// the flags of the last call, and reused while calls pass the same flags
/// and no options of their own (the common case costs one comparison).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlanCache {
    defaults: rmsg_recv_options,
    flags: c_int,
    plan: Plan,
    /// `flags` when the cached plan may take the short way (no deadline to
    /// wait for), else a value no `c_int` has: one comparison tells.
    fast: i64,
}

impl PlanCache {
    /// The cache of a handle made with `defaults`, primed for flags 0.
    pub(crate) fn new(defaults: &rmsg_recv_options) -> Result<PlanCache> {
        let plan = Plan::new(0, defaults)?;
        Ok(PlanCache {
            defaults: *defaults,
            flags: 0,
            fast: PlanCache::fast_key(0, &plan),
            plan,
        })
    }

    fn fast_key(flags: c_int, plan: &Plan) -> i64 {
        match plan.policy.wait {
            Wait::Deadline(_) => i64::MIN,
            _ => i64::from(flags),
        }
    }

    /// The cached plan: the handle's own options with the flags of the
    /// last call that passed none (0 until then).
    pub(crate) fn cached(&self) -> &Plan {
        &self.plan
    }

    /// The cached plan, when a call with these flags and options may use
    /// it without waiting for a deadline (the common case of a receive
    /// loop: no options, the same flags, block or never block): its
    /// `recvmsg` flags and the flags to hide.
    #[inline(always)]
    pub(crate) fn fast(&self, flags: c_int, options: Option<&rmsg_recv_options>) -> Option<&Plan> {
        (options.is_none() && i64::from(flags) == self.fast).then_some(&self.plan)
    }

    /// The plan of a call with these flags and options (`None`: the
    /// handle's own): the cached one when the flags are the last call's
    /// and there are no options, else one made now (kept in the cache
    /// when there are no options, else in `slot`).
    #[inline(always)]
    pub(crate) fn get<'a>(
        &'a mut self,
        flags: c_int,
        options: Option<&rmsg_recv_options>,
        slot: &'a mut Option<Plan>,
    ) -> Result<&'a Plan> {
        if options.is_none() && flags == self.flags {
            return Ok(&self.plan);
        }
        self.make(flags, options, slot)
    }

    #[cold]
    fn make<'a>(
        &'a mut self,
        flags: c_int,
        options: Option<&rmsg_recv_options>,
        slot: &'a mut Option<Plan>,
    ) -> Result<&'a Plan> {
        match options {
            None => {
                self.plan = Plan::new(flags, &self.defaults)?;
                self.flags = flags;
                self.fast = PlanCache::fast_key(flags, &self.plan);
                Ok(&self.plan)
            }
            Some(o) => Ok(slot.insert(Plan::new(flags, o)?)),
        }
    }
}

/// The check every receive makes of its control-buffer size before
/// anything else (with `fds::check_fd` for its descriptor): a control
/// buffer larger than a `socklen_t` holds is `RMSG_ERR_TOO_LARGE`.
#[inline(always)]
pub(crate) fn check_control_len(ancbufsize: usize) -> Result<()> {
    if ancbufsize > cmsg::SOCKLEN_MAX {
        return Err(Error::new(RMSG_ERR_TOO_LARGE));
    }
    Ok(())
}

/// The events a receive waits for.
pub(crate) const EVENTS: libc::c_short = libc::POLLIN | libc::POLLPRI;

/// Capacity of a message's name buffer, as `msg_namelen` takes it.
const NAME_CAP: libc::socklen_t = size_of::<libc::sockaddr_storage>() as libc::socklen_t;

/// Points `hdr` at `msg`'s name (when wanted) and control buffers. The iov
/// fields are the caller's to set.
pub(crate) fn aim(hdr: &mut libc::msghdr, msg: &mut rmsg_message, want_address: bool) {
    hdr.msg_name = if want_address {
        msg.name_ptr()
    } else {
        std::ptr::null_mut()
    };
    hdr.msg_control = msg.control_ptr();
}

/// Sets the in/out fields of a header aimed at `msg` for the next try:
/// what a reused header must never carry over from the last call.
#[inline(always)]
pub(crate) fn rearm(hdr: &mut libc::msghdr, control_cap: usize) {
    hdr.msg_namelen = if hdr.msg_name.is_null() { 0 } else { NAME_CAP };
    hdr.msg_controllen = control_cap as _;
    hdr.msg_flags = 0;
}

/// The tries after a first `recvmsg` on `hdr` failed (see
/// `wait::retry_after_failure`), each with the header rearmed; the byte
/// count of the try that succeeded.
#[cold]
#[inline(never)]
pub(crate) fn retry_recvmsg(
    fd: c_int,
    hdr: &mut libc::msghdr,
    control_cap: usize,
    plan: &Plan,
    deadline: Option<std::time::Instant>,
) -> Result<usize> {
    let mut flags = plan.flags;
    if let Some(f) = without_refused_cloexec(plan, flags) {
        flags = f;
        rearm(hdr, control_cap);
        // SAFETY: as for `again` below.
        let r = unsafe { libc::recvmsg(fd, hdr, flags) };
        if r >= 0 {
            return Ok(r as usize);
        }
    }
    let mut again = || {
        rearm(hdr, control_cap);
        // SAFETY: hdr's pointers are valid for the lengths given with them
        // (the caller's first try relied on the same).
        unsafe { libc::recvmsg(fd, hdr, flags) }
    };
    wait::retry_after_failure(fd, EVENTS, &plan.policy, deadline, &mut again)
}

/// After a receive failed: the flags to try again with when the failure
/// is the `EINVAL` that sockets which accept no `MSG_CMSG_CLOEXEC` give
/// (Linux's `AF_PACKET` refuses every flag it does not know) and rmsg added
/// the flag itself. Such sockets cannot carry descriptors, so nothing is
/// lost without it. `None` otherwise (read `errno` before anything else).
#[cold]
pub(crate) fn without_refused_cloexec(plan: &Plan, flags: c_int) -> Option<c_int> {
    let cloexec = cloexec_flag();
    let refused = std::io::Error::last_os_error().raw_os_error() == Some(libc::EINVAL);
    (refused && cloexec != 0 && plan.hide & cloexec != 0 && flags & cloexec != 0)
        .then_some(flags & !cloexec)
}

/// What the kernel reported in `hdr` for a call that returned `n`.
#[inline(always)]
pub(crate) fn received(n: usize, hdr: &libc::msghdr) -> Received {
    // msg_controllen is a size_t in glibc, a socklen_t in musl.
    #[allow(clippy::unnecessary_cast)]
    Received {
        nbytes: n,
        name_len: (!hdr.msg_name.is_null()).then_some(hdr.msg_namelen as usize),
        name_room: NAME_CAP as usize,
        control_len: if hdr.msg_control.is_null() {
            0
        } else {
            hdr.msg_controllen as usize
        },
        flags: hdr.msg_flags,
    }
}

/// The `recvmsg(2)` tries with a header aimed at `msg`, then the decoding
/// of what arrived (`data_cap`: bytes the
/// message's own data buffer received at most, 0 for the scatter form).
/// From the moment the syscall succeeds the kernel may have installed
/// descriptors: `complete` closes them itself if decoding fails.
#[inline(always)]
pub(crate) fn receive_with(
    msg: &mut rmsg_message,
    hdr: &mut libc::msghdr,
    fd: c_int,
    plan: &Plan,
    data_cap: usize,
) -> Result<()> {
    let control_cap = msg.control_cap();
    let deadline = plan.policy.wait.deadline();
    rearm(hdr, control_cap);
    // SAFETY: every pointer in hdr is valid for the length given with it:
    // name and control point into msg, iov into msg or the caller's
    // buffers (the caller vouches for those).
    let r = unsafe { libc::recvmsg(fd, hdr, plan.flags) };
    let n = if r >= 0 {
        r as usize
    } else {
        retry_recvmsg(fd, hdr, control_cap, plan, deadline)?
    };
    msg.complete(&received(n, hdr), data_cap, plan.hide)
}

#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
fn cloexec_flag() -> c_int {
    libc::MSG_CMSG_CLOEXEC
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
fn cloexec_flag() -> c_int {
    0
}

/// Receives one message (see the module documentation).
pub fn receive(
    fd: c_int,
    target: Target<'_>,
    ancbufsize: usize,
    flags: c_int,
    options: Option<&rmsg_recv_options>,
) -> Result<Box<rmsg_message>> {
    if let (Target::Owned(bufsize), None) = (&target, options) {
        return receive_owned(fd, *bufsize, ancbufsize, flags);
    }
    fds::check_fd(fd)?;
    check_control_len(ancbufsize)?;
    let plan = match options {
        None => Plan::defaults(flags),
        Some(o) => Plan::new(flags, o)?,
    };
    let bufsize = match target {
        Target::Owned(n) => n,
        Target::Into(bufs) if bufs.len() > c_int::MAX as usize => {
            return Err(Error::new(RMSG_ERR_TOO_LARGE));
        }
        Target::Into(bufs) => {
            buffer::check_iovecs(bufs)?;
            0
        }
    };
    let mut msg = rmsg_message::obtain(bufsize, ancbufsize)?;
    let mut own_iov = libc::iovec {
        iov_base: msg.data_mut_ptr().cast(),
        iov_len: bufsize,
    };
    // SAFETY: msghdr is plain data; all-zero is valid.
    let mut hdr: libc::msghdr = unsafe { std::mem::zeroed() };
    aim(&mut hdr, &mut msg, plan.want_address);
    (hdr.msg_iov, hdr.msg_iovlen) = match target {
        Target::Owned(_) => (&mut own_iov as *mut libc::iovec, 1),
        Target::Into(bufs) => (buffer::as_iovecs(bufs), bufs.len() as _),
    };
    match receive_with(&mut msg, &mut hdr, fd, &plan, bufsize) {
        Ok(()) => Ok(msg),
        Err(e) => {
            // Nothing is owned on failure: keep the memory for the next call.
            rmsg_message::release(msg);
            Err(e)
        }
    }
}

/// [`receive`] into the message's own buffer with the default options, the
/// common single receive: the message (the spare, usually) keeps its header
/// aimed between calls, so only its in/out fields are set.
#[inline(always)]
fn receive_owned(
    fd: c_int,
    bufsize: usize,
    ancbufsize: usize,
    flags: c_int,
) -> Result<Box<rmsg_message>> {
    fds::check_fd(fd)?;
    check_control_len(ancbufsize)?;
    let plan = Plan::defaults(flags);
    let mut msg = rmsg_message::obtain(bufsize, ancbufsize)?;
    let hdr = msg.armed_header(bufsize);
    rearm(hdr, ancbufsize);
    // SAFETY: the header points into the boxed message, at buffers of the
    // sizes it gives (armed_header aimed it for these capacities).
    let r = unsafe { libc::recvmsg(fd, hdr, plan.flags) };
    let n = if r >= 0 {
        Ok(r as usize)
    } else {
        retry_recvmsg(fd, hdr, ancbufsize, &plan, None)
    };
    let done = match n {
        Ok(n) => {
            let got = received(n, hdr);
            msg.complete(&got, bufsize, plan.hide)
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Ok(msg),
        Err(e) => {
            // Nothing is owned on failure: keep the memory for the next call.
            rmsg_message::release(msg);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fds;
    use crate::test_util::{Watch, is_open, pair, send_fds};

    #[test]
    fn reused_message_memory_carries_nothing_over() {
        let (a, b) = pair(libc::SOCK_DGRAM);
        let opts = rmsg_recv_options::default();
        let mut w = Watch::new();
        let sent = w.give();
        send_fds(a, b"first message", &[sent]);
        fds::close(sent);
        let m = receive(b, Target::Owned(64), 64, 0, Some(&opts)).unwrap();
        assert_eq!(m.data(), b"first message");
        assert_eq!(m.items().list().len(), 1);
        assert!(!w.closed(), "the message holds the received copy");
        rmsg_message::release(m);
        assert!(w.closed(), "freeing closes the descriptor not taken");
        // SAFETY: a is a socket; the data is 2 bytes.
        assert_eq!(unsafe { libc::send(a, b"xy".as_ptr().cast(), 2, 0) }, 2);
        let m = receive(b, Target::Owned(64), 64, 0, Some(&opts)).unwrap();
        assert_eq!(m.data(), b"xy");
        assert!(m.items().list().is_empty());
        assert_eq!(m.items().rights_fd_count(), 0);
        rmsg_message::release(m);
        fds::close(a);
        fds::close(b);
    }

    #[test]
    fn the_spare_is_aimed_again_for_other_capacities() {
        let (a, b) = pair(libc::SOCK_DGRAM);
        // Each size and capacity in turn, then the first again: the
        // message kept between calls must be re-aimed each time.
        for (bufsize, ancbufsize) in [(64, 64), (4, 0), (64, 0), (2, 64), (64, 64)] {
            let mut w = Watch::new();
            let sent = w.give();
            send_fds(a, b"abcdef", &[sent]);
            fds::close(sent);
            let m = receive(b, Target::Owned(bufsize), ancbufsize, 0, None).unwrap();
            assert_eq!(m.data(), &b"abcdef"[..bufsize.min(6)]);
            assert_eq!(m.items().rights_fd_count(), usize::from(ancbufsize > 0));
            let truncated = m.flags() & libc::MSG_TRUNC != 0;
            assert_eq!(truncated, bufsize < 6, "{bufsize}");
            rmsg_message::release(m);
            assert!(w.closed(), "every received copy is closed");
        }
        fds::close(a);
        fds::close(b);
    }

    #[test]
    fn take_fds_hands_over_in_order() {
        let (a, b) = pair(libc::SOCK_STREAM);
        let opts = rmsg_recv_options::default();
        send_fds(a, b"z", &[a, b, a]);
        let mut m = receive(b, Target::Owned(8), 128, 0, Some(&opts)).unwrap();
        assert_eq!(m.items().rights_fd_count(), 3);
        let mut small = [0; 2];
        assert_eq!(
            m.take_fds(|i| i.take_rights(&mut small))
                .unwrap_err()
                .status,
            RMSG_ERR_BUFFER_TOO_SMALL
        );
        let mut out = [0; 3];
        assert_eq!(m.take_fds(|i| i.take_rights(&mut out)).unwrap(), 3);
        assert_eq!(m.items().rights_fd_count(), 0);
        rmsg_message::release(m);
        for fd in out {
            assert!(is_open(fd), "taken descriptors stay open");
            // SAFETY: F_GETFD only queries.
            let fd_flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
            assert_ne!(fd_flags & libc::FD_CLOEXEC, 0);
            fds::close(fd);
        }
        fds::close(a);
        fds::close(b);
    }

    #[test]
    fn bad_inputs_are_statuses() {
        let opts = rmsg_recv_options::default();
        let e = |r: Result<Box<rmsg_message>>| r.unwrap_err().status;
        assert_eq!(
            e(receive(-1, Target::Owned(1), 0, 0, Some(&opts))),
            RMSG_ERR_BAD_FD
        );
        let (a, b) = pair(libc::SOCK_DGRAM);
        assert_eq!(
            e(receive(b, Target::Owned(usize::MAX), 0, 0, Some(&opts))),
            RMSG_ERR_TOO_LARGE
        );
        assert_eq!(
            e(receive(b, Target::Owned(1), 1 << 33, 0, Some(&opts))),
            RMSG_ERR_TOO_LARGE
        );
        let bad = rmsg_recv_options { wait: 9, ..opts };
        assert_eq!(
            e(receive(b, Target::Owned(1), 0, 0, Some(&bad))),
            RMSG_ERR_INVALID_ARGUMENT
        );
        let bad = rmsg_recv_options {
            flags: 0x80,
            ..opts
        };
        assert_eq!(
            e(receive(b, Target::Owned(1), 0, 0, Some(&bad))),
            RMSG_ERR_INVALID_ARGUMENT
        );
        let nb = rmsg_recv_options {
            wait: crate::wait::RMSG_WAIT_NONBLOCK,
            ..opts
        };
        assert_eq!(
            e(receive(b, Target::Owned(1), 0, 0, Some(&nb))),
            RMSG_ERR_WOULD_BLOCK
        );
        fds::close(a);
        fds::close(b);
    }
}
