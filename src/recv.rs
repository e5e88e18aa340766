//! The receive call and the message it produces (the safe core; the C
//! shims are in `capi`).

use std::cell::Cell;
use std::ffi::c_int;
use std::mem::{MaybeUninit, size_of};
use std::ops::Range;

use crate::addr::rmsg_address;
use crate::cmsg::{self, WalkEnd};
use crate::fault;
use crate::fds::{self, OwnedFds};
use crate::status::{Error, Result, rmsg_status::*};
use crate::wait::{self, Wait};

/// Return `RMSG_ERR_INTERRUPTED` when a signal interrupts the call, instead
/// of retrying (PEP 475 retrying is the default). For callers that must run
/// their own signal handlers between tries, such as language runtimes.
pub const RMSG_RECV_RETURN_EINTR: u32 = 1;
/// Do not add `MSG_CMSG_CLOEXEC`: received descriptors are then inheritable
/// across `exec`.
pub const RMSG_RECV_NO_CLOEXEC: u32 = 2;
/// Do not ask the kernel for the source address (`msg_name` NULL): the
/// message then has none (`rmsg_message_address` gives NULL). Saves the
/// kernel's copy of the address on sockets where it is known, such as
/// connected ones.
pub const RMSG_RECV_NO_ADDRESS: u32 = 4;

const KNOWN_FLAGS: u32 = RMSG_RECV_RETURN_EINTR | RMSG_RECV_NO_CLOEXEC | RMSG_RECV_NO_ADDRESS;

/// Options for the receive calls. A zero-initialised struct
/// (`rmsg_recv_options opts = {0};`) means the defaults: block, retry on
/// `EINTR`, close-on-exec for received descriptors. rmsg only reads it, and
/// only during the call.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct rmsg_recv_options {
    /// How to wait: `RMSG_WAIT_BLOCK` (0), `RMSG_WAIT_NONBLOCK` or
    /// `RMSG_WAIT_DEADLINE`. Any other value is `RMSG_ERR_INVALID_ARGUMENT`.
    pub wait: u32,
    /// Bitwise OR of `RMSG_RECV_*` flags. Unknown bits are
    /// `RMSG_ERR_INVALID_ARGUMENT`.
    pub flags: u32,
    /// With `RMSG_WAIT_DEADLINE`: the longest the whole call may wait, in
    /// nanoseconds (0 behaves as a poll). Ignored otherwise.
    pub timeout_ns: u64,
}

/// A scatter buffer for `rmsg_recvmsg_into`, laid out as `struct iovec`.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy)]
pub struct rmsg_iovec {
    /// Start of the buffer; written by the kernel.
    pub base: *mut u8,
    /// Its length in bytes.
    pub len: usize,
}

const _: () = {
    assert!(size_of::<rmsg_iovec>() == size_of::<libc::iovec>());
    assert!(std::mem::align_of::<rmsg_iovec>() == std::mem::align_of::<libc::iovec>());
};

/// One control message of a received (or parsed) control buffer: level,
/// type, data and a truncated mark. Opaque to C; read it with the
/// `rmsg_item_*` functions. It lives inside its message (or parsed buffer)
/// and is valid until that is freed.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct rmsg_item {
    pub(crate) level: c_int,
    pub(crate) kind: c_int,
    /// Offset and length of the data within the owner's control bytes.
    pub(crate) data: Range<usize>,
    /// Points at the owner's control bytes (heap memory that does not move
    /// while the owner lives).
    pub(crate) base: *const u8,
    pub(crate) truncated: bool,
    /// The slots of the owner's descriptor table this item's fds occupy.
    pub(crate) fds: Range<usize>,
}

impl rmsg_item {
    pub fn level(&self) -> c_int {
        self.level
    }
    pub fn kind(&self) -> c_int {
        self.kind
    }
    pub fn truncated(&self) -> bool {
        self.truncated
    }
    /// The item's data bytes (clamped to what the buffer holds).
    pub fn data(&self) -> &[u8] {
        if self.data.is_empty() {
            return &[];
        }
        // SAFETY: base points at the owner's control bytes, which hold at
        // least data.end initialised bytes and outlive &self (the item is
        // only reachable through its owner).
        unsafe { std::slice::from_raw_parts(self.base.add(self.data.start), self.data.len()) }
    }
    /// True for `SCM_RIGHTS` and `SCM_PIDFD` items.
    pub fn carries_fds(&self) -> bool {
        cmsg::carries_fds(self.level, self.kind)
    }
    /// Slots in the owner's descriptor table.
    pub fn fd_slots(&self) -> Range<usize> {
        self.fds.clone()
    }
}

/// Fills `items` and `fd_slots` (emptied first, capacity reused) from
/// `control`; returns whether the walk stopped at a malformed header. On
/// allocation failure, descriptors are closed when `own_fds`.
pub(crate) fn decode_into(
    control: &[u8],
    own_fds: bool,
    items: &mut Vec<rmsg_item>,
    fd_slots: &mut Vec<c_int>,
) -> Result<bool> {
    items.clear();
    fd_slots.clear();
    if control.is_empty() {
        return Ok(false);
    }
    // One pass: room is reserved item by item (free when reused vectors
    // already have it); an allocation failure stops the walk.
    let mut oom = fault::should_fail();
    let end = cmsg::walk(control, |it| {
        if oom {
            return;
        }
        let data = &control[it.data_start..it.data_start + it.data_len];
        let fd_count = if cmsg::carries_fds(it.level, it.kind) {
            data.len() / size_of::<c_int>()
        } else {
            0
        };
        if items.try_reserve(1).is_err() || fd_slots.try_reserve(fd_count).is_err() {
            oom = true;
            return;
        }
        let first = fd_slots.len();
        if fd_count > 0 {
            fd_slots.extend(cmsg::ints(data));
        }
        items.push(rmsg_item {
            level: it.level,
            kind: it.kind,
            data: it.data_start..it.data_start + it.data_len,
            base: control.as_ptr(),
            truncated: it.truncated,
            fds: first..fd_slots.len(),
        });
    });
    if oom {
        items.clear();
        fd_slots.clear();
        if own_fds {
            fds::close_all_in_control(control);
        }
        return Err(Error::new(RMSG_ERR_OUT_OF_MEMORY));
    }
    Ok(end == WalkEnd::Malformed)
}

/// Moves the still-owned descriptors of item `index` from `fds` into `out`
/// (messages and parsed buffers alike). Nothing moves when `out` is too
/// small.
pub(crate) fn take_item_fds(
    items: &[rmsg_item],
    fds: &mut OwnedFds,
    index: usize,
    out: &mut [c_int],
) -> Result<usize> {
    let item = items
        .get(index)
        .ok_or(Error::new(RMSG_ERR_INVALID_ARGUMENT))?;
    if !item.carries_fds() {
        return Err(Error::new(RMSG_ERR_WRONG_KIND));
    }
    fds.take_into(item.fds.clone(), out)
        .map_err(|_| Error::new(RMSG_ERR_BUFFER_TOO_SMALL))
}

/// Largest message storage kept for reuse by [`rmsg_message::release`].
const SPARE_MAX_BYTES: usize = 64 * 1024;

thread_local! {
    /// One freed message per thread, kept for the next receive.
    static SPARE: Cell<Option<Box<rmsg_message>>> = const { Cell::new(None) };
}

/// A received message: data, control items, flags and source address. It
/// owns every descriptor the kernel installed for it until the caller takes
/// them. Opaque to C.
#[allow(non_camel_case_types)]
pub struct rmsg_message {
    /// Control bytes first (8-byte aligned), then the data bytes. Only the
    /// first `control_len` and the `data` range are initialised.
    storage: Vec<MaybeUninit<u64>>,
    control_len: usize,
    data: Range<usize>,
    nbytes: usize,
    items: Vec<rmsg_item>,
    fds: OwnedFds,
    flags: c_int,
    address: rmsg_address,
    malformed: bool,
}

// SAFETY: the raw pointers inside items point into `storage`, which the
// message owns and which moves with it; nothing is shared between threads.
unsafe impl Send for rmsg_message {}

impl std::fmt::Debug for rmsg_message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("rmsg_message")
            .field("nbytes", &self.nbytes)
            .field("flags", &self.flags)
            .field("items", &self.items)
            .field("address", &self.address())
            .finish()
    }
}

/// Where the received data goes.
pub enum Target<'a> {
    /// Into the message, at most this many bytes.
    Owned(usize),
    /// Into caller buffers (scatter); the message then holds no data bytes.
    Into(&'a [rmsg_iovec]),
}

fn words(bytes: usize) -> Option<usize> {
    bytes
        .checked_add(size_of::<u64>() - 1)
        .map(|n| n / size_of::<u64>())
}

impl rmsg_message {
    fn with_capacity(bufsize: usize, ancbufsize: usize) -> Result<Box<rmsg_message>> {
        let too_large = || Error::new(RMSG_ERR_TOO_LARGE);
        let control_words = words(ancbufsize).ok_or_else(too_large)?;
        let data_words = words(bufsize).ok_or_else(too_large)?;
        let total = control_words
            .checked_add(data_words)
            .ok_or_else(too_large)?;
        if total
            .checked_mul(size_of::<u64>())
            .is_none_or(|b| b > isize::MAX as usize)
        {
            return Err(too_large());
        }
        let start = control_words * size_of::<u64>();
        // Reuse this thread's spare message when its storage is big enough:
        // in a receive loop that saves both allocations of every call.
        if let Some(mut msg) = SPARE.try_with(Cell::take).ok().flatten() {
            if msg.storage.capacity() >= total {
                // SAFETY: MaybeUninit needs no initialisation; capacity checked.
                unsafe { msg.storage.set_len(total) };
                msg.control_len = 0;
                msg.data = start..start;
                msg.nbytes = 0;
                msg.flags = 0;
                // Only the length is reset: the kernel rewrites the bytes it reports.
                msg.address.set_len(0);
                msg.malformed = false;
                return Ok(msg);
            }
        }
        let mut storage = Vec::new();
        storage
            .try_reserve_exact(total)
            .map_err(|_| Error::new(RMSG_ERR_OUT_OF_MEMORY))?;
        // SAFETY: MaybeUninit needs no initialisation; capacity reserved above.
        unsafe { storage.set_len(total) };
        Ok(Box::new(rmsg_message {
            storage,
            control_len: 0,
            data: start..start,
            nbytes: 0,
            items: Vec::new(),
            // Owns from the start: descriptors decoded into it are closed on drop.
            fds: OwnedFds::from_vec(Vec::new()),
            flags: 0,
            address: rmsg_address::empty(),
            malformed: false,
        }))
    }

    /// Frees a message: closes the descriptors it still owns, then keeps its
    /// memory as this thread's spare if it is small, else releases it.
    pub fn release(mut msg: Box<rmsg_message>) {
        msg.close_fds();
        msg.items.clear();
        msg.fds.clear();
        if msg.storage.capacity() * size_of::<u64>() <= SPARE_MAX_BYTES {
            // The previous spare, if any, is dropped; during thread teardown
            // the message is simply dropped.
            let _ = SPARE.try_with(|s| s.set(Some(msg)));
        }
    }

    fn base_ptr(&mut self) -> *mut u8 {
        self.storage.as_mut_ptr().cast::<u8>()
    }

    /// The data received (empty for the scatter form).
    pub fn data(&self) -> &[u8] {
        // SAFETY: the kernel initialised the data range of storage.
        unsafe {
            std::slice::from_raw_parts(
                self.storage.as_ptr().cast::<u8>().add(self.data.start),
                self.data.len(),
            )
        }
    }

    /// Bytes received: the data length, or for the scatter form the bytes
    /// written into the caller's buffers.
    pub fn nbytes(&self) -> usize {
        self.nbytes
    }

    /// `msg_flags` exactly as the kernel returned them.
    pub fn flags(&self) -> c_int {
        self.flags
    }

    /// The control items in kernel order.
    pub fn items(&self) -> &[rmsg_item] {
        &self.items
    }

    /// The source address, or `None` when the kernel returned none.
    pub fn address(&self) -> Option<&rmsg_address> {
        (!self.address.bytes().is_empty()).then_some(&self.address)
    }

    /// The walk over the control bytes stopped at a malformed header.
    pub fn malformed(&self) -> bool {
        self.malformed
    }

    /// Slots of `SCM_RIGHTS` descriptors, item by item.
    fn rights_slots(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        self.items
            .iter()
            .filter(|i| i.level == libc::SOL_SOCKET && i.kind == libc::SCM_RIGHTS)
            .map(|i| i.fds.clone())
    }

    /// `SCM_RIGHTS` descriptors the message still owns, over all items.
    pub fn fd_count(&self) -> usize {
        self.rights_slots().map(|r| self.fds.count_owned(r)).sum()
    }

    /// Moves every still-owned `SCM_RIGHTS` descriptor into `out`, in kernel
    /// order. Nothing moves when `out` is too small.
    pub fn take_fds(&mut self, out: &mut [c_int]) -> Result<usize> {
        if self.fd_count() > out.len() {
            return Err(Error::new(RMSG_ERR_BUFFER_TOO_SMALL));
        }
        Ok(self.take_fds_up_to(out))
    }

    /// Moves still-owned `SCM_RIGHTS` descriptors into `out`, in kernel
    /// order, until it is full; the rest stay with the message.
    pub fn take_fds_up_to(&mut self, out: &mut [c_int]) -> usize {
        let mut n = 0;
        for item in &self.items {
            if item.level == libc::SOL_SOCKET && item.kind == libc::SCM_RIGHTS {
                n += self.fds.take_up_to(item.fds.clone(), &mut out[n..]);
            }
        }
        n
    }

    /// Moves the still-owned descriptors of one item into `out`.
    pub fn take_item_fds(&mut self, index: usize, out: &mut [c_int]) -> Result<usize> {
        take_item_fds(&self.items, &mut self.fds, index, out)
    }

    /// Still-owned descriptors of one item.
    pub fn item_fd_count(&self, index: usize) -> Option<usize> {
        self.items
            .get(index)
            .map(|i| self.fds.count_owned(i.fds.clone()))
    }

    /// Closes every descriptor the message still owns.
    pub fn close_fds(&mut self) {
        let n = self.fds.len();
        self.fds.close_range(0..n);
    }
}

/// Validated receive parameters.
struct Plan {
    flags: c_int,
    wait: Wait,
    return_eintr: bool,
    want_address: bool,
}

fn plan(flags: c_int, options: &rmsg_recv_options) -> Result<Plan> {
    if options.flags & !KNOWN_FLAGS != 0 {
        return Err(Error::new(RMSG_ERR_INVALID_ARGUMENT));
    }
    let wait = Wait::from_options(options.wait, options.timeout_ns)?;
    let mut flags = flags;
    if options.flags & RMSG_RECV_NO_CLOEXEC == 0 {
        flags |= cloexec_flag();
    }
    if wait.dontwait() {
        flags |= libc::MSG_DONTWAIT;
    }
    Ok(Plan {
        flags,
        wait,
        return_eintr: options.flags & RMSG_RECV_RETURN_EINTR != 0,
        want_address: options.flags & RMSG_RECV_NO_ADDRESS == 0,
    })
}

#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
fn cloexec_flag() -> c_int {
    libc::MSG_CMSG_CLOEXEC
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
fn cloexec_flag() -> c_int {
    0
}

/// Receives one message: `recvmsg(2)` with rmsg's rules (fresh in/out fields
/// on every try, `EINTR` and timeout policy, every received descriptor owned
/// by the result or closed).
pub fn receive(
    fd: c_int,
    target: Target<'_>,
    ancbufsize: usize,
    flags: c_int,
    options: &rmsg_recv_options,
) -> Result<Box<rmsg_message>> {
    if fd < 0 {
        return Err(Error::new(RMSG_ERR_BAD_FD));
    }
    if ancbufsize > cmsg::SOCKLEN_MAX {
        return Err(Error::new(RMSG_ERR_TOO_LARGE));
    }
    let plan = plan(flags, options)?;
    let bufsize = match target {
        Target::Owned(n) => n,
        Target::Into(bufs) => {
            if bufs.len() > c_int::MAX as usize {
                return Err(Error::new(RMSG_ERR_TOO_LARGE));
            }
            0
        }
    };
    let mut msg = rmsg_message::with_capacity(bufsize, ancbufsize)?;
    let data_start = msg.data.start;
    let base = msg.base_ptr();
    let mut own_iov = libc::iovec {
        // SAFETY: data_start + bufsize is within storage (sized above).
        iov_base: unsafe { base.add(data_start) }.cast(),
        iov_len: bufsize,
    };
    let (iov_ptr, iov_len): (*mut libc::iovec, usize) = match target {
        Target::Owned(_) => (&mut own_iov, 1),
        Target::Into(bufs) => (bufs.as_ptr() as *mut libc::iovec, bufs.len()),
    };

    let n = match receive_loop(&mut msg, fd, &plan, flags, (iov_ptr, iov_len), ancbufsize) {
        Ok(n) => n,
        Err(e) => {
            // Nothing was received: keep the memory for the next call.
            rmsg_message::release(msg);
            return Err(e);
        }
    };

    // From here on the kernel may have installed descriptors: decode_into
    // closes them itself if it fails.
    msg.nbytes = n;
    if let Target::Owned(_) = target {
        // A datagram larger than the buffer reports its full length only
        // with MSG_TRUNC in the flags argument; the bytes written are capped.
        msg.data = data_start..data_start + n.min(bufsize);
    }
    if msg.control_len > 0 {
        // Decode into the message's own (empty, possibly reused) vectors.
        // SAFETY: the kernel initialised control_len bytes at the start of
        // storage, which is not touched while the slice lives.
        let control = unsafe {
            std::slice::from_raw_parts(msg.storage.as_ptr().cast::<u8>(), msg.control_len)
        };
        msg.malformed = decode_into(control, true, &mut msg.items, msg.fds.slots_mut())?;
    }
    Ok(msg)
}

/// The `recvmsg(2)` tries: fresh in/out fields on every one, `EINTR` and
/// deadline policy. On success the message's control length, address and
/// flags are set and the byte count returned.
fn receive_loop(
    msg: &mut rmsg_message,
    fd: c_int,
    plan: &Plan,
    flags: c_int,
    (iov_ptr, iov_len): (*mut libc::iovec, usize),
    ancbufsize: usize,
) -> Result<usize> {
    let base = msg.base_ptr();
    let events = libc::POLLIN | libc::POLLPRI;
    wait::retry(fd, events, &plan.wait, plan.return_eintr, || {
        // Every in/out field is set afresh on each try.
        // SAFETY: msghdr is plain data; all-zero is valid.
        let mut hdr: libc::msghdr = unsafe { std::mem::zeroed() };
        if plan.want_address {
            hdr.msg_name = msg.address.as_mut_ptr().cast();
            hdr.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        }
        hdr.msg_iov = iov_ptr;
        hdr.msg_iovlen = iov_len as _;
        if ancbufsize > 0 {
            hdr.msg_control = base.cast();
            hdr.msg_controllen = ancbufsize as _;
        }
        // SAFETY: every pointer in hdr is valid for the length given with
        // it: name and control point into msg, iov into msg or the caller's
        // buffers (the caller vouches for those).
        let r = unsafe { libc::recvmsg(fd, &mut hdr, plan.flags) };
        if r >= 0 {
            let control_len = (hdr.msg_controllen as usize).min(ancbufsize);
            msg.control_len = if hdr.msg_control.is_null() {
                0
            } else {
                control_len
            };
            msg.address.set_len(if hdr.msg_name.is_null() {
                0
            } else {
                hdr.msg_namelen as usize
            });
            // Linux echoes MSG_CMSG_CLOEXEC into msg_flags; hide it when
            // rmsg added it, so the flags are what the caller's call gives.
            msg.flags = hdr.msg_flags & !(plan.flags & !flags & cloexec_flag());
        }
        r
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(kind: c_int) -> (c_int, c_int) {
        let mut sv = [0 as c_int; 2];
        // SAFETY: sv has room for two descriptors.
        assert_eq!(
            unsafe { libc::socketpair(libc::AF_UNIX, kind, 0, sv.as_mut_ptr()) },
            0
        );
        (sv[0], sv[1])
    }

    fn send_fds(sock: c_int, data: &[u8], fds: &[c_int]) {
        let space = cmsg::cmsg_space(fds.len() * 4).unwrap();
        let mut control = vec![0u64; space.div_ceil(8)];
        // SAFETY: plain data.
        let mut hdr: libc::msghdr = unsafe { std::mem::zeroed() };
        let mut iov = libc::iovec {
            iov_base: data.as_ptr() as *mut _,
            iov_len: data.len(),
        };
        hdr.msg_iov = &mut iov;
        hdr.msg_iovlen = 1;
        hdr.msg_control = control.as_mut_ptr().cast();
        hdr.msg_controllen = space as _;
        // SAFETY: control holds one header and fds.len() ints.
        unsafe {
            let c = libc::CMSG_FIRSTHDR(&hdr);
            (*c).cmsg_level = libc::SOL_SOCKET;
            (*c).cmsg_type = libc::SCM_RIGHTS;
            (*c).cmsg_len = cmsg::cmsg_len(fds.len() * 4).unwrap() as _;
            std::ptr::copy_nonoverlapping(
                fds.as_ptr().cast::<u8>(),
                libc::CMSG_DATA(c),
                fds.len() * 4,
            );
            assert_eq!(libc::sendmsg(sock, &hdr, 0), data.len() as isize);
        }
    }

    fn is_open(fd: c_int) -> bool {
        // SAFETY: F_GETFD only queries.
        unsafe { libc::fcntl(fd, libc::F_GETFD) >= 0 }
    }

    #[test]
    fn reused_message_memory_carries_nothing_over() {
        let (a, b) = pair(libc::SOCK_DGRAM);
        let opts = rmsg_recv_options::default();
        send_fds(a, b"first message", &[a]);
        let m = receive(b, Target::Owned(64), 64, 0, &opts).unwrap();
        assert_eq!(m.data(), b"first message");
        assert_eq!(m.items().len(), 1);
        let fd = cmsg::ints(m.items()[0].data()).next().unwrap();
        assert!(is_open(fd));
        rmsg_message::release(m);
        assert!(!is_open(fd), "freeing closes the descriptor not taken");
        // SAFETY: a is a socket; the data is 2 bytes.
        assert_eq!(unsafe { libc::send(a, b"xy".as_ptr().cast(), 2, 0) }, 2);
        let m = receive(b, Target::Owned(64), 64, 0, &opts).unwrap();
        assert_eq!(m.data(), b"xy");
        assert!(m.items().is_empty());
        assert_eq!(m.fd_count(), 0);
        rmsg_message::release(m);
        fds::close(a);
        fds::close(b);
    }

    #[test]
    fn take_fds_hands_over_in_order() {
        let (a, b) = pair(libc::SOCK_STREAM);
        let opts = rmsg_recv_options::default();
        send_fds(a, b"z", &[a, b, a]);
        let mut m = receive(b, Target::Owned(8), 128, 0, &opts).unwrap();
        assert_eq!(m.fd_count(), 3);
        let mut small = [0; 2];
        assert_eq!(
            m.take_fds(&mut small).unwrap_err().status,
            RMSG_ERR_BUFFER_TOO_SMALL
        );
        let mut out = [0; 3];
        assert_eq!(m.take_fds(&mut out).unwrap(), 3);
        assert_eq!(m.fd_count(), 0);
        rmsg_message::release(m);
        for fd in out {
            assert!(is_open(fd), "taken descriptors stay open");
            // SAFETY: F_GETFD only queries.
            assert_ne!(
                unsafe { libc::fcntl(fd, libc::F_GETFD) } & libc::FD_CLOEXEC,
                0
            );
            fds::close(fd);
        }
        fds::close(a);
        fds::close(b);
    }

    #[test]
    fn bad_inputs_are_statuses() {
        let opts = rmsg_recv_options::default();
        let e = |r: Result<Box<rmsg_message>>| r.unwrap_err().status;
        assert_eq!(
            e(receive(-1, Target::Owned(1), 0, 0, &opts)),
            RMSG_ERR_BAD_FD
        );
        let (a, b) = pair(libc::SOCK_DGRAM);
        assert_eq!(
            e(receive(b, Target::Owned(usize::MAX), 0, 0, &opts)),
            RMSG_ERR_TOO_LARGE
        );
        assert_eq!(
            e(receive(b, Target::Owned(1), 1 << 33, 0, &opts)),
            RMSG_ERR_TOO_LARGE
        );
        let bad = rmsg_recv_options { wait: 9, ..opts };
        assert_eq!(
            e(receive(b, Target::Owned(1), 0, 0, &bad)),
            RMSG_ERR_INVALID_ARGUMENT
        );
        let bad = rmsg_recv_options {
            flags: 0x80,
            ..opts
        };
        assert_eq!(
            e(receive(b, Target::Owned(1), 0, 0, &bad)),
            RMSG_ERR_INVALID_ARGUMENT
        );
        let nb = rmsg_recv_options {
            wait: crate::wait::RMSG_WAIT_NONBLOCK,
            ..opts
        };
        assert_eq!(
            e(receive(b, Target::Owned(1), 0, 0, &nb)),
            RMSG_ERR_WOULD_BLOCK
        );
        fds::close(a);
        fds::close(b);
    }
}
