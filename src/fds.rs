//! Ownership of received file descriptors.

use std::ffi::c_int;

use crate::cmsg;
use crate::kinds;
use crate::status::{self, Error, rmsg_status::RMSG_ERR_BAD_FD};

/// File descriptors held by a message or parsed buffer. A slot holds `-1`
/// once its descriptor has been taken by the caller. When the table owns its
/// descriptors, every slot not taken is closed on drop; a borrowed table
/// (a parsed buffer whose caller kept ownership) closes nothing.
#[derive(Debug)]
pub struct OwnedFds {
    slots: Vec<c_int>,
    owned: bool,
}

impl OwnedFds {
    /// An empty table; with `owned` it closes what is put in it unless
    /// taken, else it only lists descriptors someone else owns.
    pub fn new(owned: bool) -> OwnedFds {
        OwnedFds {
            slots: Vec::new(),
            owned,
        }
    }

    /// Whether the table closes what it holds.
    #[cfg(test)]
    pub fn is_owner(&self) -> bool {
        self.owned
    }

    /// Makes an empty table owning or borrowing from now on (a reused
    /// message changes hands between the receive path and io_uring
    /// buffers parsed without ownership).
    pub fn set_owner(&mut self, owned: bool) {
        debug_assert!(self.slots.is_empty());
        self.owned = owned;
    }

    /// Makes the table the owner of what it holds (and of what is put in
    /// it later): it closes every slot not taken from now on.
    pub fn adopt(&mut self) {
        self.owned = true;
    }

    /// True when no descriptor was ever put in (since the last clear).
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The slot vector, to fill in place (a table that owns its descriptors
    /// will close what is put there).
    pub fn slots_mut(&mut self) -> &mut Vec<c_int> {
        &mut self.slots
    }

    /// Closes what is still owned and empties the table.
    pub fn clear(&mut self) {
        if self.owned {
            for fd in &self.slots {
                if *fd >= 0 {
                    close(*fd);
                }
            }
        }
        self.slots.clear();
    }

    /// Descriptors in `range` that are still owned.
    pub fn count_owned(&self, range: std::ops::Range<usize>) -> usize {
        self.slots[range].iter().filter(|fd| **fd >= 0).count()
    }

    /// Moves every still-owned descriptor of `range` into `out`, in order,
    /// and returns how many. When `out` is too small nothing is moved and
    /// `Err(needed)` is returned.
    pub fn take_into(
        &mut self,
        range: std::ops::Range<usize>,
        out: &mut [c_int],
    ) -> Result<usize, usize> {
        let needed = self.count_owned(range.clone());
        if needed > out.len() {
            return Err(needed);
        }
        Ok(self.take_up_to(range, out))
    }

    /// Moves still-owned descriptors of `range` into `out`, in order, until
    /// `out` is full; the rest stay owned. Returns how many moved.
    pub fn take_up_to(&mut self, range: std::ops::Range<usize>, out: &mut [c_int]) -> usize {
        let mut n = 0;
        for slot in &mut self.slots[range] {
            if n == out.len() {
                break;
            }
            if *slot >= 0 {
                out[n] = *slot;
                *slot = -1;
                n += 1;
            }
        }
        n
    }
}

impl Drop for OwnedFds {
    fn drop(&mut self) {
        self.clear();
    }
}

/// The check every call makes of the descriptor it is given, before
/// anything else: a negative one is `RMSG_ERR_BAD_FD`.
#[inline(always)]
pub fn check_fd(fd: c_int) -> status::Result<()> {
    if fd < 0 {
        return Err(Error::new(RMSG_ERR_BAD_FD));
    }
    Ok(())
}

/// Closes a descriptor, ignoring the result: on Linux the descriptor is
/// released even when close reports an error, so retrying would be wrong.
pub fn close(fd: c_int) {
    // SAFETY: the caller owns fd and gives it up here.
    unsafe { libc::close(fd) };
}

/// Closes every descriptor carried by fd-bearing items of a control buffer
/// the kernel filled: the cleanup when building a message fails after the
/// syscall returned.
pub fn close_all_in_control(control: &[u8]) {
    cmsg::walk(control, |item| {
        if kinds::carries_fds(kinds::kind_of(item.level, item.cmsg_type)) {
            for fd in cmsg::ints(item.data) {
                if fd >= 0 {
                    close(fd);
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::Watch;

    #[test]
    fn take_then_drop_closes_the_rest() {
        let (mut wa, mut wb) = (Watch::new(), Watch::new());
        let mut owned = OwnedFds::new(true);
        let a = wa.give();
        owned.slots_mut().extend([a, wb.give()]);
        let mut out = [0; 1];
        assert_eq!(owned.take_into(0..2, &mut out), Err(2));
        assert_eq!(owned.take_into(0..1, &mut out), Ok(1));
        assert_eq!(out[0], a);
        assert_eq!(owned.count_owned(0..2), 1);
        drop(owned);
        assert!(!wa.closed(), "the taken descriptor stays open");
        assert!(wb.closed(), "the other is closed with the table");
        close(a);
        assert!(wa.closed());
    }
}
