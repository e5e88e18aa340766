//! Memory for control bytes: one aligned byte buffer type that every owner
//! of a control buffer uses (received messages, parsed buffers, the
//! builder), and the scatter/gather buffer C passes in.

use std::mem::{MaybeUninit, align_of, size_of};
use std::ops::Range;

use crate::ptr;
use crate::status::{Error, Result, rmsg_status::*};

/// A heap buffer aligned for `struct cmsghdr` (8 bytes), never moved while
/// it is not resized, so pointers into it stay valid.
///
/// Two ways to use it: grown with [`Self::grow`], every byte is initialised
/// (new bytes are zeroed) and [`Self::bytes`] reads them; made with
/// [`Self::uninit`] for the kernel to write into, only the ranges the
/// kernel reported as written are read, through [`Self::written`] (so a
/// large receive buffer is never cleared first).
#[derive(Default)]
pub struct AlignedBuf {
    words: Vec<MaybeUninit<u64>>,
    /// Bytes from the start known to be initialised.
    init: usize,
}

const _: () = assert!(align_of::<libc::cmsghdr>() <= align_of::<u64>());

/// Words holding `bytes` bytes, refusing sizes no buffer can have
/// (`RMSG_MAX_BUFFER_SIZE`) before anything is allocated.
fn words_for(bytes: usize) -> Result<usize> {
    ptr::check_size(bytes)?;
    Ok(bytes.div_ceil(size_of::<u64>()))
}

fn out_of_memory() -> Error {
    Error::new(RMSG_ERR_OUT_OF_MEMORY)
}

impl AlignedBuf {
    /// Room for `bytes` bytes whose contents are not initialised, for the
    /// kernel to write into.
    pub fn uninit(bytes: usize) -> Result<AlignedBuf> {
        let n = words_for(bytes)?;
        let mut words = Vec::new();
        words.try_reserve_exact(n).map_err(|_| out_of_memory())?;
        // SAFETY: the capacity is at least n (reserved above), and
        // MaybeUninit words need no initialisation. (Filling them with
        // `resize` would touch every page of a large receive buffer.)
        unsafe { words.set_len(n) };
        Ok(AlignedBuf { words, init: 0 })
    }

    /// A copy of `bytes`.
    pub fn copy_of(bytes: &[u8]) -> Result<AlignedBuf> {
        let mut b = AlignedBuf::default();
        b.grow(bytes.len())?;
        b.bytes_mut(bytes.len()).copy_from_slice(bytes);
        Ok(b)
    }

    /// Bytes the buffer holds.
    pub fn len(&self) -> usize {
        self.words.len() * size_of::<u64>()
    }

    /// Makes room for at least `bytes` bytes, keeping the bytes already
    /// there (the buffer may move). Every byte is then initialised: new
    /// ones are zeroed. Fails with `RMSG_ERR_OUT_OF_MEMORY` (or
    /// `RMSG_ERR_TOO_LARGE`), leaving the buffer as it was.
    pub fn grow(&mut self, bytes: usize) -> Result<()> {
        let want = words_for(bytes)?;
        if want > self.words.len() {
            self.words
                .try_reserve_exact(want - self.words.len())
                .map_err(|_| out_of_memory())?;
        }
        // Zero what was never initialised, then any new words.
        let first = self.init.div_ceil(size_of::<u64>()).min(self.words.len());
        for w in &mut self.words[first..] {
            *w = MaybeUninit::new(0);
        }
        if want > self.words.len() {
            self.words.resize(want, MaybeUninit::new(0));
        }
        self.init = self.len();
        Ok(())
    }

    /// Start of the buffer, for the kernel (or a copy) to write into.
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.words.as_mut_ptr().cast::<u8>()
    }

    /// Start of the buffer.
    pub fn as_ptr(&self) -> *const u8 {
        self.words.as_ptr().cast::<u8>()
    }

    /// The first `len` bytes of a buffer made by [`Self::grow`].
    ///
    /// # Panics
    /// When `len` passes the initialised bytes.
    pub fn bytes(&self, len: usize) -> &[u8] {
        assert!(len <= self.init);
        // SAFETY: the first `init` bytes are initialised and inside the
        // buffer; they live as long as the borrow of self.
        unsafe { ptr::owned_bytes(self.as_ptr(), len) }
    }

    /// The first `len` bytes of a buffer made by [`Self::grow`], to write.
    ///
    /// # Panics
    /// When `len` passes the initialised bytes.
    pub fn bytes_mut(&mut self, len: usize) -> &mut [u8] {
        assert!(len <= self.init);
        // SAFETY: as for bytes(); the borrow of self makes it exclusive.
        unsafe { ptr::owned_bytes_mut(self.as_mut_ptr(), len) }
    }

    /// Copies `bytes` into the buffer at `offset`, as the kernel would
    /// write them: those bytes then count as written for [`Self::written`].
    ///
    /// # Panics
    /// When the bytes would pass the end of the buffer.
    pub fn write_at(&mut self, offset: usize, bytes: &[u8]) {
        let end = offset.checked_add(bytes.len());
        assert!(end.is_some_and(|e| e <= self.len()));
        if bytes.is_empty() {
            return;
        }
        // SAFETY: the destination range is inside the buffer (checked), and
        // `bytes` cannot overlap it: the buffer is borrowed mutably.
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                self.as_mut_ptr().add(offset),
                bytes.len(),
            )
        };
    }

    /// Bytes `range` of a buffer the kernel wrote into.
    ///
    /// # Safety
    /// Every byte of `range` was written since the buffer was made (the
    /// kernel reported writing it).
    ///
    /// # Panics
    /// When `range` passes the end of the buffer.
    pub unsafe fn written(&self, range: Range<usize>) -> &[u8] {
        assert!(range.start <= range.end && range.end <= self.len());
        // SAFETY: inside the buffer (checked); initialised per the contract.
        unsafe { ptr::owned_bytes(self.as_ptr().add(range.start), range.len()) }
    }
}

/// A scatter/gather buffer, laid out as `struct iovec`: for
/// `rmsg_recvmsg_into` the kernel writes into it, for `rmsg_sendmsg` it is
/// only read.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmsg_iovec {
    /// Start of the buffer.
    pub base: *mut u8,
    /// Its length in bytes.
    pub len: usize,
}

const _: () = {
    assert!(size_of::<rmsg_iovec>() == size_of::<libc::iovec>());
    assert!(align_of::<rmsg_iovec>() == align_of::<libc::iovec>());
};

/// Applies the rule for `(pointer, length)` pairs (`ptr::check_region`) to
/// every buffer of a scatter/gather array, before the kernel sees any.
pub fn check_iovecs(bufs: &[rmsg_iovec]) -> Result<()> {
    bufs.iter()
        .try_for_each(|b| ptr::check_region(b.base.cast_const(), b.len))
}

/// The iovec array as the kernel's type (the layouts are the same,
/// asserted above). The kernel reads the entries and, on receive, writes
/// the buffers they describe.
pub fn as_iovecs(bufs: &[rmsg_iovec]) -> *mut libc::iovec {
    bufs.as_ptr().cast::<libc::iovec>().cast_mut()
}
