//! Every conversion between raw pointers and Rust values happens here, so
//! the `unsafe` reasoning about them is in one place: handles and buffers
//! from C, memory owned by rmsg's own buffers, and the bytes of plain C
//! structs.
//!
//! The contract with C is the one the header states: a handle pointer is
//! either NULL or a live pointer rmsg returned and that has not been freed; a
//! `(pointer, length)` pair describes memory the caller may read (or write,
//! for outputs) for that many bytes.

use std::mem::{MaybeUninit, size_of};

use crate::status::{Error, Result, rmsg_status};

/// Hands a heap value to C as a pointer. C now owns it and must give it
/// back to [`take_box`] (or [`free_box`]) exactly once.
pub fn into_raw<T>(value: Box<T>) -> *mut T {
    Box::into_raw(value)
}

/// Takes back ownership of a pointer made by [`into_raw`]; `None` for NULL.
///
/// # Safety
/// `ptr` is NULL or came from `into_raw::<T>` and has not been taken back.
pub unsafe fn take_box<T>(ptr: *mut T) -> Option<Box<T>> {
    // SAFETY: per the contract above, a non-NULL ptr owns a live Box<T>.
    (!ptr.is_null()).then(|| unsafe { Box::from_raw(ptr) })
}

/// Takes back ownership of a pointer made by [`into_raw`] and drops it.
/// NULL is accepted and ignored.
///
/// # Safety
/// As for [`take_box`].
pub unsafe fn free_box<T>(ptr: *mut T) {
    // SAFETY: forwarded contract.
    drop(unsafe { take_box(ptr) });
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

/// Reads an optional input struct: NULL means the defaults.
///
/// # Safety
/// `ptr` is NULL or points to a readable `T`.
pub unsafe fn read_or_default<T: Copy + Default>(ptr: *const T) -> T {
    // SAFETY: per the contract above.
    unsafe { ptr.as_ref() }.copied().unwrap_or_default()
}

/// Borrows an optional handle: NULL gives `None`.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` not mutably borrowed elsewhere for `'a`.
pub unsafe fn opt_ref<'a, T>(ptr: *const T) -> Option<&'a T> {
    // SAFETY: per the contract above.
    unsafe { ptr.as_ref() }
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

/// The most bytes any one buffer may have in a call to rmsg: 2^56 (64 PiB).
///
/// It is the size of the largest user address space Linux gives a process
/// on x86_64 (with 5-level page tables; 2^47 with the usual 4 levels), so no
/// real buffer can be larger, yet such lengths do reach a library (a
/// negative size from a binding becomes `SIZE_MAX`; `SIZE_MAX / 2` is a
/// classic attack value). One rule, applied by every function: a length
/// passed with a pointer (in bytes, or an element count times the element
/// size for arrays, output arrays included: `fds_len`, `views_len` ...), the
/// length of every `rmsg_iovec`, and a size rmsg is asked to allocate
/// (`bufsize`, `ancbufsize`) that passes this limit is refused with
/// `RMSG_ERR_TOO_LARGE`, before anything is read, written or allocated.
/// Functions with a tighter bound of their own (address text, control
/// buffers, `CMSG_SPACE`) document it.
pub const RMSG_MAX_BUFFER_SIZE: u64 = 0x0100_0000_0000_0000;

/// The limit in `usize`: [`RMSG_MAX_BUFFER_SIZE`], or below it Rust's own
/// bound for any object (`isize::MAX` bytes) should `usize` be narrower.
const MAX_BYTES: usize = if RMSG_MAX_BUFFER_SIZE < isize::MAX as u64 {
    RMSG_MAX_BUFFER_SIZE as usize
} else {
    isize::MAX as usize
};

/// Refuses a size in bytes past [`RMSG_MAX_BUFFER_SIZE`] with
/// `RMSG_ERR_TOO_LARGE`: the rule for sizes rmsg allocates.
pub fn check_size(bytes: usize) -> Result<()> {
    if bytes > MAX_BYTES {
        return Err(Error::new(rmsg_status::RMSG_ERR_TOO_LARGE));
    }
    Ok(())
}

/// Refuses `len` elements of `T` whose bytes pass [`RMSG_MAX_BUFFER_SIZE`]
/// (or overflow) with `RMSG_ERR_TOO_LARGE`. Below the limit a span also
/// fits in `isize`, as making a slice of it requires.
fn check_span<T>(len: usize) -> Result<()> {
    match len.checked_mul(size_of::<T>()) {
        Some(bytes) => check_size(bytes),
        None => Err(Error::new(rmsg_status::RMSG_ERR_TOO_LARGE)),
    }
}

/// The rule for every `(pointer, length)` pair C passes, before anything
/// behind the pointer is touched: a NULL pointer only with a zero length
/// (else `RMSG_ERR_NULL_ARGUMENT`), and no more than
/// [`RMSG_MAX_BUFFER_SIZE`] bytes (else `RMSG_ERR_TOO_LARGE`).
pub fn check_region<T>(ptr: *const T, len: usize) -> Result<()> {
    if len == 0 {
        return Ok(());
    }
    if ptr.is_null() {
        return Err(Error::new(rmsg_status::RMSG_ERR_NULL_ARGUMENT));
    }
    check_span::<T>(len)
}

/// Borrows `(ptr, len)` as a slice, after [`check_region`]. A NULL pointer
/// is accepted only with a zero length.
///
/// # Safety
/// `ptr` is readable for `len` elements for `'a` when `len > 0`.
pub unsafe fn try_slice<'a, T>(ptr: *const T, len: usize) -> Result<&'a [T]> {
    check_region(ptr, len)?;
    if len == 0 {
        return Ok(&[]);
    }
    // SAFETY: non-NULL and readable for len elements per the contract above;
    // the span fits in isize (checked).
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrows `(ptr, len)` as a writable slice, after [`check_region`]. A NULL
/// pointer is accepted only with a zero length.
///
/// # Safety
/// `ptr` is writable for `len` elements for `'a` when `len > 0`, and not
/// otherwise borrowed.
pub unsafe fn try_slice_mut<'a, T>(ptr: *mut T, len: usize) -> Result<&'a mut [T]> {
    check_region(ptr.cast_const(), len)?;
    if len == 0 {
        return Ok(&mut []);
    }
    // SAFETY: non-NULL and writable for len elements per the contract above;
    // the span fits in isize (checked).
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

/// The check of the size a caller says its copy of an extensible struct
/// `T` has (`sizeof` as the program was compiled): from `v1`, the size of
/// the struct's first version, up to this library's size, else
/// `RMSG_ERR_INVALID_ARGUMENT`.
#[inline(always)]
pub fn check_struct_size<T>(size: usize, v1: usize) -> Result<()> {
    if !(v1..=size_of::<T>()).contains(&size) {
        return Err(Error::new(rmsg_status::RMSG_ERR_INVALID_ARGUMENT));
    }
    Ok(())
}

/// Borrows `len` bytes at `ptr` of memory rmsg owns (a buffer's storage).
/// A zero length gives an empty slice that starts at `ptr` (so that a
/// pointer handed out from it is where the bytes would be, as C expects),
/// or anywhere when `ptr` is NULL.
///
/// # Safety
/// When `len > 0`, `ptr` points at `len` initialised bytes that stay valid
/// and unchanged for `'a`.
pub unsafe fn owned_bytes<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    // Only an empty range can come with NULL (per the contract); any other
    // pointer is valid for zero bytes (u8 needs no alignment), so an empty
    // range keeps where its bytes would be.
    if ptr.is_null() {
        return &[];
    }
    // SAFETY: per the contract above.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

/// Mutably borrows `len` bytes at `ptr` of memory rmsg owns.
///
/// # Safety
/// When `len > 0`, `ptr` points at `len` initialised bytes, valid and not
/// otherwise borrowed for `'a`.
pub unsafe fn owned_bytes_mut<'a>(ptr: *mut u8, len: usize) -> &'a mut [u8] {
    if len == 0 {
        return &mut [];
    }
    // SAFETY: per the contract above.
    unsafe { std::slice::from_raw_parts_mut(ptr, len) }
}

/// Adds to `v` the first `n` elements of its spare capacity, which the
/// caller wrote (through `Vec::spare_capacity_mut`).
///
/// # Safety
/// The first `n` elements past `v.len()` are initialised, and within the
/// capacity.
#[inline(always)]
pub unsafe fn extend_written<T>(v: &mut Vec<T>, n: usize) {
    debug_assert!(v.len() + n <= v.capacity());
    // SAFETY: per the contract above.
    unsafe { v.set_len(v.len() + n) };
}

/// The values of slots that have all been written.
///
/// # Safety
/// Every element of `slots` is initialised.
pub unsafe fn assume_init_mut<T>(slots: &mut [MaybeUninit<T>]) -> &mut [T] {
    // SAFETY: MaybeUninit<T> has T's layout, and every element is
    // initialised per the contract above.
    unsafe { std::slice::from_raw_parts_mut(slots.as_mut_ptr().cast::<T>(), slots.len()) }
}

/// C structs that are plain data: no padding bytes, and every bit pattern
/// is a valid value. Their bytes can be viewed, and they can be read from
/// any bytes, without `unsafe` at the call site.
///
/// # Safety
/// Implement only for `#[repr(C)]` types made of integers and arrays of
/// integers with no padding between or after the fields (the assertions
/// below check the sizes).
pub unsafe trait Plain: Copy {}

// SAFETY: each is a libc struct of integer fields whose sizes add up to
// the struct's size (checked below), so it has no padding.
unsafe impl Plain for libc::cmsghdr {}
// SAFETY: as above.
unsafe impl Plain for libc::sockaddr_in {}
// SAFETY: as above.
unsafe impl Plain for libc::sockaddr_in6 {}
// SAFETY: as above.
unsafe impl Plain for libc::sockaddr_un {}
// SAFETY: as above.
unsafe impl Plain for libc::ucred {}
// SAFETY: as above.
unsafe impl Plain for libc::in_pktinfo {}
// SAFETY: as above.
unsafe impl Plain for libc::in6_pktinfo {}
// SAFETY: as above (family, padding array and alignment field, 128 bytes).
unsafe impl Plain for libc::sockaddr_storage {}
// SAFETY: as above (family, protocol, ifindex, hatype, pkttype, halen,
// 8 address bytes: 20 bytes).
unsafe impl Plain for libc::sockaddr_ll {}
// SAFETY: as above (family, pad, pid, groups: 12 bytes).
unsafe impl Plain for libc::sockaddr_nl {}
// SAFETY: as above (family, reserved, port, cid, 4 bytes: 16 bytes).
unsafe impl Plain for libc::sockaddr_vm {}
// SAFETY: an integer: no padding, every bit pattern valid.
unsafe impl Plain for u64 {}

const _: () = {
    assert!(size_of::<libc::cmsghdr>() == size_of::<usize>() + 8);
    assert!(size_of::<libc::sockaddr_in>() == 16);
    assert!(size_of::<libc::sockaddr_in6>() == 28);
    assert!(size_of::<libc::sockaddr_un>() == 110);
    assert!(size_of::<libc::ucred>() == 12);
    assert!(size_of::<libc::in_pktinfo>() == 12);
    assert!(size_of::<libc::in6_pktinfo>() == 20);
    assert!(size_of::<libc::sockaddr_storage>() == 128);
    assert!(size_of::<libc::sockaddr_ll>() == 20);
    assert!(size_of::<libc::sockaddr_nl>() == 12);
    assert!(size_of::<libc::sockaddr_vm>() == 16);
};

/// The bytes of a plain struct.
pub fn bytes_of<T: Plain>(value: &T) -> &[u8] {
    // SAFETY: T has no padding (Plain), so all size_of::<T>() bytes behind
    // the reference are initialised; they live as long as the borrow.
    unsafe { std::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>()) }
}

/// Reads a plain struct from the first `size_of::<T>()` bytes of `bytes`,
/// whatever their alignment; `None` when there are fewer.
pub fn read_plain<T: Plain>(bytes: &[u8]) -> Option<T> {
    if bytes.len() < size_of::<T>() {
        return None;
    }
    // SAFETY: enough bytes (checked); read_unaligned has no alignment
    // requirement, and every bit pattern is a valid T (Plain).
    Some(unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast::<T>()) })
}

/// Reads a plain struct at `at`, whatever its alignment.
///
/// # Safety
/// `at` points at `size_of::<T>()` initialised bytes.
#[inline(always)]
pub unsafe fn read_plain_at<T: Plain>(at: *const u8) -> T {
    // SAFETY: readable for size_of::<T>() bytes per the contract above;
    // read_unaligned needs no alignment; every bit pattern is a valid T.
    unsafe { std::ptr::read_unaligned(at.cast::<T>()) }
}

/// Writes a plain struct into the first `size_of::<T>()` bytes of `out`,
/// whatever their alignment.
///
/// # Panics
/// When `out` is shorter than `T` (a bug in the caller's layout).
pub fn write_plain<T: Plain>(out: &mut [u8], value: T) {
    out[..size_of::<T>()].copy_from_slice(bytes_of(&value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_past_the_limit_are_too_large_before_any_access() {
        let mut x = [0i32; 2];
        let p = x.as_mut_ptr();
        let limit = RMSG_MAX_BUFFER_SIZE as usize;
        for len in [
            usize::MAX,
            usize::MAX / 2,
            isize::MAX as usize / 4 + 1,
            limit / 4 + 1,
        ] {
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
        assert_eq!(check_region(p.cast_const(), limit / 4), Ok(()));
        assert_eq!(check_size(limit), Ok(()));
        assert_eq!(
            check_size(limit + 1).unwrap_err().status,
            rmsg_status::RMSG_ERR_TOO_LARGE
        );
        // SAFETY: x holds two ints.
        assert_eq!(unsafe { try_slice_mut(p, 2) }.map(|s| s.len()), Ok(2));
    }

    #[test]
    fn null_is_refused_unless_the_length_is_zero() {
        let null = std::ptr::null::<u8>();
        assert_eq!(check_region(null, 0), Ok(()));
        for len in [1, usize::MAX] {
            assert_eq!(
                check_region(null, len).unwrap_err().status,
                rmsg_status::RMSG_ERR_NULL_ARGUMENT
            );
        }
        // SAFETY: a zero length reads nothing.
        assert_eq!(unsafe { try_slice(null, 0) }.map(|s| s.len()), Ok(0));
    }
}
