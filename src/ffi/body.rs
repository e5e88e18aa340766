//! The bodies every C function is written with: a getter, a function that
//! reads a handle into outputs, a constructor, and a constructor from a
//! caller's buffer. Each checks the pointers it is given, runs the core
//! inside the one panic boundary and writes outputs only on success.

use crate::panic::{guard, guard_or};
use crate::parse;
use crate::ptr::{check_out, into_raw, try_ref, try_slice, write_out};
use crate::status::{Error, Result, rmsg_status};

/// The body of a getter: `f` applied to the handle, or `fallback` when the
/// handle is NULL (or should `f` panic).
///
/// # Safety
/// `handle` is NULL or a live handle not mutably borrowed elsewhere.
pub(super) unsafe fn get<T, R: Copy>(handle: *const T, fallback: R, f: impl FnOnce(&T) -> R) -> R {
    guard_or(fallback, || {
        // SAFETY: handle is NULL or live, per this function's contract.
        match unsafe { try_ref(handle) } {
            Ok(h) => f(h),
            Err(_) => fallback,
        }
    })
}

/// Where a function that reads a handle puts its result: one `*mut V`, or
/// a pointer and a length `(*mut *const u8, *mut usize)` for bytes that
/// borrow from the handle. The one place that writes a pointer-plus-length
/// result.
pub(super) trait Outputs<V> {
    /// `RMSG_ERR_NULL_ARGUMENT` unless every output pointer is non-NULL.
    fn check(&self) -> Result<()>;

    /// Writes the result.
    ///
    /// # Safety
    /// [`Outputs::check`] passed, and each pointer is writable.
    unsafe fn write(self, value: V);
}

impl<V> Outputs<V> for *mut V {
    fn check(&self) -> Result<()> {
        check_out(*self)
    }

    unsafe fn write(self, value: V) {
        // SAFETY: per the trait's contract.
        unsafe { write_out(self, value) }
    }
}

impl<'a> Outputs<&'a [u8]> for (*mut *const u8, *mut usize) {
    fn check(&self) -> Result<()> {
        check_out(self.0)?;
        check_out(self.1)
    }

    unsafe fn write(self, value: &'a [u8]) {
        // SAFETY: per the trait's contract.
        unsafe {
            write_out(self.0, value.as_ptr());
            write_out(self.1, value.len());
        }
    }
}

/// The body of a function that reads a handle and writes a result: NULL
/// pointers are `RMSG_ERR_NULL_ARGUMENT`, and `out` is written only when
/// `f` succeeds.
///
/// # Safety
/// `handle` is NULL or a live handle that outlives `'a` as the C contract
/// says (borrowed bytes stay valid as long as the handle); `out` is NULL or
/// writable.
pub(super) unsafe fn read_into<'a, T: 'a, V>(
    handle: *const T,
    out: impl Outputs<V>,
    f: impl FnOnce(&'a T) -> Result<V>,
) -> rmsg_status {
    // SAFETY: handle is NULL or live, per this function's contract.
    let read = || f(unsafe { try_ref(handle) }?);
    // SAFETY: out is NULL or writable.
    unsafe { produce(out, read) }
}

/// The body of a function that computes a result from its plain
/// arguments: `out` checked first (`RMSG_ERR_NULL_ARGUMENT`), written only
/// when `f` succeeds.
///
/// # Safety
/// `out` is NULL or writable.
pub(super) unsafe fn produce<V>(
    out: impl Outputs<V>,
    f: impl FnOnce() -> Result<V>,
) -> rmsg_status {
    guard(|| {
        out.check()?;
        let v = f()?;
        // SAFETY: checked; writable per this function's contract.
        unsafe { out.write(v) };
        Ok(())
    })
}

/// The body of a function that makes a handle: `handle_out` is checked
/// non-NULL first, and on `RMSG_OK` the caller of the C function owns
/// `*handle_out`; on any other status it is not written.
///
/// # Safety
/// `handle_out` is NULL or writable.
pub(super) unsafe fn make<T>(
    handle_out: *mut *mut T,
    f: impl FnOnce() -> Result<Box<T>>,
) -> rmsg_status {
    guard(|| {
        check_out(handle_out)?;
        let h = f()?;
        // SAFETY: checked non-NULL; writable per this function's contract.
        unsafe { write_out(handle_out, into_raw(h)) };
        Ok(())
    })
}

/// The body of a function that decodes a caller's buffer into a new handle:
/// `flags` checked (`RMSG_PARSE_OWN_FDS` or 0), `buf_len` checked against
/// `max_len` (`RMSG_ERR_TOO_LARGE`, before `buf` is looked at), `(buf,
/// buf_len)` borrowed, and `f` given the bytes and whether the result owns
/// their descriptors.
///
/// # Safety
/// `buf` is readable for `buf_len` bytes; `handle_out` is NULL or writable.
pub(super) unsafe fn make_parsed<T>(
    buf: *const u8,
    buf_len: usize,
    max_len: usize,
    flags: u32,
    handle_out: *mut *mut T,
    f: impl FnOnce(&[u8], bool) -> Result<Box<T>>,
) -> rmsg_status {
    let parsed = || {
        let own = parse::parse_flags(flags)?;
        if buf_len > max_len {
            return Err(Error::new(rmsg_status::RMSG_ERR_TOO_LARGE));
        }
        // SAFETY: buf is readable for buf_len bytes, per this function's
        // contract.
        f(unsafe { try_slice(buf, buf_len) }?, own)
    };
    // SAFETY: handle_out is NULL or writable.
    unsafe { make(handle_out, parsed) }
}
