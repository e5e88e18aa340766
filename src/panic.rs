//! The one panic boundary. Every exported function runs its body through
//! one of these, so that a panic becomes a status (or a neutral value for
//! functions that cannot fail) instead of unwinding into C.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::status::{self, Result, rmsg_status};

/// Runs a fallible body. `Ok(())` becomes `RMSG_OK`; an error is recorded
/// (errno and `rmsg_last_errno`) and its status returned; a panic becomes
/// `RMSG_ERR_PANIC`.
pub fn guard<F>(body: F) -> rmsg_status
where
    F: FnOnce() -> Result<()>,
{
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => rmsg_status::RMSG_OK,
        Ok(Err(e)) => status::record(e),
        Err(_) => status::record(status::Error::new(rmsg_status::RMSG_ERR_PANIC)),
    }
}

/// Runs an infallible body (a getter, a destructor), returning `fallback`
/// should it panic.
pub fn guard_or<T, F>(fallback: T, body: F) -> T
where
    F: FnOnce() -> T,
{
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_becomes_status() {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let s = guard(|| panic!("boom"));
        let v = guard_or(7, || -> i32 { panic!("boom") });
        std::panic::set_hook(prev);
        assert_eq!(s, rmsg_status::RMSG_ERR_PANIC);
        assert_eq!(v, 7);
        assert_eq!(guard(|| Ok(())), rmsg_status::RMSG_OK);
    }
}
