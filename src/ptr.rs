//! Every conversion between raw pointers from C and Rust values happens
//! here, so the `unsafe` reasoning about them is in one place.
//!
//! The contract with C is the one the header states: a handle pointer is
//! either NULL or a live pointer rmsg returned and that has not been freed; a
//! `(pointer, length)` pair describes memory the caller may read (or write,
//! for outputs) for that many bytes.

use crate::status::{Error, Result, rmsg_status};

/// Moves a value to the heap and hands C the pointer. C now owns it and must
/// give it back to [`free_box`] exactly once.
pub fn into_raw<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Takes back ownership of a pointer made by [`into_raw`] and drops it.
/// NULL is accepted and ignored.
///
/// # Safety
/// `ptr` is NULL or came from `into_raw::<T>` and has not been freed.
pub unsafe fn free_box<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: per the contract above, ptr owns a live Box<T>.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// Borrows a handle, or fails with `RMSG_ERR_NULL_ARGUMENT`.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` not mutably borrowed elsewhere for `'a`.
pub unsafe fn try_ref<'a, T>(ptr: *const T) -> Result<&'a T> {
    // SAFETY: non-NULL pointers are live per the contract above.
    unsafe { ptr.as_ref() }.ok_or(Error::new(rmsg_status::RMSG_ERR_NULL_ARGUMENT))
}

/// Mutably borrows a handle, or fails with `RMSG_ERR_NULL_ARGUMENT`.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` not borrowed elsewhere for `'a`.
pub unsafe fn try_mut<'a, T>(ptr: *mut T) -> Result<&'a mut T> {
    // SAFETY: non-NULL pointers are live and unaliased per the contract above.
    unsafe { ptr.as_mut() }.ok_or(Error::new(rmsg_status::RMSG_ERR_NULL_ARGUMENT))
}

/// Checks that an output pointer is not NULL.
pub fn check_out<T>(ptr: *mut T) -> Result<()> {
    if ptr.is_null() {
        Err(Error::new(rmsg_status::RMSG_ERR_NULL_ARGUMENT))
    } else {
        Ok(())
    }
}

/// Writes a value through an output pointer already checked with [`check_out`].
///
/// # Safety
/// `ptr` is non-NULL, aligned and writable for one `T`.
pub unsafe fn write_out<T>(ptr: *mut T, value: T) {
    // SAFETY: per the contract above.
    unsafe { ptr.write(value) };
}

/// Writes through an optional output pointer: NULL means "not wanted".
///
/// # Safety
/// `ptr` is NULL or aligned and writable for one `T`.
pub unsafe fn write_opt<T>(ptr: *mut T, value: T) {
    if !ptr.is_null() {
        // SAFETY: per the contract above.
        unsafe { ptr.write(value) };
    }
}

/// Refuses an element count whose span passes `isize::MAX` bytes with
/// `RMSG_ERR_TOO_LARGE`. No real buffer is that large, but such counts do
/// reach us (a negative size from a binding becomes `SIZE_MAX`), and making a
/// slice of them is undefined behaviour (debug builds abort in
/// `from_raw_parts`): a value that cannot be honoured gets a status instead.
fn check_span<T>(len: usize) -> Result<()> {
    match len.checked_mul(std::mem::size_of::<T>()) {
        Some(bytes) if bytes <= isize::MAX as usize => Ok(()),
        _ => Err(Error::new(rmsg_status::RMSG_ERR_TOO_LARGE)),
    }
}

/// Borrows `(ptr, len)` as a byte slice. A NULL pointer is accepted only with
/// a zero length.
///
/// # Safety
/// `ptr` is readable for `len` bytes for `'a` when `len > 0`.
pub unsafe fn try_slice<'a, T>(ptr: *const T, len: usize) -> Result<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Error::new(rmsg_status::RMSG_ERR_NULL_ARGUMENT));
    }
    check_span::<T>(len)?;
    // SAFETY: non-NULL and readable for len elements per the contract above;
    // the span fits in isize (checked).
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrows `(ptr, len)` as a writable slice. A NULL pointer is accepted only
/// with a zero length.
///
/// # Safety
/// `ptr` is writable for `len` elements for `'a` when `len > 0`, and not
/// otherwise borrowed.
pub unsafe fn try_slice_mut<'a, T>(ptr: *mut T, len: usize) -> Result<&'a mut [T]> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(Error::new(rmsg_status::RMSG_ERR_NULL_ARGUMENT));
    }
    check_span::<T>(len)?;
    // SAFETY: non-NULL and writable for len elements per the contract above;
    // the span fits in isize (checked).
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_past_isize_are_too_large_not_ub() {
        let mut x = [0i32; 2];
        let p = x.as_mut_ptr();
        for len in [usize::MAX, usize::MAX / 2, isize::MAX as usize / 4 + 1] {
            // SAFETY: the length is refused before any slice is made.
            let r = unsafe { try_slice_mut(p, len) };
            assert_eq!(
                r.err().map(|e| e.status),
                Some(rmsg_status::RMSG_ERR_TOO_LARGE)
            );
            // SAFETY: as above.
            let r = unsafe { try_slice(p.cast_const(), len) };
            assert_eq!(
                r.err().map(|e| e.status),
                Some(rmsg_status::RMSG_ERR_TOO_LARGE)
            );
        }
        // SAFETY: x holds two ints.
        assert_eq!(unsafe { try_slice_mut(p, 2) }.map(|s| s.len()), Ok(2));
    }
}
