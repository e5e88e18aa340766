//! Socket addresses as the kernel returned them (or as rmsg built them),
//! their decoding, and the C structs that carry decoded IP addresses.

use std::ffi::c_int;
use std::mem::{offset_of, size_of};

use crate::ptr::{self, Plain};
use crate::status::{Error, Result, rmsg_status};

/// A socket address (opaque to C): the raw `sockaddr` bytes and their
/// length. Borrow one from a message with `rmsg_message_address` (the
/// message frees it), or build an owned one with `rmsg_address_parse`,
/// `rmsg_address_from_*` or `rmsg_address_copy` (free it with
/// `rmsg_address_free`); read it with the `rmsg_address_*` functions.
///
/// Threads: an owned address may move between threads, and several threads
/// may read one at once (every function but `rmsg_address_free` takes it
/// `const`; `rmsg_sendmsg` and `rmsg_sendmmsg` only read it). An address
/// borrowed from a message is part of the message.
#[derive(Clone, Copy)]
pub struct rmsg_address {
    storage: libc::sockaddr_storage,
    len: usize,
}

/// What kind of address an `rmsg_address` holds.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum rmsg_addr_kind {
    /// `AF_UNIX` bound to a filesystem path.
    RMSG_ADDRESS_UNIX_PATH = 1,
    /// `AF_UNIX` in the Linux abstract namespace (the name starts with a NUL).
    RMSG_ADDRESS_UNIX_ABSTRACT = 2,
    /// `AF_UNIX` with no name (an unbound or `socketpair` peer).
    RMSG_ADDRESS_UNIX_UNNAMED = 3,
    /// `AF_INET`: address and port.
    RMSG_ADDRESS_INET = 4,
    /// `AF_INET6`: address, port, flow information and scope id.
    RMSG_ADDRESS_INET6 = 5,
    /// Any other family: the family number and the raw bytes.
    RMSG_ADDRESS_OTHER = 6,
    /// `AF_PACKET` (`struct sockaddr_ll`): interface, protocol, hardware
    /// type, packet type and hardware address (`rmsg_address_packet`).
    /// Before version 0.2 these came back as `RMSG_ADDRESS_OTHER`.
    RMSG_ADDRESS_PACKET = 7,
    /// `AF_NETLINK` (`struct sockaddr_nl`): port id and multicast groups
    /// (`rmsg_address_netlink`). Before version 0.2: `RMSG_ADDRESS_OTHER`.
    RMSG_ADDRESS_NETLINK = 8,
    /// `AF_VSOCK` (`struct sockaddr_vm`): context id and port
    /// (`rmsg_address_vsock`). Before version 0.2: `RMSG_ADDRESS_OTHER`.
    RMSG_ADDRESS_VSOCK = 9,
}

/// An IPv4 address and port, decoded.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct rmsg_inet_address {
    /// The address in network byte order (`addr[0]` is the first octet).
    pub addr: [u8; 4],
    /// The port in host byte order.
    pub port: u16,
}

/// An IPv6 address with port, flow information and scope id, decoded.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct rmsg_inet6_address {
    /// The address in network byte order.
    pub addr: [u8; 16],
    /// The port in host byte order.
    pub port: u16,
    /// `sin6_flowinfo` in host byte order.
    pub flowinfo: u32,
    /// `sin6_scope_id` (an interface index for link-local addresses).
    pub scope_id: u32,
}

/// An `AF_PACKET` address (`struct sockaddr_ll`), decoded.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct rmsg_packet_address {
    /// `sll_ifindex`: the interface index (0: any interface, when binding).
    pub ifindex: i32,
    /// `sll_protocol` in host byte order: the Ethernet protocol number
    /// (`ETH_P_IP` is 0x0800, `ETH_P_ALL` 0x0003).
    pub protocol: u16,
    /// `sll_hatype`: the ARP hardware type (`ARPHRD_ETHER` 1,
    /// `ARPHRD_LOOPBACK` 772). Set by the kernel on receive; ignored on send.
    pub hatype: u16,
    /// `sll_pkttype`: `PACKET_HOST` 0, `PACKET_BROADCAST` 1,
    /// `PACKET_MULTICAST` 2, `PACKET_OTHERHOST` 3, `PACKET_OUTGOING` 4. Set
    /// by the kernel on receive; ignored on send.
    pub pkttype: u8,
    /// `sll_halen`: how many bytes of `addr` are the hardware address (0 to
    /// 8).
    pub halen: u8,
    /// `sll_addr`: the hardware address in its first `halen` bytes, the
    /// rest zero.
    pub addr: [u8; 8],
}

/// An `AF_NETLINK` address (`struct sockaddr_nl`), decoded.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct rmsg_netlink_address {
    /// `nl_pid`: the port id (0 is the kernel).
    pub pid: u32,
    /// `nl_groups`: the bitmask of multicast groups (groups 1 to 32).
    pub groups: u32,
}

/// An `AF_VSOCK` address (`struct sockaddr_vm`), decoded.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct rmsg_vsock_address {
    /// `svm_cid`: the context id (`VMADDR_CID_HOST` 2, `VMADDR_CID_LOCAL`
    /// 1, `VMADDR_CID_ANY` 0xffffffff).
    pub cid: u32,
    /// `svm_port`: the port (`VMADDR_PORT_ANY` 0xffffffff).
    pub port: u32,
    /// `svm_flags` (`VMADDR_FLAG_TO_HOST` 1), 0 normally.
    pub flags: u8,
}

/// A decoded address, borrowing from an [`rmsg_address`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// Path bytes up to (not including) the first NUL.
    UnixPath(&'a [u8]),
    /// The exact name bytes the kernel returned, starting with the NUL.
    UnixAbstract(&'a [u8]),
    UnixUnnamed,
    Inet(rmsg_inet_address),
    Inet6(rmsg_inet6_address),
    Packet(rmsg_packet_address),
    Netlink(rmsg_netlink_address),
    Vsock(rmsg_vsock_address),
    Other {
        family: c_int,
        bytes: &'a [u8],
    },
}

/// The two decoded IP address structs, each read from its `sockaddr`.
pub(crate) trait InetSockaddr: Sized {
    /// The size of the `sockaddr_in` or `sockaddr_in6` it is read from.
    const SOCKADDR_LEN: usize;

    /// Decodes the `sockaddr` at the start of `bytes` (any alignment);
    /// `None` when the bytes are too short or of another family.
    fn from_sockaddr(bytes: &[u8]) -> Option<Self>;
}

impl InetSockaddr for rmsg_inet_address {
    const SOCKADDR_LEN: usize = size_of::<libc::sockaddr_in>();

    fn from_sockaddr(bytes: &[u8]) -> Option<rmsg_inet_address> {
        let sin = ptr::read_plain::<libc::sockaddr_in>(bytes)?;
        (c_int::from(sin.sin_family) == libc::AF_INET).then(|| rmsg_inet_address {
            addr: sin.sin_addr.s_addr.to_ne_bytes(),
            port: u16::from_be(sin.sin_port),
        })
    }
}

impl InetSockaddr for rmsg_inet6_address {
    const SOCKADDR_LEN: usize = size_of::<libc::sockaddr_in6>();

    fn from_sockaddr(bytes: &[u8]) -> Option<rmsg_inet6_address> {
        let sin6 = ptr::read_plain::<libc::sockaddr_in6>(bytes)?;
        (c_int::from(sin6.sin6_family) == libc::AF_INET6).then(|| rmsg_inet6_address {
            addr: sin6.sin6_addr.s6_addr,
            port: u16::from_be(sin6.sin6_port),
            flowinfo: u32::from_be(sin6.sin6_flowinfo),
            scope_id: sin6.sin6_scope_id,
        })
    }
}

/// Decodes a `sockaddr_ll`. An address may be shorter than the struct
/// (older kernels returned `offsetof(sll_addr) + sll_halen` bytes); the
/// hardware address is what of `sll_addr` is there, up to `sll_halen`.
fn decode_packet(bytes: &[u8]) -> Option<rmsg_packet_address> {
    use libc::sockaddr_ll as ll;
    let off = offset_of!(ll, sll_addr);
    if bytes.len() < off {
        return None;
    }
    // The bytes there are, the missing end of sll_addr as zeros.
    let mut whole = [0u8; size_of::<ll>()];
    let have = bytes.len().min(whole.len());
    whole[..have].copy_from_slice(&bytes[..have]);
    let sll = ptr::read_plain::<ll>(&whole)?;
    let mut addr = sll.sll_addr;
    let halen = usize::from(sll.sll_halen).min(addr.len());
    addr[halen..].fill(0);
    Some(rmsg_packet_address {
        ifindex: sll.sll_ifindex,
        protocol: u16::from_be(sll.sll_protocol),
        hatype: sll.sll_hatype,
        pkttype: sll.sll_pkttype,
        halen: sll.sll_halen,
        addr,
    })
}

/// Decodes a `sockaddr_nl` (all 12 bytes needed).
fn decode_netlink(bytes: &[u8]) -> Option<rmsg_netlink_address> {
    let nl = ptr::read_plain::<libc::sockaddr_nl>(bytes)?;
    Some(rmsg_netlink_address {
        pid: nl.nl_pid,
        groups: nl.nl_groups,
    })
}

/// Decodes a `sockaddr_vm` (all 16 bytes needed). `svm_flags` is the
/// first byte of what `libc` calls `svm_zero`.
fn decode_vsock(bytes: &[u8]) -> Option<rmsg_vsock_address> {
    let vm = ptr::read_plain::<libc::sockaddr_vm>(bytes)?;
    Some(rmsg_vsock_address {
        cid: vm.svm_cid,
        port: vm.svm_port,
        flags: vm.svm_zero[0],
    })
}

fn wrong_family() -> Error {
    Error::new(rmsg_status::RMSG_ERR_WRONG_FAMILY)
}

impl rmsg_address {
    /// Room for any address: what to pass to the kernel as `msg_name`.
    pub(crate) fn empty() -> rmsg_address {
        rmsg_address {
            // SAFETY: sockaddr_storage is plain data; all-zero is valid.
            storage: unsafe { std::mem::zeroed() },
            len: 0,
        }
    }

    /// Builds an address from raw `sockaddr` bytes (at most
    /// `sizeof(struct sockaddr_storage)`).
    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<rmsg_address> {
        if bytes.len() > size_of::<libc::sockaddr_storage>() {
            return None;
        }
        let mut raw = [0u8; size_of::<libc::sockaddr_storage>()];
        raw[..bytes.len()].copy_from_slice(bytes);
        Some(rmsg_address {
            storage: ptr::read_plain(&raw)?,
            len: bytes.len(),
        })
    }

    /// The address held by a `sockaddr_*` struct, all of its bytes.
    pub(crate) fn from_plain<T: Plain>(sockaddr: &T) -> rmsg_address {
        rmsg_address::from_bytes(ptr::bytes_of(sockaddr))
            .expect("every sockaddr fits in sockaddr_storage")
    }

    /// Pointer and capacity to hand to the kernel.
    pub(crate) fn as_mut_ptr(&mut self) -> *mut libc::sockaddr_storage {
        &mut self.storage
    }

    /// Sets the length of the raw bytes the kernel wrote, which a receive
    /// path has already clamped to the name buffer (at most
    /// `sizeof(struct sockaddr_storage)`; debug builds check).
    #[inline(always)]
    pub(crate) fn set_len_within(&mut self, len: usize) {
        debug_assert!(len <= size_of::<libc::sockaddr_storage>());
        self.len = len;
    }

    /// Length of the raw bytes.
    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Where the raw bytes start (aligned for `sockaddr_storage`).
    #[inline(always)]
    pub(crate) fn as_ptr(&self) -> *const u8 {
        (&raw const self.storage).cast()
    }

    /// The raw bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        &ptr::bytes_of(&self.storage)[..self.len]
    }

    /// The address family, or `AF_UNSPEC` if too short to hold one.
    pub(crate) fn family(&self) -> c_int {
        if self.len < offset_of!(libc::sockaddr, sa_family) + size_of::<libc::sa_family_t>() {
            return libc::AF_UNSPEC;
        }
        c_int::from(self.storage.ss_family)
    }

    /// Decodes the address by family. A recognised family whose length is
    /// too short for its structure falls back to `Other`.
    pub(crate) fn decode(&self) -> Decoded<'_> {
        let bytes = self.bytes();
        let family = self.family();
        let other = Decoded::Other { family, bytes };
        match family {
            libc::AF_UNIX => {
                let path_off = offset_of!(libc::sockaddr_un, sun_path);
                let path = bytes.get(path_off..).unwrap_or(&[]);
                if path.is_empty() {
                    Decoded::UnixUnnamed
                } else if path[0] == 0 {
                    if cfg!(any(target_os = "linux", target_os = "android")) {
                        Decoded::UnixAbstract(path)
                    } else {
                        Decoded::UnixUnnamed
                    }
                } else {
                    let end = path.iter().position(|b| *b == 0).unwrap_or(path.len());
                    Decoded::UnixPath(&path[..end])
                }
            }
            libc::AF_INET => rmsg_inet_address::from_sockaddr(bytes).map_or(other, Decoded::Inet),
            libc::AF_INET6 => {
                rmsg_inet6_address::from_sockaddr(bytes).map_or(other, Decoded::Inet6)
            }
            libc::AF_PACKET => decode_packet(bytes).map_or(other, Decoded::Packet),
            libc::AF_NETLINK => decode_netlink(bytes).map_or(other, Decoded::Netlink),
            libc::AF_VSOCK => decode_vsock(bytes).map_or(other, Decoded::Vsock),
            _ => other,
        }
    }

    /// The address as an IPv4 or IPv6 struct (as [`Self::decode`] reads
    /// it); `RMSG_ERR_WRONG_FAMILY` for any other family or a length too
    /// short for the struct.
    pub(crate) fn inet<A: InetSockaddr>(&self) -> Result<A> {
        A::from_sockaddr(self.bytes()).ok_or_else(wrong_family)
    }

    /// The address as an `AF_PACKET` struct; `RMSG_ERR_WRONG_FAMILY` for
    /// another family or a length too short for it.
    pub(crate) fn packet(&self) -> Result<rmsg_packet_address> {
        match self.decode() {
            Decoded::Packet(p) => Ok(p),
            _ => Err(wrong_family()),
        }
    }

    /// The address as an `AF_NETLINK` struct; `RMSG_ERR_WRONG_FAMILY`
    /// otherwise.
    pub(crate) fn netlink(&self) -> Result<rmsg_netlink_address> {
        match self.decode() {
            Decoded::Netlink(n) => Ok(n),
            _ => Err(wrong_family()),
        }
    }

    /// The address as an `AF_VSOCK` struct; `RMSG_ERR_WRONG_FAMILY`
    /// otherwise.
    pub(crate) fn vsock(&self) -> Result<rmsg_vsock_address> {
        match self.decode() {
            Decoded::Vsock(v) => Ok(v),
            _ => Err(wrong_family()),
        }
    }

    /// The name of an `AF_UNIX` address: the path without its NUL, the
    /// abstract name with its leading NUL, or empty for an unnamed one;
    /// `RMSG_ERR_WRONG_FAMILY` for other families.
    pub(crate) fn unix_name(&self) -> Result<&[u8]> {
        match self.decode() {
            Decoded::UnixPath(p) | Decoded::UnixAbstract(p) => Ok(p),
            Decoded::UnixUnnamed => Ok(&[]),
            _ => Err(wrong_family()),
        }
    }

    /// The kind of [`Self::decode`]'s result.
    pub(crate) fn kind(&self) -> rmsg_addr_kind {
        use rmsg_addr_kind::*;
        match self.decode() {
            Decoded::UnixPath(_) => RMSG_ADDRESS_UNIX_PATH,
            Decoded::UnixAbstract(_) => RMSG_ADDRESS_UNIX_ABSTRACT,
            Decoded::UnixUnnamed => RMSG_ADDRESS_UNIX_UNNAMED,
            Decoded::Inet(_) => RMSG_ADDRESS_INET,
            Decoded::Inet6(_) => RMSG_ADDRESS_INET6,
            Decoded::Packet(_) => RMSG_ADDRESS_PACKET,
            Decoded::Netlink(_) => RMSG_ADDRESS_NETLINK,
            Decoded::Vsock(_) => RMSG_ADDRESS_VSOCK,
            Decoded::Other { .. } => RMSG_ADDRESS_OTHER,
        }
    }
}

impl std::fmt::Debug for rmsg_address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.decode())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unix(path: &[u8], extra_len: usize) -> rmsg_address {
        // SAFETY: plain data.
        let mut sun: libc::sockaddr_un = unsafe { std::mem::zeroed() };
        sun.sun_family = libc::AF_UNIX as libc::sa_family_t;
        for (d, s) in sun.sun_path.iter_mut().zip(path) {
            *d = *s as libc::c_char;
        }
        let len = offset_of!(libc::sockaddr_un, sun_path) + path.len() + extra_len;
        rmsg_address::from_bytes(&ptr::bytes_of(&sun)[..len]).unwrap()
    }

    #[test]
    fn unix_kinds() {
        assert_eq!(unix(b"/tmp/x", 1).decode(), Decoded::UnixPath(b"/tmp/x"));
        assert_eq!(unix(b"\0abs", 0).decode(), Decoded::UnixAbstract(b"\0abs"));
        assert_eq!(unix(b"", 0).decode(), Decoded::UnixUnnamed);
        assert_eq!(rmsg_address::empty().family(), libc::AF_UNSPEC);
    }

    #[test]
    fn short_inet_is_other() {
        let a = rmsg_address::from_bytes(&[libc::AF_INET as u8, 0, 1, 2]).unwrap();
        assert!(matches!(
            a.decode(),
            Decoded::Other {
                family: libc::AF_INET,
                ..
            }
        ));
        assert!(rmsg_address::from_bytes(&[0; 200]).is_none());
    }
}
