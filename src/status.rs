//! Numbered status codes and the per-thread OS error number that travels
//! with them.

use std::cell::Cell;
use std::ffi::c_char;
use std::io;

/// The result of every fallible rmsg function.
///
/// `RMSG_OK` (0) means success; every other value is an error. The values are
/// fixed forever: a new status gets a new number, an old number is never
/// reused. C receives these as a `uint32_t`; functions that take a status from
/// C (`rmsg_status_name`) take the integer and accept unknown values.
///
/// When a function returns a status other than `RMSG_OK` it also sets the
/// thread's `errno` to the matching OS error number (see `rmsg_last_errno`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum rmsg_status {
    /// Success.
    RMSG_OK = 0,
    /// The operating system reported an error not covered by a more specific
    /// status; `rmsg_last_errno()` (and `errno`) hold its number.
    RMSG_ERR_OS = 1,
    /// The socket had nothing to receive and the call was non-blocking
    /// (`EAGAIN`/`EWOULDBLOCK`).
    RMSG_ERR_WOULD_BLOCK = 2,
    /// The timeout given in the options passed before anything arrived.
    RMSG_ERR_TIMED_OUT = 3,
    /// A signal interrupted the call and the options asked for `EINTR` to be
    /// returned rather than retried.
    RMSG_ERR_INTERRUPTED = 4,
    /// A required pointer argument was NULL.
    RMSG_ERR_NULL_ARGUMENT = 5,
    /// An argument had a value the function does not accept (unknown flag
    /// bits, an out-of-range index, a negative file descriptor ...).
    RMSG_ERR_INVALID_ARGUMENT = 6,
    /// A size was larger than the kernel interface can carry (for example a
    /// control buffer larger than `socklen_t`, or `CMSG_SPACE` overflowing).
    RMSG_ERR_TOO_LARGE = 7,
    /// Memory for the message could not be allocated.
    RMSG_ERR_OUT_OF_MEMORY = 8,
    /// The file descriptor is not open (`EBADF`).
    RMSG_ERR_BAD_FD = 9,
    /// The file descriptor is not a socket (`ENOTSOCK`).
    RMSG_ERR_NOT_A_SOCKET = 10,
    /// The output array given was too small for the result; nothing was
    /// written and nothing changed hands.
    RMSG_ERR_BUFFER_TOO_SMALL = 11,
    /// The item is not of the kind the accessor decodes.
    RMSG_ERR_WRONG_KIND = 12,
    /// The item is of the right kind but its data is too short to decode (it
    /// was truncated, or is malformed).
    RMSG_ERR_SHORT_ITEM = 13,
    /// The address is not of the family the accessor decodes, or there is no
    /// address.
    RMSG_ERR_WRONG_FAMILY = 14,
    /// The `(level, type)` pair is not a kind of control message rmsg knows
    /// the size of (from `rmsg_control_space`).
    RMSG_ERR_UNKNOWN_KIND = 20,
    /// More file descriptors than one message can carry: Linux accepts at
    /// most `SCM_MAX_FD` (253) in one message, over all its `SCM_RIGHTS`
    /// items. Nothing was added.
    RMSG_ERR_TOO_MANY_FDS = 30,
    /// Text or parts that do not make a valid socket address (bad syntax, a
    /// port out of range, an unknown interface name, a name too long for
    /// `sun_path` ...).
    RMSG_ERR_INVALID_ADDRESS = 31,
    /// The peer of a stream socket has gone (`EPIPE`). rmsg's send calls add
    /// `MSG_NOSIGNAL`, so this status arrives instead of a `SIGPIPE`.
    RMSG_ERR_BROKEN_PIPE = 32,
    /// A panic inside rmsg was caught at the C boundary. This is a bug in
    /// rmsg; the operation did not complete and no output was written.
    RMSG_ERR_PANIC = 255,
}

use rmsg_status::*;

impl rmsg_status {
    /// Every status, in numeric order.
    pub(crate) const ALL: [rmsg_status; 20] = [
        RMSG_OK,
        RMSG_ERR_OS,
        RMSG_ERR_WOULD_BLOCK,
        RMSG_ERR_TIMED_OUT,
        RMSG_ERR_INTERRUPTED,
        RMSG_ERR_NULL_ARGUMENT,
        RMSG_ERR_INVALID_ARGUMENT,
        RMSG_ERR_TOO_LARGE,
        RMSG_ERR_OUT_OF_MEMORY,
        RMSG_ERR_BAD_FD,
        RMSG_ERR_NOT_A_SOCKET,
        RMSG_ERR_BUFFER_TOO_SMALL,
        RMSG_ERR_WRONG_KIND,
        RMSG_ERR_SHORT_ITEM,
        RMSG_ERR_WRONG_FAMILY,
        RMSG_ERR_UNKNOWN_KIND,
        RMSG_ERR_TOO_MANY_FDS,
        RMSG_ERR_INVALID_ADDRESS,
        RMSG_ERR_BROKEN_PIPE,
        RMSG_ERR_PANIC,
    ];

    /// The status with this number, if there is one.
    pub fn from_u32(value: u32) -> Option<rmsg_status> {
        Self::ALL.iter().copied().find(|s| *s as u32 == value)
    }

    /// The symbolic name, as spelled in the header.
    pub fn name(self) -> &'static str {
        self.strings().0
    }

    /// A short description for people.
    pub fn description(self) -> &'static str {
        self.strings().1
    }

    /// Both strings, NUL-terminated so that C can use them directly.
    fn c_strings(self) -> (&'static str, &'static str) {
        match self {
            RMSG_OK => ("RMSG_OK\0", "success\0"),
            RMSG_ERR_OS => ("RMSG_ERR_OS\0", "operating system error (see errno)\0"),
            RMSG_ERR_WOULD_BLOCK => ("RMSG_ERR_WOULD_BLOCK\0", "operation would block\0"),
            RMSG_ERR_TIMED_OUT => ("RMSG_ERR_TIMED_OUT\0", "timed out\0"),
            RMSG_ERR_INTERRUPTED => ("RMSG_ERR_INTERRUPTED\0", "interrupted by a signal\0"),
            RMSG_ERR_NULL_ARGUMENT => (
                "RMSG_ERR_NULL_ARGUMENT\0",
                "a required pointer argument was NULL\0",
            ),
            RMSG_ERR_INVALID_ARGUMENT => ("RMSG_ERR_INVALID_ARGUMENT\0", "invalid argument\0"),
            RMSG_ERR_TOO_LARGE => (
                "RMSG_ERR_TOO_LARGE\0",
                "size too large for the kernel interface\0",
            ),
            RMSG_ERR_OUT_OF_MEMORY => ("RMSG_ERR_OUT_OF_MEMORY\0", "out of memory\0"),
            RMSG_ERR_BAD_FD => ("RMSG_ERR_BAD_FD\0", "bad file descriptor\0"),
            RMSG_ERR_NOT_A_SOCKET => (
                "RMSG_ERR_NOT_A_SOCKET\0",
                "file descriptor is not a socket\0",
            ),
            RMSG_ERR_BUFFER_TOO_SMALL => {
                ("RMSG_ERR_BUFFER_TOO_SMALL\0", "output buffer too small\0")
            }
            RMSG_ERR_WRONG_KIND => (
                "RMSG_ERR_WRONG_KIND\0",
                "control message is not of the requested kind\0",
            ),
            RMSG_ERR_SHORT_ITEM => (
                "RMSG_ERR_SHORT_ITEM\0",
                "control message data too short to decode\0",
            ),
            RMSG_ERR_WRONG_FAMILY => (
                "RMSG_ERR_WRONG_FAMILY\0",
                "address is not of the requested family\0",
            ),
            RMSG_ERR_UNKNOWN_KIND => (
                "RMSG_ERR_UNKNOWN_KIND\0",
                "control message kind unknown to rmsg\0",
            ),
            RMSG_ERR_TOO_MANY_FDS => (
                "RMSG_ERR_TOO_MANY_FDS\0",
                "too many file descriptors for one message (at most 253)\0",
            ),
            RMSG_ERR_INVALID_ADDRESS => ("RMSG_ERR_INVALID_ADDRESS\0", "invalid socket address\0"),
            RMSG_ERR_BROKEN_PIPE => (
                "RMSG_ERR_BROKEN_PIPE\0",
                "broken pipe: the peer closed the connection\0",
            ),
            RMSG_ERR_PANIC => (
                "RMSG_ERR_PANIC\0",
                "internal error: a panic was caught (a bug in rmsg)\0",
            ),
        }
    }

    fn strings(self) -> (&'static str, &'static str) {
        let (n, d) = self.c_strings();
        (&n[..n.len() - 1], &d[..d.len() - 1])
    }

    /// Pointer to the NUL-terminated symbolic name.
    pub fn name_ptr(self) -> *const c_char {
        self.c_strings().0.as_ptr().cast()
    }

    /// Pointer to the NUL-terminated description.
    pub fn description_ptr(self) -> *const c_char {
        self.c_strings().1.as_ptr().cast()
    }

    /// The errno value that accompanies a status that did not come from the
    /// OS (for the ones that did, the OS value is kept instead).
    fn implied_errno(self) -> i32 {
        match self {
            RMSG_OK => 0,
            RMSG_ERR_OS => libc::EIO,
            RMSG_ERR_WOULD_BLOCK => libc::EAGAIN,
            RMSG_ERR_TIMED_OUT => libc::ETIMEDOUT,
            RMSG_ERR_INTERRUPTED => libc::EINTR,
            RMSG_ERR_NULL_ARGUMENT | RMSG_ERR_INVALID_ARGUMENT => libc::EINVAL,
            RMSG_ERR_TOO_LARGE => libc::EOVERFLOW,
            RMSG_ERR_OUT_OF_MEMORY => libc::ENOMEM,
            RMSG_ERR_BAD_FD => libc::EBADF,
            RMSG_ERR_NOT_A_SOCKET => libc::ENOTSOCK,
            RMSG_ERR_BUFFER_TOO_SMALL => libc::ENOBUFS,
            RMSG_ERR_WRONG_KIND | RMSG_ERR_SHORT_ITEM | RMSG_ERR_WRONG_FAMILY => libc::EINVAL,
            RMSG_ERR_UNKNOWN_KIND => libc::EINVAL,
            RMSG_ERR_TOO_MANY_FDS | RMSG_ERR_INVALID_ADDRESS => libc::EINVAL,
            RMSG_ERR_BROKEN_PIPE => libc::EPIPE,
            RMSG_ERR_PANIC => libc::EIO,
        }
    }
}

/// An error inside the Rust core: a status plus the OS error number behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error {
    pub status: rmsg_status,
    pub errno: i32,
}

impl Error {
    /// An error that did not come from the OS.
    pub fn new(status: rmsg_status) -> Error {
        Error {
            status,
            errno: status.implied_errno(),
        }
    }

    /// Classifies an OS error number.
    pub fn from_errno(errno: i32) -> Error {
        let status = match errno {
            libc::EAGAIN => RMSG_ERR_WOULD_BLOCK,
            libc::EINTR => RMSG_ERR_INTERRUPTED,
            libc::EBADF => RMSG_ERR_BAD_FD,
            libc::ENOTSOCK => RMSG_ERR_NOT_A_SOCKET,
            // ENOBUFS (a full queue or device, often temporary) stays RMSG_ERR_OS.
            libc::ENOMEM => RMSG_ERR_OUT_OF_MEMORY,
            libc::EINVAL => RMSG_ERR_INVALID_ARGUMENT,
            libc::EPIPE => RMSG_ERR_BROKEN_PIPE,
            _ => RMSG_ERR_OS,
        };
        Error { status, errno }
    }

    /// The calling thread's current `errno`.
    pub fn last_os_error() -> Error {
        Error::from_errno(
            io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO),
        )
    }
}

impl From<rmsg_status> for Error {
    fn from(status: rmsg_status) -> Error {
        Error::new(status)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}, errno {})",
            self.status.description(),
            self.status.name(),
            self.errno
        )
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

thread_local! {
    static LAST_ERRNO: Cell<i32> = const { Cell::new(0) };
}

/// Records the OS error number of a failed call for `rmsg_last_errno` and
/// stores it in `errno`, then gives back the status. Out of line: every
/// exported function has this path, and none takes it when it succeeds.
#[cold]
#[inline(never)]
pub fn record(err: Error) -> rmsg_status {
    LAST_ERRNO.with(|c| c.set(err.errno));
    set_errno(err.errno);
    err.status
}

/// The OS error number recorded by the last failing rmsg call on this thread.
pub fn last_errno() -> i32 {
    LAST_ERRNO.with(|c| c.get())
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn set_errno(value: i32) {
    // SAFETY: __errno_location returns a valid pointer to this thread's errno.
    unsafe { *libc::__errno_location() = value };
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn set_errno(_value: i32) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_and_names_match() {
        for s in rmsg_status::ALL {
            assert_eq!(rmsg_status::from_u32(s as u32), Some(s));
            assert!(s.name().starts_with("RMSG_"));
            assert!(!s.description().is_empty());
        }
        assert_eq!(rmsg_status::from_u32(9999), None);
    }

    #[test]
    fn errno_classification() {
        assert_eq!(Error::from_errno(libc::EAGAIN).status, RMSG_ERR_WOULD_BLOCK);
        assert_eq!(
            Error::from_errno(libc::ENOTSOCK).status,
            RMSG_ERR_NOT_A_SOCKET
        );
        assert_eq!(Error::from_errno(libc::ECONNRESET).status, RMSG_ERR_OS);
        assert_eq!(Error::from_errno(libc::ECONNRESET).errno, libc::ECONNRESET);
    }
}
