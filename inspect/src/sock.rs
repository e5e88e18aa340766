//! The socket calls rmsg does not make for the tool: socket, bind, listen,
//! accept, connect, getsockname, setsockopt, poll; and what a received
//! descriptor is (fstat, /proc/self/fd). Descriptors are `OwnedFd`, so
//! every one is closed when dropped.

use std::ffi::c_int;
use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Instant;

use crate::api::{self, Address};

fn os_result(ret: c_int) -> io::Result<c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// A new close-on-exec socket.
pub fn socket(family: c_int, sock_type: c_int) -> io::Result<OwnedFd> {
    // SAFETY: plain system call with integer arguments.
    let fd = os_result(unsafe { libc::socket(family, sock_type | libc::SOCK_CLOEXEC, 0) })?;
    // SAFETY: fd is a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn sockaddr_len(raw: &[u8]) -> libc::socklen_t {
    libc::socklen_t::try_from(raw.len()).expect("a sockaddr fits in socklen_t")
}

pub fn bind(fd: &OwnedFd, address: &api::rmsg_address) -> io::Result<()> {
    let raw = api::raw(address);
    // SAFETY: raw is a sockaddr of raw.len() readable bytes.
    os_result(unsafe { libc::bind(fd.as_raw_fd(), raw.as_ptr().cast(), sockaddr_len(raw)) })?;
    Ok(())
}

pub fn connect(fd: &OwnedFd, address: &api::rmsg_address) -> io::Result<()> {
    let raw = api::raw(address);
    loop {
        // SAFETY: raw is a sockaddr of raw.len() readable bytes.
        let ret = unsafe { libc::connect(fd.as_raw_fd(), raw.as_ptr().cast(), sockaddr_len(raw)) };
        match os_result(ret) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r.map(drop),
        }
    }
}

pub fn listen(fd: &OwnedFd) -> io::Result<()> {
    // SAFETY: plain system call with integer arguments.
    os_result(unsafe { libc::listen(fd.as_raw_fd(), 16) })?;
    Ok(())
}

/// Accepts one connection (close-on-exec).
pub fn accept(fd: &OwnedFd) -> io::Result<OwnedFd> {
    loop {
        // SAFETY: NULL address pointers: the peer's address is not wanted.
        let ret = unsafe {
            libc::accept4(
                fd.as_raw_fd(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                libc::SOCK_CLOEXEC,
            )
        };
        match os_result(ret) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // SAFETY: a new descriptor that nothing else owns.
            r => return r.map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }),
        }
    }
}

/// Sets an `int` socket option.
pub fn set_int(fd: RawFd, level: c_int, name: c_int, value: c_int) -> io::Result<()> {
    // SAFETY: value is a readable int of the length passed.
    let ret = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const c_int).cast(),
            size_of::<c_int>() as libc::socklen_t,
        )
    };
    os_result(ret).map(drop)
}

/// Reads an `int` socket option.
pub fn get_int(fd: RawFd, level: c_int, name: c_int) -> io::Result<c_int> {
    let mut value: c_int = 0;
    let mut len = size_of::<c_int>() as libc::socklen_t;
    // SAFETY: value is writable for len bytes; len is writable.
    let ret =
        unsafe { libc::getsockopt(fd, level, name, (&mut value as *mut c_int).cast(), &mut len) };
    os_result(ret).map(|_| value)
}

/// Which side of a socket `name_of` reads.
#[derive(Clone, Copy)]
pub enum Side {
    Local,
    Peer,
}

/// The socket's own address (`getsockname`) or its peer's (`getpeername`)
/// as an rmsg address, or None when it has none the library can build
/// (an unnamed `AF_UNIX` socket, another family).
pub fn name_of(fd: RawFd, side: Side) -> io::Result<Option<Address>> {
    // SAFETY: an all-zero sockaddr_storage is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { zeroed() };
    let mut len = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let ptr = (&mut storage as *mut libc::sockaddr_storage).cast();
    // SAFETY: storage is writable for len bytes; len is writable.
    let ret = unsafe {
        match side {
            Side::Local => libc::getsockname(fd, ptr, &mut len),
            Side::Peer => libc::getpeername(fd, ptr, &mut len),
        }
    };
    os_result(ret)?;
    let len = (len as usize).min(size_of::<libc::sockaddr_storage>());
    // SAFETY: storage holds len initialised bytes (all of it is initialised).
    let bytes = unsafe {
        std::slice::from_raw_parts(
            (&storage as *const libc::sockaddr_storage).cast::<u8>(),
            len,
        )
    };
    Ok(address_from_sockaddr(bytes))
}

/// Builds an rmsg address from the bytes of a `sockaddr` that the kernel
/// wrote. rmsg builds addresses from text or from parts only, so the parts
/// are read here.
fn address_from_sockaddr(bytes: &[u8]) -> Option<Address> {
    let family = c_int::from(u16::from_ne_bytes(bytes.get(..2)?.try_into().ok()?));
    let built = match family {
        libc::AF_INET if bytes.len() >= size_of::<libc::sockaddr_in>() => {
            let port = u16::from_be_bytes(bytes[2..4].try_into().ok()?);
            let addr = bytes[4..8].try_into().ok()?;
            Address::from_inet(&api::rmsg_inet_address { addr, port })
        }
        libc::AF_INET6 if bytes.len() >= size_of::<libc::sockaddr_in6>() => {
            let port = u16::from_be_bytes(bytes[2..4].try_into().ok()?);
            let flowinfo = u32::from_be_bytes(bytes[4..8].try_into().ok()?);
            let addr = bytes[8..24].try_into().ok()?;
            let scope_id = u32::from_ne_bytes(bytes[24..28].try_into().ok()?);
            Address::from_inet6(&api::rmsg_inet6_address {
                addr,
                port,
                flowinfo,
                scope_id,
            })
        }
        libc::AF_UNIX => {
            let name = &bytes[2..];
            match name.first() {
                None => return None,
                Some(0) => Address::from_unix_abstract(&name[1..]),
                Some(_) => {
                    let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
                    Address::from_unix_path(&name[..end])
                }
            }
        }
        _ => return None,
    };
    built.ok()
}

/// Waits until `fd` is readable or has an error queued, or `deadline`
/// passes (None: no limit). Returns the `poll` events, or 0 on timeout.
pub fn wait(fd: RawFd, deadline: Option<Instant>) -> io::Result<i16> {
    loop {
        let timeout_ms = match deadline {
            None => -1,
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                // Round up so that a wait does not end just before the deadline.
                c_int::try_from(left.as_micros().div_ceil(1000)).unwrap_or(c_int::MAX)
            }
        };
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: pfd is one writable pollfd.
        match os_result(unsafe { libc::poll(&mut pfd, 1, timeout_ms) }) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
            Ok(0) if deadline.is_some_and(|d| Instant::now() < d) => continue,
            Ok(0) => return Ok(0),
            Ok(_) => return Ok(pfd.revents),
        }
    }
}

/// What a descriptor is: its type from `fstat` and the target of its
/// `/proc/self/fd` link (a path, `socket:[N]`, `anon_inode:[pidfd]` ...).
pub struct FdInfo {
    pub fd: RawFd,
    pub kind: &'static str,
    pub target: Option<String>,
}

pub fn describe_fd(fd: RawFd) -> FdInfo {
    // SAFETY: an all-zero stat is a valid value.
    let mut st: libc::stat = unsafe { zeroed() };
    // SAFETY: st is writable; fd is a number (fstat fails cleanly on a bad one).
    let kind = if unsafe { libc::fstat(fd, &mut st) } < 0 {
        "unknown"
    } else {
        match st.st_mode & libc::S_IFMT {
            libc::S_IFREG => "regular file",
            libc::S_IFDIR => "directory",
            libc::S_IFCHR => "character device",
            libc::S_IFBLK => "block device",
            libc::S_IFIFO => "fifo",
            libc::S_IFSOCK => "socket",
            libc::S_IFLNK => "symlink",
            // Anonymous inodes (eventfd, pidfd, epoll ...) have no type bits.
            _ => "anonymous inode",
        }
    };
    let target = std::fs::read_link(format!("/proc/self/fd/{fd}"))
        .ok()
        .map(|p| p.to_string_lossy().into_owned());
    FdInfo { fd, kind, target }
}

/// The process a pidfd refers to, from `/proc/self/fdinfo` (its `Pid:`
/// line; -1 once the process has exited).
pub fn pidfd_pid(fd: RawFd) -> Option<i64> {
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{fd}")).ok()?;
    info.lines()
        .find_map(|l| l.strip_prefix("Pid:"))
        .and_then(|v| v.trim().parse().ok())
}

/// The name of an interface (`lo`), if `ifindex` is one.
pub fn interface_name(ifindex: u32) -> Option<String> {
    if ifindex == 0 {
        return None;
    }
    let mut buf = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: buf has the IF_NAMESIZE bytes if_indextoname may write.
    let ret = unsafe { libc::if_indextoname(ifindex, buf.as_mut_ptr()) };
    if ret.is_null() {
        return None;
    }
    // SAFETY: on success buf holds a NUL-terminated name.
    let name = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) };
    Some(name.to_string_lossy().into_owned())
}
