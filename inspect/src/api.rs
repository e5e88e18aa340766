//! Small safe wrappers over `rmsg::ffi`, the library's C API: every
//! `unsafe` call of the tool is here. Handles the library returns are owned
//! by a wrapper that frees them on drop; borrowed pointers become
//! references tied to the handle they came from.

use std::ffi::{CStr, c_char, c_int};
use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::mem::{MaybeUninit, size_of};
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::ptr::{self, NonNull};

use rmsg::ffi;
pub use rmsg::ffi::{
    rmsg_address, rmsg_errqueue_info, rmsg_errqueue_kind, rmsg_inet_address, rmsg_inet6_address,
    rmsg_item, rmsg_kind, rmsg_kind_info, rmsg_status, rmsg_view,
};

/// A failed library call: its status and the OS error number that came
/// with it.
#[derive(Debug, Clone, Copy)]
pub struct Error {
    pub status: rmsg_status,
    pub errno: c_int,
}

impl Error {
    /// The error of the call that just returned `status` (not `RMSG_OK`).
    fn last(status: rmsg_status) -> Error {
        Error {
            status,
            errno: ffi::rmsg_last_errno(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.status == rmsg_status::RMSG_ERR_OS {
            // The OS error says more than "operating system error".
            return write!(f, "{}", io::Error::from_raw_os_error(self.errno));
        }
        // SAFETY: rmsg_status_describe returns a static NUL-terminated string.
        let text = unsafe { CStr::from_ptr(ffi::rmsg_status_describe(self.status as u32)) };
        write!(f, "{}", text.to_string_lossy())
    }
}

pub type Result<T> = std::result::Result<T, Error>;

fn check(status: rmsg_status) -> Result<()> {
    match status {
        rmsg_status::RMSG_OK => Ok(()),
        s => Err(Error::last(s)),
    }
}

// ---------------------------------------------------------------- addresses

/// An address the tool owns (parsed from text or built from parts), freed
/// on drop. It dereferences to the library's `rmsg_address`.
pub struct Address(NonNull<rmsg_address>);

impl Address {
    /// Takes the address a constructor wrote after returning `status`.
    fn adopt(status: rmsg_status, out: *mut rmsg_address) -> Result<Address> {
        check(status)?;
        Ok(Address(
            NonNull::new(out).expect("rmsg returned RMSG_OK without an address"),
        ))
    }

    /// Parses the library's address text (`127.0.0.1:53`, `[::1]:53`,
    /// `/path`, `@abstract`).
    pub fn parse(text: &str) -> Result<Address> {
        let mut out = ptr::null_mut();
        // SAFETY: text is readable for its length; out is writable.
        let status = unsafe { ffi::rmsg_address_parse(text.as_ptr().cast(), text.len(), &mut out) };
        Address::adopt(status, out)
    }

    pub fn from_inet(inet: &rmsg_inet_address) -> Result<Address> {
        let mut out = ptr::null_mut();
        // SAFETY: inet is a valid struct; out is writable.
        let status = unsafe { ffi::rmsg_address_from_inet(inet, &mut out) };
        Address::adopt(status, out)
    }

    pub fn from_inet6(inet6: &rmsg_inet6_address) -> Result<Address> {
        let mut out = ptr::null_mut();
        // SAFETY: inet6 is a valid struct; out is writable.
        let status = unsafe { ffi::rmsg_address_from_inet6(inet6, &mut out) };
        Address::adopt(status, out)
    }

    pub fn from_unix_path(path: &[u8]) -> Result<Address> {
        let mut out = ptr::null_mut();
        // SAFETY: path is readable for its length; out is writable.
        let status =
            unsafe { ffi::rmsg_address_from_unix_path(path.as_ptr(), path.len(), &mut out) };
        Address::adopt(status, out)
    }

    /// An abstract name, given without its leading NUL.
    pub fn from_unix_abstract(name: &[u8]) -> Result<Address> {
        let mut out = ptr::null_mut();
        // SAFETY: name is readable for its length; out is writable.
        let status =
            unsafe { ffi::rmsg_address_from_unix_abstract(name.as_ptr(), name.len(), &mut out) };
        Address::adopt(status, out)
    }
}

impl std::ops::Deref for Address {
    type Target = rmsg_address;
    fn deref(&self) -> &rmsg_address {
        // SAFETY: the pointer is a live address owned by self.
        unsafe { self.0.as_ref() }
    }
}

impl Drop for Address {
    fn drop(&mut self) {
        // SAFETY: an owned address from rmsg, freed once.
        unsafe { ffi::rmsg_address_free(self.0.as_ptr()) }
    }
}

/// The address family (`AF_INET` ...).
pub fn family(address: &rmsg_address) -> c_int {
    // SAFETY: address is a live address.
    unsafe { ffi::rmsg_address_family(address) }
}

/// The raw `sockaddr` bytes of an address, to pass to `bind` or `connect`.
pub fn raw(address: &rmsg_address) -> &[u8] {
    let (mut bytes, mut len) = (ptr::null(), 0);
    // SAFETY: address is live; both outputs are writable.
    let status = unsafe { ffi::rmsg_address_raw(address, &mut bytes, &mut len) };
    check(status).expect("every address has raw bytes");
    // SAFETY: rmsg gives len readable bytes borrowed from the address.
    unsafe { std::slice::from_raw_parts(bytes, len) }
}

/// An address as the library writes it: `127.0.0.1:53`, `[::1]:53`, a
/// path, `@name` (the name's exact bytes), or the empty text for an unnamed
/// `AF_UNIX` address.
pub fn format(address: &rmsg_address) -> Vec<u8> {
    // Room for any address text and its NUL, so one call does (a text
    // longer than that is asked for again at its length).
    let mut buf = vec![0u8; ffi::RMSG_MAX_ADDRESS_TEXT + 1];
    let mut len = 0;
    loop {
        // SAFETY: address is live; buf is writable for its length.
        let status = unsafe {
            ffi::rmsg_address_format(address, buf.as_mut_ptr().cast(), buf.len(), &mut len)
        };
        match status {
            rmsg_status::RMSG_ERR_BUFFER_TOO_SMALL if len >= buf.len() => buf.resize(len + 1, 0),
            s => {
                check(s).expect("the buffer has room for the text and its NUL");
                buf.truncate(len);
                return buf;
            }
        }
    }
}

// ---------------------------------------------------------------- registry

/// One row of the library's registry of control-message kinds
/// (`rmsg_kind_info`): a `(cmsg_level, cmsg_type)` pair, its name, the
/// `rmsg_kind` of its accessor and the socket option that makes the
/// kernel send it. It dereferences to the C struct; its strings are
/// static.
#[derive(Clone, Copy)]
pub struct KindInfo(rmsg_kind_info);

impl std::ops::Deref for KindInfo {
    type Target = rmsg_kind_info;
    fn deref(&self) -> &rmsg_kind_info {
        &self.0
    }
}

/// One of the registry's static strings as text.
fn static_text(text: *const c_char) -> &'static str {
    // SAFETY: the registry's strings are static and NUL-terminated.
    let text = unsafe { CStr::from_ptr(text) };
    text.to_str().unwrap_or("")
}

impl KindInfo {
    /// The pair's name, as items are named: `"IPPROTO_IP/IP_TTL"`.
    #[cfg(test)]
    pub fn name(&self) -> &'static str {
        static_text(self.0.name)
    }

    /// The name of the option that enables it: `"IP_RECVTTL"`; `""` when
    /// no option does.
    pub fn option(&self) -> &'static str {
        static_text(self.0.option)
    }
}

/// The registry's row of `(level, cmsg_type)` (`rmsg_kind_info_find`), or
/// None when rmsg does not know the pair.
pub fn kind_info(level: c_int, cmsg_type: c_int) -> Option<KindInfo> {
    let mut info = MaybeUninit::uninit();
    // SAFETY: info is writable for one rmsg_kind_info.
    let status = unsafe { ffi::rmsg_kind_info_find(level, cmsg_type, info.as_mut_ptr()) };
    // SAFETY: on RMSG_OK rmsg wrote the whole struct.
    (status == rmsg_status::RMSG_OK).then(|| KindInfo(unsafe { info.assume_init() }))
}

/// Every row of the registry, in its order (`rmsg_kind_info_count`,
/// `rmsg_kind_info_get`).
#[cfg(test)]
pub fn kind_infos() -> impl Iterator<Item = KindInfo> {
    (0..ffi::rmsg_kind_info_count()).map(|index| {
        let mut info = MaybeUninit::uninit();
        // SAFETY: info is writable for one rmsg_kind_info.
        let status = unsafe { ffi::rmsg_kind_info_get(index, info.as_mut_ptr()) };
        check(status).expect("an index below the count has a row");
        // SAFETY: on RMSG_OK rmsg wrote the whole struct.
        KindInfo(unsafe { info.assume_init() })
    })
}

// ----------------------------------------------------------------- receive

/// How long one receive may wait.
#[derive(Debug, Clone, Copy)]
pub enum Wait {
    /// Return `RMSG_ERR_WOULD_BLOCK` at once when nothing is queued.
    NonBlocking,
    /// Wait at most this many nanoseconds (`RMSG_ERR_TIMED_OUT` after).
    Deadline(u64),
}

/// The control-buffer size for the receive options enabled on `fd`, plus
/// room for `max_fds` descriptors.
pub fn control_space_for_socket(fd: RawFd, max_fds: usize) -> Result<usize> {
    let mut space = 0;
    // SAFETY: space is writable.
    check(unsafe { ffi::rmsg_control_space_for_socket(fd, max_fds, &mut space) })?;
    Ok(space)
}

/// A receiver (`rmsg_receiver_*`): one message's memory, allocated once
/// and received into again and again, freed on drop.
pub struct Receiver(NonNull<ffi::rmsg_receiver>);

impl Receiver {
    /// A receiver of at most `bufsize` data bytes and `ancbufsize` control
    /// bytes per message.
    pub fn new(bufsize: usize, ancbufsize: usize) -> Result<Receiver> {
        let mut out = ptr::null_mut();
        // SAFETY: NULL options are the defaults; out is writable.
        check(unsafe { ffi::rmsg_receiver_new(bufsize, ancbufsize, ptr::null(), &mut out) })?;
        Ok(Receiver(
            NonNull::new(out).expect("rmsg returned RMSG_OK without a receiver"),
        ))
    }

    /// Receives one message on `fd` with `rmsg_receiver_recv_view`, `flags`
    /// for `recvmsg(2)`. The message is read through its view and lives
    /// until the next receive (which the borrow of `self` prevents while
    /// it is held).
    pub fn receive(&mut self, fd: RawFd, flags: c_int, wait: Wait) -> Result<Message<'_>> {
        let options = match wait {
            Wait::NonBlocking => ffi::rmsg_recv_options {
                wait: ffi::RMSG_WAIT_NONBLOCK,
                ..Default::default()
            },
            Wait::Deadline(ns) => ffi::rmsg_recv_options {
                wait: ffi::RMSG_WAIT_DEADLINE,
                timeout_ns: ns,
                ..Default::default()
            },
        };
        let mut view = ptr::null();
        // SAFETY: the receiver is live and used by this thread only;
        // options is read during the call; view is writable.
        let status = unsafe {
            ffi::rmsg_receiver_recv_view(
                self.0.as_ptr(),
                fd,
                flags,
                &options,
                size_of::<rmsg_view>(),
                &mut view,
            )
        };
        check(status)?;
        // SAFETY: on RMSG_OK rmsg wrote a view valid until the next receive
        // or the receiver's end, both after the borrow of self ends.
        Ok(unsafe { Message::from_view(view) })
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        // SAFETY: an owned receiver from rmsg, freed once; this closes the
        // descriptors its message still owns.
        unsafe { ffi::rmsg_receiver_free(self.0.as_ptr()) }
    }
}

/// A received message, read through its view (`rmsg_view`): its data,
/// length, flags and counts are fields, not calls. (The view's decoded
/// values are not used: the tool shows every item, and reading them from
/// the view saved nothing measurable over the accessors.) It borrows the
/// memory it was received into. On drop it closes the descriptors it still
/// owns, as freeing a message does (a receiver would close them only at
/// its next receive): the tool shows them and lets them go.
pub struct Message<'r> {
    /// A pointer rather than a reference: taking descriptors changes the
    /// view (its `fd_count`), so no reference to it outlives a read.
    view: NonNull<rmsg_view>,
    /// The exclusive borrow of the receiver (or message) that holds it.
    _holder: PhantomData<&'r mut ()>,
}

impl<'r> Message<'r> {
    /// # Safety
    /// `view` is a view from rmsg, valid (with its message) for `'r`, and
    /// nothing else reads or changes the message meanwhile.
    unsafe fn from_view(view: *const rmsg_view) -> Message<'r> {
        Message {
            view: NonNull::new(view.cast_mut()).expect("rmsg returned RMSG_OK without a view"),
            _holder: PhantomData,
        }
    }

    fn view(&self) -> &rmsg_view {
        // SAFETY: the view is live for 'r, and only rmsg's take functions
        // change it, which run in drop alone.
        unsafe { self.view.as_ref() }
    }

    fn raw(&self) -> *mut ffi::rmsg_message {
        self.view().message
    }

    /// The data bytes received.
    pub fn data(&self) -> &[u8] {
        let view = self.view();
        if view.data_len == 0 {
            return &[];
        }
        // SAFETY: the view gives data_len readable bytes borrowed from the
        // message.
        unsafe { std::slice::from_raw_parts(view.data, view.data_len) }
    }

    /// The byte count `recvmsg(2)` returned (with `MSG_TRUNC` asked for, a
    /// datagram's full length).
    pub fn nbytes(&self) -> usize {
        self.view().nbytes
    }

    /// `msg_flags` as the kernel returned them.
    pub fn flags(&self) -> c_int {
        self.view().flags
    }

    /// True when the walk over the control bytes stopped at a bad header.
    pub fn malformed(&self) -> bool {
        self.view().malformed
    }

    /// Number of control items.
    pub fn item_count(&self) -> usize {
        self.view().item_count
    }

    /// The source address, if the kernel returned one.
    pub fn address(&self) -> Option<&rmsg_address> {
        // SAFETY: the message is live; the address borrows from it.
        unsafe { ffi::rmsg_message_address(self.raw()).as_ref() }
    }

    /// What the message means if it came from the error queue
    /// (`rmsg_message_errqueue`); None when it holds no extended error.
    pub fn errqueue(&self) -> Option<rmsg_errqueue_info> {
        let mut info = MaybeUninit::<rmsg_errqueue_info>::uninit();
        // SAFETY: the message is live; info is writable for its size.
        let status = unsafe {
            ffi::rmsg_message_errqueue(
                self.raw(),
                size_of::<rmsg_errqueue_info>(),
                info.as_mut_ptr(),
            )
        };
        check(status).ok()?;
        // SAFETY: RMSG_OK wrote the whole struct.
        let info = unsafe { info.assume_init() };
        (info.kind != rmsg_errqueue_kind::RMSG_ERRQUEUE_NONE).then_some(info)
    }

    /// The control items, in the order the kernel wrote them.
    pub fn items(&self) -> impl Iterator<Item = &rmsg_item> {
        (0..self.item_count()).map(move |i| {
            // SAFETY: i is in range; the item borrows from the live message.
            unsafe { ffi::rmsg_message_item(self.raw(), i).as_ref() }
                .expect("an index below the item count has an item")
        })
    }
}

impl Drop for Message<'_> {
    fn drop(&mut self) {
        let (message, count) = (self.raw(), self.item_count());
        for index in 0..count {
            // SAFETY: index is in range; the message is live.
            let item = unsafe { ffi::rmsg_message_item(message, index) };
            // SAFETY: item is NULL or live (a NULL item has no descriptors).
            let carried = unsafe { ffi::rmsg_item_fd_count(item) };
            if carried == 0 {
                continue;
            }
            let mut fds: Vec<RawFd> = vec![-1; carried];
            let mut taken = 0;
            // SAFETY: the message is live and this wrapper the only user of
            // it; fds is writable for its length; taken is writable.
            let status = unsafe {
                ffi::rmsg_message_take_item_fds(
                    message,
                    index,
                    fds.as_mut_ptr(),
                    fds.len(),
                    &mut taken,
                )
            };
            if status == rmsg_status::RMSG_OK {
                for &fd in &fds[..taken] {
                    // SAFETY: rmsg handed this descriptor over: it is ours
                    // alone, closed once here.
                    drop(unsafe { OwnedFd::from_raw_fd(fd) });
                }
            }
        }
    }
}

/// A message made from a datagram's pieces (`rmsg_message_from_recvmsg`),
/// owned and freed on drop: messages with control bytes a socket would not
/// deliver, for the tests of what the tool shows.
#[cfg(test)]
pub struct Made(NonNull<ffi::rmsg_message>);

#[cfg(test)]
impl Made {
    /// A message of `data` with the control bytes `control` (aligned as a
    /// kernel's control buffer is) and `flags`, from no address.
    pub fn new(data: &[u8], control: &[u64], control_len: usize, flags: c_int) -> Result<Made> {
        assert!(control_len <= size_of_val(control));
        let parts = ffi::rmsg_recvmsg_parts {
            data: data.as_ptr(),
            data_len: data.len(),
            nbytes: data.len(),
            name: ptr::null(),
            name_size: 0,
            name_len: 0,
            control: control.as_ptr().cast(),
            control_len,
            msg_flags: flags,
        };
        let mut out = ptr::null_mut();
        // SAFETY: parts and the memory it points at are readable during the
        // call; out is writable.
        check(unsafe { ffi::rmsg_message_from_recvmsg(&parts, 0, &mut out) })?;
        Ok(Made(
            NonNull::new(out).expect("rmsg returned RMSG_OK without a message"),
        ))
    }

    /// The message, read through its view (`rmsg_message_view`).
    pub fn message(&mut self) -> Message<'_> {
        let mut view = ptr::null();
        // SAFETY: the message is live; view is writable.
        let status =
            unsafe { ffi::rmsg_message_view(self.0.as_ptr(), size_of::<rmsg_view>(), &mut view) };
        check(status).expect("every message has a view");
        // SAFETY: the view lives with the message, which outlives the
        // borrow of self.
        unsafe { Message::from_view(view) }
    }
}

#[cfg(test)]
impl Drop for Made {
    fn drop(&mut self) {
        // SAFETY: an owned message from rmsg, freed once.
        unsafe { ffi::rmsg_message_free(self.0.as_ptr()) }
    }
}

// ------------------------------------------------------------------- items

pub fn item_kind(item: &rmsg_item) -> rmsg_kind {
    // SAFETY: item is live.
    unsafe { ffi::rmsg_item_kind(item) }
}

/// The item's symbolic name, `"IPPROTO_IP/IP_TTL"`.
pub fn item_name(item: &rmsg_item) -> &'static str {
    // SAFETY: rmsg_item_name returns a static NUL-terminated string.
    let name = unsafe { CStr::from_ptr(ffi::rmsg_item_name(item)) };
    name.to_str().unwrap_or("unknown/unknown")
}

pub fn item_level(item: &rmsg_item) -> c_int {
    // SAFETY: item is live.
    unsafe { ffi::rmsg_item_level(item) }
}

pub fn item_type(item: &rmsg_item) -> c_int {
    // SAFETY: item is live.
    unsafe { ffi::rmsg_item_type(item) }
}

pub fn item_truncated(item: &rmsg_item) -> bool {
    // SAFETY: item is live.
    unsafe { ffi::rmsg_item_truncated(item) }
}

/// The item's data bytes, as the kernel wrote them.
pub fn item_data(item: &rmsg_item) -> &[u8] {
    // SAFETY: item is live.
    let (data, len) = unsafe { (ffi::rmsg_item_data(item), ffi::rmsg_item_data_len(item)) };
    if len == 0 {
        return &[];
    }
    // SAFETY: rmsg gives len readable bytes borrowed from the item's message.
    unsafe { std::slice::from_raw_parts(data, len) }
}

/// The descriptor numbers an `SCM_RIGHTS` item carries (still owned by
/// the message: it closes them when freed).
pub fn item_fds(item: &rmsg_item) -> Vec<RawFd> {
    // SAFETY: item is live.
    let count = unsafe { ffi::rmsg_item_fd_count(item) };
    // SAFETY: item is live; n below the count.
    (0..count)
        .map(|n| unsafe { ffi::rmsg_item_fd(item, n) })
        .collect()
}

/// A typed decoder of the library (`rmsg_item_ip_ttl` ...).
pub type Decoder<T> = unsafe extern "C" fn(*const rmsg_item, *mut T) -> rmsg_status;

/// Runs a typed decoder on an item.
pub fn decode<T: Default>(item: &rmsg_item, decoder: Decoder<T>) -> Result<T> {
    let mut out = T::default();
    // SAFETY: item is live; out is writable for one T, the decoder's type.
    check(unsafe { decoder(item, &mut out) })?;
    Ok(out)
}

/// An accessor of the library that hands out an item's payload as bytes
/// (`rmsg_item_security` ...).
pub type PayloadAccessor =
    unsafe extern "C" fn(*const rmsg_item, *mut *const u8, *mut usize) -> rmsg_status;

/// Runs a payload accessor on an item.
pub fn payload(item: &rmsg_item, accessor: PayloadAccessor) -> Result<&[u8]> {
    let (mut bytes, mut len) = (ptr::null(), 0);
    // SAFETY: item is live; both outputs are writable.
    check(unsafe { accessor(item, &mut bytes, &mut len) })?;
    if len == 0 {
        return Ok(&[]);
    }
    // SAFETY: rmsg gives len readable bytes borrowed from the item.
    Ok(unsafe { std::slice::from_raw_parts(bytes, len) })
}

// -------------------------------------------------------------------- send

/// A control-message builder, freed on drop. It never owns the
/// descriptors added to it.
pub struct Builder(NonNull<ffi::rmsg_cmsg_builder>);

impl Builder {
    pub fn new() -> Result<Builder> {
        let mut out = ptr::null_mut();
        // SAFETY: out is writable.
        check(unsafe { ffi::rmsg_cmsg_builder_new(&mut out) })?;
        Ok(Builder(
            NonNull::new(out).expect("rmsg returned RMSG_OK without a builder"),
        ))
    }

    fn raw(&mut self) -> *mut ffi::rmsg_cmsg_builder {
        self.0.as_ptr()
    }

    pub fn add_fds(&mut self, fds: &[RawFd]) -> Result<()> {
        // SAFETY: the builder is live; fds is readable for its length.
        check(unsafe { ffi::rmsg_cmsg_builder_add_fds(self.raw(), fds.as_ptr(), fds.len()) })
    }

    pub fn add_credentials(&mut self, pid: i32, uid: u32, gid: u32) -> Result<()> {
        // SAFETY: the builder is live.
        check(unsafe { ffi::rmsg_cmsg_builder_add_credentials(self.raw(), pid, uid, gid) })
    }

    pub fn add_ip_ttl(&mut self, ttl: c_int) -> Result<()> {
        // SAFETY: the builder is live.
        check(unsafe { ffi::rmsg_cmsg_builder_add_ip_ttl(self.raw(), ttl) })
    }

    pub fn add_ip_tos(&mut self, tos: c_int) -> Result<()> {
        // SAFETY: the builder is live.
        check(unsafe { ffi::rmsg_cmsg_builder_add_ip_tos(self.raw(), tos) })
    }

    pub fn add_ipv6_hoplimit(&mut self, hoplimit: c_int) -> Result<()> {
        // SAFETY: the builder is live.
        check(unsafe { ffi::rmsg_cmsg_builder_add_ipv6_hoplimit(self.raw(), hoplimit) })
    }

    pub fn add_ipv6_tclass(&mut self, tclass: c_int) -> Result<()> {
        // SAFETY: the builder is live.
        check(unsafe { ffi::rmsg_cmsg_builder_add_ipv6_tclass(self.raw(), tclass) })
    }
}

impl Drop for Builder {
    fn drop(&mut self) {
        // SAFETY: an owned builder from rmsg, freed once.
        unsafe { ffi::rmsg_cmsg_builder_free(self.0.as_ptr()) }
    }
}

/// Sends `data` on `fd` with `rmsg_sendmsg`, with the builder's control
/// messages, to `to` (None on a connected socket). Returns the bytes sent.
pub fn send(fd: RawFd, data: &[u8], control: &Builder, to: Option<&rmsg_address>) -> Result<usize> {
    let iov = [ffi::rmsg_iovec {
        // rmsg only reads send buffers; the pointer is mutable only because
        // the struct is shared with the receive side.
        base: data.as_ptr().cast_mut(),
        len: data.len(),
    }];
    let (buffers, count) = if data.is_empty() {
        (ptr::null(), 0)
    } else {
        (iov.as_ptr(), 1)
    };
    let to = to.map_or(ptr::null(), |a| a as *const rmsg_address);
    let mut sent = 0;
    // SAFETY: buffers is readable for count entries (data outlives the
    // call); the builder and address are live or NULL; sent is writable.
    let status = unsafe {
        ffi::rmsg_sendmsg(
            fd,
            buffers,
            count,
            control.0.as_ptr(),
            to,
            0,
            ptr::null(),
            &mut sent,
        )
    };
    check(status)?;
    Ok(sent)
}

// ---------------------------------------------------------------- the error queue

/// A static name from one of the errqueue name functions.
fn static_name(p: *const c_char) -> &'static str {
    // SAFETY: the name functions return static NUL-terminated ASCII.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap_or("unknown")
}

/// `rmsg_errqueue_kind_name`.
pub fn errqueue_kind_name(v: u32) -> &'static str {
    static_name(ffi::rmsg_errqueue_kind_name(v))
}

/// `rmsg_icmp_reason_name`.
pub fn icmp_reason_name(v: u32) -> &'static str {
    static_name(ffi::rmsg_icmp_reason_name(v))
}

/// `rmsg_tstamp_type_name`.
pub fn tstamp_type_name(v: u32) -> &'static str {
    static_name(ffi::rmsg_tstamp_type_name(v))
}

/// `rmsg_txtime_error_name`.
pub fn txtime_error_name(v: u32) -> &'static str {
    static_name(ffi::rmsg_txtime_error_name(v))
}
