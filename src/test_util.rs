//! Helpers shared by the unit tests: descriptors, socket pairs, crafted
//! control buffers, pseudo-random bytes.

use std::ffi::c_int;

use crate::buffer::rmsg_iovec;
use crate::builder::rmsg_cmsg_builder;
use crate::{cmsg, ptr, send};

/// A pipe: (read end, write end).
pub fn pipe() -> (c_int, c_int) {
    let mut p = [0 as c_int; 2];
    // SAFETY: p has room for two descriptors.
    assert_eq!(unsafe { libc::pipe(p.as_mut_ptr()) }, 0);
    (p[0], p[1])
}

/// A connected AF_UNIX socket pair of type `kind`.
pub fn pair(kind: c_int) -> (c_int, c_int) {
    let mut sv = [0 as c_int; 2];
    // SAFETY: sv has room for two descriptors.
    let r = unsafe { libc::socketpair(libc::AF_UNIX, kind, 0, sv.as_mut_ptr()) };
    assert_eq!(r, 0);
    (sv[0], sv[1])
}

/// Whether `fd` is an open descriptor. Only good for descriptors the test
/// holds: a closed number may be reused at once by a test running on
/// another thread, so closing is observed with [`Watch`] instead.
pub fn is_open(fd: c_int) -> bool {
    // SAFETY: F_GETFD only queries the descriptor table.
    unsafe { libc::fcntl(fd, libc::F_GETFD) >= 0 }
}

/// A pipe whose write end is handed to the code under test: once every copy
/// of that end is closed, the read end sees end-of-file. This observes a
/// close whatever other threads do with descriptor numbers.
pub struct Watch {
    read: c_int,
    write: c_int,
}

impl Watch {
    pub fn new() -> Watch {
        let (read, write) = pipe();
        // SAFETY: F_SETFL on a descriptor we own.
        let r = unsafe { libc::fcntl(read, libc::F_SETFL, libc::O_NONBLOCK) };
        assert_eq!(r, 0);
        Watch { read, write }
    }

    /// The write end, which the caller now owns (to pass on or close).
    pub fn give(&mut self) -> c_int {
        std::mem::replace(&mut self.write, -1)
    }

    /// True once every copy of the write end is closed.
    pub fn closed(&self) -> bool {
        let mut b = 0u8;
        // SAFETY: reading one byte into b from a descriptor we own.
        let r = unsafe { libc::read(self.read, (&mut b as *mut u8).cast(), 1) };
        assert!(r <= 0, "nothing is ever written to a watch");
        r == 0
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        for fd in [self.read, self.write] {
            if fd >= 0 {
                crate::fds::close(fd);
            }
        }
    }
}

/// The bytes of a `cmsghdr` with the given fields.
pub fn hdr_bytes(len: usize, level: c_int, kind: c_int) -> Vec<u8> {
    // SAFETY: cmsghdr is plain data; zeroed is a valid value.
    let mut h: libc::cmsghdr = unsafe { std::mem::zeroed() };
    h.cmsg_len = len as _;
    h.cmsg_level = level;
    h.cmsg_type = kind;
    ptr::bytes_of(&h).to_vec()
}

/// One well-formed item: header, data, zero padding to `CMSG_SPACE`.
pub fn item(level: c_int, kind: c_int, data: &[u8]) -> Vec<u8> {
    let mut v = hdr_bytes(cmsg::cmsg_len(data.len()).unwrap(), level, kind);
    v.extend_from_slice(data);
    v.resize(cmsg::cmsg_space(data.len()).unwrap(), 0);
    v
}

/// The data of an `SCM_RIGHTS` item carrying `fds`.
pub fn fd_bytes(fds: &[c_int]) -> Vec<u8> {
    fds.iter().flat_map(|f| f.to_ne_bytes()).collect()
}

/// Sends `data` with `fds` in one `SCM_RIGHTS` item.
pub fn send_fds(sock: c_int, data: &[u8], fds: &[c_int]) {
    let mut b = rmsg_cmsg_builder::default();
    b.add_fds(fds).unwrap();
    let iov = [rmsg_iovec {
        base: data.as_ptr().cast_mut(),
        len: data.len(),
    }];
    let n = send::send(sock, &iov, b.bytes(), None, 0, &Default::default()).unwrap();
    assert_eq!(n, data.len());
}

/// A xorshift64 generator from `seed` (not zero): cheap, deterministic
/// input for the sweeps over malformed buffers.
pub fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}
