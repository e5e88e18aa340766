//! Statuses as text, and the OS error number of the last failure.

use std::ffi::{c_char, c_int};

use crate::status::{self, rmsg_status};

/// The symbolic name of a status (`"RMSG_ERR_TIMED_OUT"`), or
/// `"RMSG_UNKNOWN_STATUS"` for a number rmsg does not define. The string is
/// static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn rmsg_status_name(status: u32) -> *const c_char {
    match rmsg_status::from_u32(status) {
        Some(s) => s.name_ptr(),
        None => c"RMSG_UNKNOWN_STATUS".as_ptr(),
    }
}

/// A short description of a status for people (`"timed out"`), or
/// `"unknown status"`. The string is static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn rmsg_status_describe(status: u32) -> *const c_char {
    match rmsg_status::from_u32(status) {
        Some(s) => s.description_ptr(),
        None => c"unknown status".as_ptr(),
    }
}

/// The OS error number that went with the last failing rmsg call on this
/// thread (a failing call also stores it in `errno`, but later calls may
/// change `errno`). For `RMSG_ERR_OS` it is the kernel's number; for other
/// statuses the closest errno (`EAGAIN`, `ETIMEDOUT`, `EINVAL` ...).
/// Successful calls leave it as it was.
///
/// This number is the only state rmsg keeps per thread, and rmsg keeps no
/// state shared between threads that a caller can observe: every function
/// may be called from any thread, and calls on different handles may run
/// at the same time (each handle type says which calls on one handle may).
#[unsafe(no_mangle)]
pub extern "C" fn rmsg_last_errno() -> c_int {
    status::last_errno()
}
