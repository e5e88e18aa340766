//! The waiting policy shared by the receive and send calls: block, never
//! block, or wait until a deadline that bounds the whole call across
//! retries after signals and spurious wake-ups.

use std::ffi::{c_int, c_short};
use std::time::{Duration, Instant};

use crate::status::{Error, Result, rmsg_status::*};

/// Block until the socket is ready (the socket's own blocking mode still
/// applies: on an `O_NONBLOCK` socket the call fails with
/// `RMSG_ERR_WOULD_BLOCK`).
pub const RMSG_WAIT_BLOCK: u32 = 0;
/// Never block: `MSG_DONTWAIT` is added; a socket that is not ready gives
/// `RMSG_ERR_WOULD_BLOCK`.
pub const RMSG_WAIT_NONBLOCK: u32 = 1;
/// Wait at most `timeout_ns` nanoseconds in all, across retries after
/// signals and spurious wake-ups; then `RMSG_ERR_TIMED_OUT`. Every try is
/// non-blocking, so `MSG_DONTWAIT` in the flags changes nothing here: the
/// call still waits for the deadline, as a Python socket with a timeout does.
pub const RMSG_WAIT_DEADLINE: u32 = 2;

/// The waiting part of a call's options, checked: how to wait and what to
/// do about signals. Shared by the receive and send calls, whose option
/// structs have the same `wait`, `flags` and `timeout_ns` fields.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub wait: Wait,
    /// Return `EINTR` as `RMSG_ERR_INTERRUPTED` instead of retrying.
    pub return_eintr: bool,
}

impl Policy {
    /// Reads an options struct's fields: flag bits outside `known` are
    /// `RMSG_ERR_INVALID_ARGUMENT`; `eintr_bit` is the flag that asks for
    /// `EINTR` to be returned.
    pub fn from_options(
        wait: u32,
        flags: u32,
        timeout_ns: u64,
        known: u32,
        eintr_bit: u32,
    ) -> Result<Policy> {
        if flags & !known != 0 {
            return Err(Error::new(RMSG_ERR_INVALID_ARGUMENT));
        }
        Ok(Policy {
            wait: Wait::from_options(wait, timeout_ns)?,
            return_eintr: flags & eintr_bit != 0,
        })
    }

    /// `MSG_DONTWAIT` when each try is non-blocking, else 0.
    pub fn dontwait_flag(&self) -> c_int {
        if self.wait.dontwait() {
            libc::MSG_DONTWAIT
        } else {
            0
        }
    }
}

/// How one call waits. A deadline is kept as its timeout, so that a plan
/// made once can serve many calls; each call's deadline starts when the
/// call does.
#[derive(Debug, Clone, Copy)]
pub enum Wait {
    Block,
    NonBlock,
    Deadline(Duration),
}

impl Wait {
    /// Reads the `wait` and `timeout_ns` fields of an options struct.
    pub fn from_options(wait: u32, timeout_ns: u64) -> Result<Wait> {
        Ok(match wait {
            RMSG_WAIT_BLOCK => Wait::Block,
            RMSG_WAIT_NONBLOCK => Wait::NonBlock,
            RMSG_WAIT_DEADLINE => {
                let d = Duration::from_nanos(timeout_ns);
                // A deadline too far away to represent is no deadline.
                match Instant::now().checked_add(d) {
                    Some(_) => Wait::Deadline(d),
                    None => Wait::Block,
                }
            }
            _ => return Err(Error::new(RMSG_ERR_INVALID_ARGUMENT)),
        })
    }

    /// Each try is non-blocking (`MSG_DONTWAIT`).
    pub fn dontwait(&self) -> bool {
        matches!(self, Wait::NonBlock | Wait::Deadline(_))
    }

    /// The deadline of a call starting now, if any.
    pub fn deadline(&self) -> Option<Instant> {
        match self {
            Wait::Deadline(d) => Instant::now().checked_add(*d),
            _ => None,
        }
    }
}

/// Runs `attempt` (one `recvmsg`/`sendmsg` try, returning the syscall's
/// result) until it succeeds or fails for good: a signal (`EINTR`) is
/// retried unless the policy returns it; an empty or full socket (`EAGAIN`)
/// is waited out until the deadline when there is one, else returned.
#[inline(always)]
pub fn retry(
    fd: c_int,
    events: c_short,
    policy: &Policy,
    attempt: impl FnMut() -> isize,
) -> Result<usize> {
    retry_until(fd, events, policy, policy.wait.deadline(), attempt)
}

/// [`retry`] with the deadline given (for a call made of several
/// syscalls, all bound by one deadline); `None` waits as the policy says
/// without one.
#[inline(always)]
pub fn retry_until(
    fd: c_int,
    events: c_short,
    policy: &Policy,
    deadline: Option<Instant>,
    mut attempt: impl FnMut() -> isize,
) -> Result<usize> {
    // The first try is the common case and needs nothing else: with a
    // deadline it is non-blocking, and only when it finds the socket not
    // ready does the call wait (so a zero timeout still tries once).
    let r = attempt();
    if r >= 0 {
        return Ok(r as usize);
    }
    retry_after_failure(fd, events, policy, deadline, &mut attempt)
}

/// The tries after a first one failed (`errno` still tells why): see
/// [`retry`]. For hot paths that make their first try themselves, so that
/// nothing is set up for retrying unless it is needed; `deadline` is the
/// call's, taken before that first try.
#[cold]
#[inline(never)]
pub fn retry_after_failure(
    fd: c_int,
    events: c_short,
    policy: &Policy,
    deadline: Option<Instant>,
    attempt: &mut dyn FnMut() -> isize,
) -> Result<usize> {
    let mut waiter = deadline.map(|d| Waiter::new(fd, events, d, policy.return_eintr));
    loop {
        let e = Error::last_os_error();
        match e.errno {
            libc::EINTR if !policy.return_eintr => {}
            libc::EAGAIN => match waiter.as_mut() {
                Some(w) => w.wait()?,
                None => return Err(e),
            },
            _ => return Err(e),
        }
        let r = attempt();
        if r >= 0 {
            return Ok(r as usize);
        }
    }
}

/// Waits, repeatedly, until a socket is ready or a deadline passes.
///
/// `POLLERR` cannot be masked in `poll`: a socket with a non-empty error
/// queue (`IP_RECVERR`) reports it at once, every time, even to a caller that
/// wants normal data. When a wake-up carried only such a condition and the
/// try that followed found nothing, the waiter switches to an edge-triggered
/// epoll set for the rest of the call, so it sleeps until something new
/// happens instead of spinning.
pub struct Waiter {
    fd: c_int,
    events: c_short,
    deadline: Instant,
    return_eintr: bool,
    /// The last wake-up reported none of `events` (nor a hang-up).
    only_error: bool,
    /// The edge-triggered epoll descriptor, once needed (closed on drop).
    epoll: Option<c_int>,
}

impl Waiter {
    pub fn new(fd: c_int, events: c_short, deadline: Instant, return_eintr: bool) -> Waiter {
        Waiter {
            fd,
            events,
            deadline,
            return_eintr,
            only_error: false,
            epoll: None,
        }
    }

    /// Waits for the next chance to try: returns `Ok` when the socket may be
    /// ready, `RMSG_ERR_TIMED_OUT` at the deadline. Call it after a try that
    /// found nothing (`EAGAIN`).
    pub fn wait(&mut self) -> Result<()> {
        if self.only_error && self.epoll.is_none() {
            match self.start_edge() {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                // No epoll descriptor to be had: keep polling.
                Err(_) => self.only_error = false,
            }
        }
        match self.epoll {
            Some(ep) => self.wait_edge(ep),
            None => self.wait_level(),
        }
    }

    fn left(&self) -> Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(Error::new(RMSG_ERR_TIMED_OUT))
        } else {
            Ok(left)
        }
    }

    /// Keeps retrying after a signal unless the caller asked for `EINTR`.
    fn retry_or(&self, e: Error) -> Result<()> {
        if e.errno == libc::EINTR && !self.return_eintr {
            Ok(())
        } else {
            Err(e)
        }
    }

    fn wait_level(&mut self) -> Result<()> {
        loop {
            let left = self.left()?;
            let ts = libc::timespec {
                tv_sec: left.as_secs().min(libc::time_t::MAX as u64) as libc::time_t,
                tv_nsec: left.subsec_nanos() as _,
            };
            let mut pfd = libc::pollfd {
                fd: self.fd,
                events: self.events,
                revents: 0,
            };
            // SAFETY: one valid pollfd, a valid timespec, no signal mask.
            let r = unsafe { libc::ppoll(&mut pfd, 1, &ts, std::ptr::null()) };
            if r > 0 {
                if pfd.revents & libc::POLLNVAL != 0 {
                    return Err(Error::from_errno(libc::EBADF));
                }
                self.only_error = pfd.revents & (self.events | libc::POLLHUP) == 0;
                return Ok(());
            }
            if r < 0 {
                self.retry_or(Error::last_os_error())?;
            }
        }
    }

    /// Sets up the edge-triggered set. Returns `Ok(true)` when the socket is
    /// already ready for `events` (that readiness is consumed by the set-up,
    /// so the caller must try now).
    fn start_edge(&mut self) -> Result<bool> {
        // SAFETY: plain syscall; the result is checked.
        let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if ep < 0 {
            return Err(Error::last_os_error());
        }
        self.epoll = Some(ep);
        let mut ev = libc::epoll_event {
            events: (self.events as u16 as u32) | libc::EPOLLET as u32,
            u64: 0,
        };
        // SAFETY: ep and fd are descriptors; ev is a valid event.
        if unsafe { libc::epoll_ctl(ep, libc::EPOLL_CTL_ADD, self.fd, &mut ev) } < 0 {
            return Err(Error::last_os_error());
        }
        // Adding reports the current state once (the error we already know
        // about, and data if some arrived meanwhile): take that report now.
        // SAFETY: one valid event slot.
        let r = unsafe { libc::epoll_wait(ep, &mut ev, 1, 0) };
        Ok(r > 0 && ev.events & (self.events as u16 as u32 | libc::EPOLLHUP as u32) != 0)
    }

    fn wait_edge(&mut self, ep: c_int) -> Result<()> {
        loop {
            let left = self.left()?;
            // Round up so the wait never ends before the deadline.
            let ms = left.as_nanos().div_ceil(1_000_000).min(c_int::MAX as u128) as c_int;
            let mut ev = libc::epoll_event { events: 0, u64: 0 };
            // SAFETY: one valid event slot.
            let r = unsafe { libc::epoll_wait(ep, &mut ev, 1, ms) };
            if r > 0 {
                return Ok(());
            }
            if r < 0 {
                self.retry_or(Error::last_os_error())?;
            }
        }
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        if let Some(ep) = self.epoll {
            crate::fds::close(ep);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;
    use std::os::fd::AsRawFd;

    /// A UDP socket with `IP_RECVERR` whose error queue holds an ICMP port
    /// unreachable, so `poll` reports `POLLERR` at once, every time.
    fn socket_with_error_queue() -> UdpSocket {
        let closed = UdpSocket::bind("127.0.0.1:0").unwrap();
        let dead = closed.local_addr().unwrap();
        drop(closed);
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        let on: c_int = 1;
        // SAFETY: a valid int option on a valid socket.
        let r = unsafe {
            libc::setsockopt(
                s.as_raw_fd(),
                libc::IPPROTO_IP,
                libc::IP_RECVERR,
                (&on as *const c_int).cast(),
                std::mem::size_of::<c_int>() as libc::socklen_t,
            )
        };
        assert_eq!(r, 0);
        s.send_to(b"x", dead).unwrap();
        let mut pfd = libc::pollfd {
            fd: s.as_raw_fd(),
            events: 0,
            revents: 0,
        };
        // SAFETY: one valid pollfd. Waits (up to 5 s) for the ICMP error.
        unsafe { libc::poll(&mut pfd, 1, 5000) };
        assert_ne!(pfd.revents & libc::POLLERR, 0, "the ICMP error was queued");
        s
    }

    #[test]
    fn a_standing_error_does_not_make_the_wait_spin() {
        let s = socket_with_error_queue();
        let deadline = Instant::now() + Duration::from_millis(200);
        let mut w = Waiter::new(s.as_raw_fd(), libc::POLLIN, deadline, false);
        let mut wakeups = 0;
        let end = loop {
            match w.wait() {
                Ok(()) => wakeups += 1,
                Err(e) => break e,
            }
            assert!(wakeups < 10, "the waiter keeps waking for the same error");
        };
        assert_eq!(end.status, RMSG_ERR_TIMED_OUT);
        assert_eq!(wakeups, 1, "one wake-up for the error, then a real wait");
    }

    #[test]
    fn the_edge_wait_still_sees_new_data() {
        let s = socket_with_error_queue();
        let me = s.local_addr().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut w = Waiter::new(s.as_raw_fd(), libc::POLLIN, deadline, false);
        w.wait().unwrap(); // the standing error
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            UdpSocket::bind("127.0.0.1:0")
                .unwrap()
                .send_to(b"data", me)
                .unwrap();
        });
        w.wait().unwrap(); // switches to the edge-triggered set, woken by the data
        sender.join().unwrap();
        let mut buf = [0u8; 8];
        s.set_nonblocking(true).unwrap();
        // The socket's pending error (the ICMP one) is reported first.
        let got = match s.recv(&mut buf) {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => s.recv(&mut buf),
            other => other,
        };
        assert_eq!(got.unwrap(), 4);
    }
}
