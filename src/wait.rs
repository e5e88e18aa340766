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
/// signals and spurious wake-ups; then `RMSG_ERR_TIMED_OUT`.
pub const RMSG_WAIT_DEADLINE: u32 = 2;

/// How one call waits.
#[derive(Debug, Clone, Copy)]
pub enum Wait {
    Block,
    NonBlock,
    Deadline(Instant),
}

impl Wait {
    /// Reads the `wait` and `timeout_ns` fields of an options struct. The
    /// deadline starts now; one too far away to represent means no deadline.
    pub fn from_options(wait: u32, timeout_ns: u64) -> Result<Wait> {
        Ok(match wait {
            RMSG_WAIT_BLOCK => Wait::Block,
            RMSG_WAIT_NONBLOCK => Wait::NonBlock,
            RMSG_WAIT_DEADLINE => {
                match Instant::now().checked_add(Duration::from_nanos(timeout_ns)) {
                    Some(t) => Wait::Deadline(t),
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

    /// The deadline, if any.
    pub fn deadline(&self) -> Option<Instant> {
        match self {
            Wait::Deadline(t) => Some(*t),
            _ => None,
        }
    }
}

/// Waits until `fd` reports one of `events` (or an error or hang-up), or
/// the deadline passes (`RMSG_ERR_TIMED_OUT`). A signal is retried unless
/// `return_eintr`.
pub fn until_ready(
    fd: c_int,
    events: c_short,
    deadline: Instant,
    return_eintr: bool,
) -> Result<()> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::new(RMSG_ERR_TIMED_OUT));
        }
        let ts = libc::timespec {
            tv_sec: left.as_secs().min(libc::time_t::MAX as u64) as libc::time_t,
            tv_nsec: left.subsec_nanos() as _,
        };
        let mut pfd = libc::pollfd {
            fd,
            events,
            revents: 0,
        };
        // SAFETY: one valid pollfd, a valid timespec, no signal mask.
        let r = unsafe { libc::ppoll(&mut pfd, 1, &ts, std::ptr::null()) };
        if r > 0 {
            if pfd.revents & libc::POLLNVAL != 0 {
                return Err(Error::from_errno(libc::EBADF));
            }
            return Ok(());
        }
        if r < 0 {
            let e = Error::last_os_error();
            if e.errno != libc::EINTR || return_eintr {
                return Err(e);
            }
        }
    }
}
