//! The address handle: reading a received address, building one from text
//! or parts, and formatting any address as text.

use std::ffi::{c_char, c_int};

use super::{get, make, read_into};
use crate::addr::{rmsg_addr_kind, rmsg_address, rmsg_inet_address, rmsg_inet6_address};
// Re-exported here (as `ffi::mod` does for the older address structs) so
// that Rust callers of the C API, the fuzz targets among them, see them.
pub use crate::addr::{rmsg_netlink_address, rmsg_packet_address, rmsg_vsock_address};
use crate::addr_text;
use crate::panic::{guard, guard_or};
use crate::ptr::{check_out, free_box, try_ref, try_slice, try_slice_mut, write_out};
use crate::status::{Error, Result, rmsg_status};

/// The body of a constructor of an owned address.
///
/// # Safety
/// `address_out` is NULL or writable.
unsafe fn make_address(
    address_out: *mut *mut rmsg_address,
    f: impl FnOnce() -> Result<rmsg_address>,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { make(address_out, || f().map(Box::new)) }
}

/// The body of a constructor from `(bytes, len)`, handed to `f`.
///
/// # Safety
/// `bytes` is readable for `len` bytes; `address_out` is NULL or writable.
unsafe fn make_from_bytes(
    bytes: *const u8,
    len: usize,
    address_out: *mut *mut rmsg_address,
    f: fn(&[u8]) -> Result<rmsg_address>,
) -> rmsg_status {
    // SAFETY: bytes is readable for len bytes, per this function's contract.
    let made = || f(unsafe { try_slice(bytes, len) }?);
    // SAFETY: address_out is NULL or writable.
    unsafe { make_address(address_out, made) }
}

/// The address family (`AF_UNIX`, `AF_INET` ...). `AF_UNSPEC` (0) for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_family(address: *const rmsg_address) -> c_int {
    // SAFETY: address is NULL or a live address.
    unsafe { get(address, libc::AF_UNSPEC, rmsg_address::family) }
}

/// What the address holds, which says which accessor decodes it.
/// `RMSG_ADDRESS_OTHER` for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_kind(address: *const rmsg_address) -> rmsg_addr_kind {
    // SAFETY: address is NULL or a live address.
    unsafe {
        get(
            address,
            rmsg_addr_kind::RMSG_ADDRESS_OTHER,
            rmsg_address::kind,
        )
    }
}

/// The raw `sockaddr` bytes the kernel returned (`msg_namelen` of them), for
/// any family. On `RMSG_OK` `*bytes_out` borrows from the address (valid as
/// long as it is) and `*len_out` is the length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_raw(
    address: *const rmsg_address,
    bytes_out: *mut *const u8,
    len_out: *mut usize,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { read_into(address, (bytes_out, len_out), |a| Ok(a.bytes())) }
}

/// The name of an `AF_UNIX` address. For `RMSG_ADDRESS_UNIX_PATH` the path
/// bytes up to the first NUL (not NUL-terminated); for
/// `RMSG_ADDRESS_UNIX_ABSTRACT` the exact name bytes the kernel returned,
/// starting with the NUL; for `RMSG_ADDRESS_UNIX_UNNAMED` length 0. On
/// `RMSG_OK` `*name_out` borrows from the address. `RMSG_ERR_WRONG_FAMILY`
/// for other families.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_unix(
    address: *const rmsg_address,
    name_out: *mut *const u8,
    len_out: *mut usize,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { read_into(address, (name_out, len_out), rmsg_address::unix_name) }
}

/// Decodes an `AF_INET` address into `*inet_out`. `RMSG_ERR_WRONG_FAMILY`
/// for other families.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_inet(
    address: *const rmsg_address,
    inet_out: *mut rmsg_inet_address,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { read_into(address, inet_out, rmsg_address::inet) }
}

/// Decodes an `AF_INET6` address into `*inet6_out`. `RMSG_ERR_WRONG_FAMILY`
/// for other families.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_inet6(
    address: *const rmsg_address,
    inet6_out: *mut rmsg_inet6_address,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { read_into(address, inet6_out, rmsg_address::inet) }
}

/// Decodes an `AF_PACKET` address (`struct sockaddr_ll`) into
/// `*packet_out`: interface index, protocol (host byte order), hardware
/// type, packet type and hardware address. An address shorter than the
/// struct (older kernels returned `offsetof(sll_addr) + sll_halen` bytes)
/// is decoded with what of the hardware address is there, the rest of
/// `addr` zero. `RMSG_ERR_WRONG_FAMILY` for other families or fewer than
/// 12 bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_packet(
    address: *const rmsg_address,
    packet_out: *mut rmsg_packet_address,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { read_into(address, packet_out, rmsg_address::packet) }
}

/// Decodes an `AF_NETLINK` address (`struct sockaddr_nl`) into
/// `*netlink_out`: port id (0 for the kernel) and multicast group mask.
/// `RMSG_ERR_WRONG_FAMILY` for other families or a short address.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_netlink(
    address: *const rmsg_address,
    netlink_out: *mut rmsg_netlink_address,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { read_into(address, netlink_out, rmsg_address::netlink) }
}

/// Decodes an `AF_VSOCK` address (`struct sockaddr_vm`) into
/// `*vsock_out`: context id, port and flags. `RMSG_ERR_WRONG_FAMILY` for
/// other families or a short address.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_vsock(
    address: *const rmsg_address,
    vsock_out: *mut rmsg_vsock_address,
) -> rmsg_status {
    // SAFETY: forwarded contract.
    unsafe { read_into(address, vsock_out, rmsg_address::vsock) }
}

/// Builds an address from text: `127.0.0.1:53`; `[::1]:53`;
/// `[fe80::1%eth0]:53` or `[fe80::1%2]:53` (scope as interface name or
/// number); a filesystem path starting with `/` or `./`; an abstract
/// `AF_UNIX` name written `@name` (the `@` stands for the leading NUL; the
/// rest is taken byte for byte); `packet:IF:0xPROTO` or
/// `packet:IF:0xPROTO:HWADDR` for `AF_PACKET` (interface as number or name,
/// protocol as `0x` and up to 4 hex digits, hardware address as hex bytes
/// joined by `:`, such as `packet:lo:0x0800` or
/// `packet:2:0x88f7:01:1b:19:00:00:00`); `netlink:PID:GROUPS` for
/// `AF_NETLINK` and `vsock:CID:PORT` for `AF_VSOCK` (decimal). `text` is
/// `text_len` bytes, not necessarily NUL-terminated (pass `strlen(text)`).
///
/// On `RMSG_OK` the caller owns `*address_out` and frees it with
/// `rmsg_address_free`. Text that is none of these forms, a port above
/// 65535, an unknown interface or a name too long for `sun_path` is
/// `RMSG_ERR_INVALID_ADDRESS`. Host names are not resolved. A `text_len`
/// above `RMSG_MAX_ADDRESS_TEXT` (256: every valid text is shorter) is
/// `RMSG_ERR_TOO_LARGE`, refused before any byte is read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_parse(
    text: *const c_char,
    text_len: usize,
    address_out: *mut *mut rmsg_address,
) -> rmsg_status {
    let parsed = || {
        // The length rule comes before the pointer is looked at.
        if text_len > addr_text::RMSG_MAX_ADDRESS_TEXT {
            return Err(Error::new(rmsg_status::RMSG_ERR_TOO_LARGE));
        }
        // SAFETY: text is readable for text_len bytes per the contract.
        addr_text::parse(unsafe { try_slice(text.cast::<u8>(), text_len) }?)
    };
    // SAFETY: address_out is NULL or writable.
    unsafe { make_address(address_out, parsed) }
}

/// Builds an `AF_INET` address from its parts. On `RMSG_OK` the caller owns
/// `*address_out` (free with `rmsg_address_free`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_from_inet(
    inet: *const rmsg_inet_address,
    address_out: *mut *mut rmsg_address,
) -> rmsg_status {
    // SAFETY: inet is NULL or readable; address_out per the contract.
    unsafe { make_address(address_out, || Ok(addr_text::inet(try_ref(inet)?))) }
}

/// Builds an `AF_INET6` address from its parts (address, port, flow
/// information, scope id). On `RMSG_OK` the caller owns `*address_out`
/// (free with `rmsg_address_free`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_from_inet6(
    inet6: *const rmsg_inet6_address,
    address_out: *mut *mut rmsg_address,
) -> rmsg_status {
    // SAFETY: inet6 is NULL or readable; address_out per the contract.
    unsafe { make_address(address_out, || Ok(addr_text::inet6(try_ref(inet6)?))) }
}

/// Builds an `AF_PACKET` address (`struct sockaddr_ll`, 20 bytes) from its
/// parts, to send to with `rmsg_sendmsg` on an `AF_PACKET` socket:
/// `ifindex` and `protocol` (host byte order) say where and as what the
/// frame goes; for a `SOCK_DGRAM` packet socket the first `halen` bytes of
/// `addr` are the destination hardware address. `hatype` and `pkttype` are
/// copied as given (the kernel ignores them on send). A `halen` above 8 is
/// `RMSG_ERR_INVALID_ADDRESS`. On `RMSG_OK` the caller owns `*address_out`
/// (free with `rmsg_address_free`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_from_packet(
    packet: *const rmsg_packet_address,
    address_out: *mut *mut rmsg_address,
) -> rmsg_status {
    // SAFETY: packet is NULL or readable; address_out per the contract.
    unsafe { make_address(address_out, || addr_text::packet(try_ref(packet)?)) }
}

/// Builds an `AF_NETLINK` address (`struct sockaddr_nl`) from its parts:
/// port id `pid` (0 to send to the kernel) and group mask `groups` (to
/// send to multicast groups). On `RMSG_OK` the caller owns `*address_out`
/// (free with `rmsg_address_free`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_from_netlink(
    netlink: *const rmsg_netlink_address,
    address_out: *mut *mut rmsg_address,
) -> rmsg_status {
    // SAFETY: netlink is NULL or readable; address_out per the contract.
    unsafe { make_address(address_out, || Ok(addr_text::netlink(try_ref(netlink)?))) }
}

/// Builds an `AF_VSOCK` address (`struct sockaddr_vm`) from its parts:
/// context id, port and flags (`svm_flags`, normally 0). On `RMSG_OK` the
/// caller owns `*address_out` (free with `rmsg_address_free`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_from_vsock(
    vsock: *const rmsg_vsock_address,
    address_out: *mut *mut rmsg_address,
) -> rmsg_status {
    // SAFETY: vsock is NULL or readable; address_out per the contract.
    unsafe { make_address(address_out, || Ok(addr_text::vsock(try_ref(vsock)?))) }
}

/// Builds an `AF_UNIX` filesystem-path address from `path_len` path bytes
/// (no NUL terminator needed; 1 to 107 bytes, none of them NUL, otherwise
/// `RMSG_ERR_INVALID_ADDRESS`). On `RMSG_OK` the caller owns `*address_out`
/// (free with `rmsg_address_free`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_from_unix_path(
    path: *const u8,
    path_len: usize,
    address_out: *mut *mut rmsg_address,
) -> rmsg_status {
    // SAFETY: path is readable for path_len bytes; address_out per the contract.
    unsafe { make_from_bytes(path, path_len, address_out, addr_text::unix_path) }
}

/// Builds an `AF_UNIX` abstract address from the name *without* its leading
/// NUL (rmsg adds it): `name_len` bytes (0 to 107), any values. (The name
/// `rmsg_address_unix` returns starts with the NUL: pass it from its second
/// byte.) On `RMSG_OK` the caller owns `*address_out` (free with
/// `rmsg_address_free`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_from_unix_abstract(
    name: *const u8,
    name_len: usize,
    address_out: *mut *mut rmsg_address,
) -> rmsg_status {
    // SAFETY: name is readable for name_len bytes; address_out per the contract.
    unsafe { make_from_bytes(name, name_len, address_out, addr_text::unix_abstract) }
}

/// Copies any address (for example one borrowed from a received message)
/// into a new one that the caller owns and frees with `rmsg_address_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_copy(
    address: *const rmsg_address,
    address_out: *mut *mut rmsg_address,
) -> rmsg_status {
    // SAFETY: address is NULL or a live address; address_out per the contract.
    unsafe { make_address(address_out, || Ok(*try_ref(address)?)) }
}

/// Frees an address made by `rmsg_address_parse`, `rmsg_address_from_*` or
/// `rmsg_address_copy`. Never pass an address borrowed from a message
/// (`rmsg_message_address`): the message frees that. NULL is accepted and
/// does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_free(address: *mut rmsg_address) {
    // SAFETY: address is NULL or an owned address from rmsg, freed once.
    guard_or((), || unsafe { free_box(address) })
}

/// Formats any address as text into `buf` (`buf_len` bytes), NUL-terminated:
/// `a.b.c.d:port`, `[v6addr]:port` or `[v6addr%scope]:port` (numeric scope
/// id; flow information is not shown), a path (with `./` in front of a
/// relative one), `@name` for an abstract name (its bytes exactly, NULs
/// included), the empty text for an unnamed `AF_UNIX` address,
/// `packet:IFINDEX:0xPROTO` with `:`-joined hex hardware address bytes
/// after it when there are any (`packet:1:0x0800:00:00:00:00:00:00`),
/// `netlink:PID:GROUPS`, `vsock:CID:PORT`, and `<family N>:hexbytes` for
/// other families. The text of every form but the last parses back with
/// `rmsg_address_parse` to an equal address, except that IPv6 flow
/// information, an `AF_PACKET` address's hardware and packet types and an
/// `AF_VSOCK` address's flags come back 0 (an `AF_PACKET` address shorter
/// than the struct comes back at its full 20 bytes), and a relative path
/// comes back with its `./` (the same file; a relative path longer than
/// 105 bytes no longer fits `sun_path` with it, and does not parse back).
/// Such text is at most `RMSG_MAX_ADDRESS_TEXT` bytes.
///
/// `*len_out` is the text length without the terminating NUL, as `strlen`
/// would give unless the name holds NULs. On `RMSG_OK` the text and the NUL
/// are in `buf`. When `buf_len` is not more than that length, the status is
/// `RMSG_ERR_BUFFER_TOO_SMALL`, nothing is written to `buf`, and (the one
/// exception to "outputs only on success") `*len_out` is still set, so that
/// the caller can retry with `*len_out + 1` bytes. `buf` may be NULL when
/// `buf_len` is 0, to ask for the length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rmsg_address_format(
    address: *const rmsg_address,
    buf: *mut c_char,
    buf_len: usize,
    len_out: *mut usize,
) -> rmsg_status {
    guard(|| {
        // SAFETY: address is NULL or a live address.
        let a = unsafe { try_ref(address) }?;
        check_out(len_out)?;
        // SAFETY: buf is writable for buf_len bytes.
        let out = unsafe { try_slice_mut(buf.cast::<u8>(), buf_len) }?;
        let text = addr_text::format(a);
        // SAFETY: checked non-NULL.
        unsafe { write_out(len_out, text.len()) };
        if out.len() <= text.len() {
            return Err(Error::new(rmsg_status::RMSG_ERR_BUFFER_TOO_SMALL));
        }
        out[..text.len()].copy_from_slice(&text);
        out[text.len()] = 0;
        Ok(())
    })
}
