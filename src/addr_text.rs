//! Building socket addresses (from parts or from text) and formatting any
//! address as text: the safe core behind `rmsg_address_from_*`,
//! `rmsg_address_parse` and `rmsg_address_format`.
//!
//! Text forms (the same ones are produced and accepted):
//! - `127.0.0.1:53`: IPv4 address and port (dotted quad, decimal port).
//! - `[::1]:53`, `[fe80::1%lo]:53`, `[fe80::1%2]:53`: IPv6 in brackets,
//!   an optional scope (interface name or number) after `%`, then the port.
//! - `/run/x.sock`, `./x.sock`: an `AF_UNIX` filesystem path (text starting
//!   with `/` or `./`).
//! - `@name`: an `AF_UNIX` abstract name (the `@` stands for the leading NUL).
//! - `packet:IF:0xPROTO` or `packet:IF:0xPROTO:HWADDR`: an `AF_PACKET`
//!   address: the interface (number, or name when parsing), the protocol in
//!   hex (host order, `0x0800` for IPv4), then the hardware address as hex
//!   bytes joined by `:` when it has any (`00:11:22:33:44:55`).
//! - `netlink:PID:GROUPS`: an `AF_NETLINK` address, port id and group mask
//!   in decimal (`netlink:0:0` is the kernel).
//! - `vsock:CID:PORT`: an `AF_VSOCK` address in decimal.

use std::ffi::c_int;
use std::mem::{offset_of, size_of};
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::addr::{
    Decoded, rmsg_address, rmsg_inet_address, rmsg_inet6_address, rmsg_netlink_address,
    rmsg_packet_address, rmsg_vsock_address,
};
use crate::status::{Error, Result, rmsg_status::*};

/// The longest address text `rmsg_address_parse` reads, in bytes: longer
/// text is `RMSG_ERR_TOO_LARGE` without a byte of it being read. Every
/// valid text is shorter: the longest are an abstract name (`@` and 107
/// bytes) and an IPv6 address with an interface and a port (under 80).
pub const RMSG_MAX_ADDRESS_TEXT: usize = 256;

/// Bytes of `sun_path`.
const SUN_PATH_LEN: usize = 108;

const _: () = assert!(
    size_of::<libc::sockaddr_un>() - offset_of!(libc::sockaddr_un, sun_path) == SUN_PATH_LEN
);

fn invalid() -> Error {
    Error::new(RMSG_ERR_INVALID_ADDRESS)
}

/// An `AF_INET` address.
pub fn inet(a: &rmsg_inet_address) -> rmsg_address {
    // SAFETY: plain data; all-zero is valid.
    let mut sin: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    sin.sin_family = libc::AF_INET as libc::sa_family_t;
    sin.sin_port = a.port.to_be();
    sin.sin_addr.s_addr = u32::from_ne_bytes(a.addr);
    rmsg_address::from_plain(&sin)
}

/// An `AF_INET6` address.
pub fn inet6(a: &rmsg_inet6_address) -> rmsg_address {
    // SAFETY: plain data; all-zero is valid.
    let mut sin6: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
    sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
    sin6.sin6_port = a.port.to_be();
    sin6.sin6_flowinfo = a.flowinfo.to_be();
    sin6.sin6_addr.s6_addr = a.addr;
    sin6.sin6_scope_id = a.scope_id;
    rmsg_address::from_plain(&sin6)
}

/// An `AF_PACKET` address (`struct sockaddr_ll`, all 20 bytes). A
/// `halen` above 8 is `RMSG_ERR_INVALID_ADDRESS`.
pub fn packet(a: &rmsg_packet_address) -> Result<rmsg_address> {
    let halen = usize::from(a.halen);
    if halen > a.addr.len() {
        return Err(invalid());
    }
    // SAFETY: plain data; all-zero is valid.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    sll.sll_family = libc::AF_PACKET as libc::c_ushort;
    sll.sll_protocol = a.protocol.to_be();
    sll.sll_ifindex = a.ifindex;
    sll.sll_hatype = a.hatype;
    sll.sll_pkttype = a.pkttype;
    sll.sll_halen = a.halen;
    sll.sll_addr[..halen].copy_from_slice(&a.addr[..halen]);
    Ok(rmsg_address::from_plain(&sll))
}

/// An `AF_NETLINK` address (`struct sockaddr_nl`).
pub fn netlink(a: &rmsg_netlink_address) -> rmsg_address {
    // SAFETY: plain data; all-zero is valid.
    let mut nl: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
    nl.nl_family = libc::AF_NETLINK as libc::sa_family_t;
    nl.nl_pid = a.pid;
    nl.nl_groups = a.groups;
    rmsg_address::from_plain(&nl)
}

/// An `AF_VSOCK` address (`struct sockaddr_vm`; `flags` is `svm_flags`,
/// the first byte after `svm_cid`).
pub fn vsock(a: &rmsg_vsock_address) -> rmsg_address {
    // SAFETY: plain data; all-zero is valid.
    let mut vm: libc::sockaddr_vm = unsafe { std::mem::zeroed() };
    vm.svm_family = libc::AF_VSOCK as libc::sa_family_t;
    vm.svm_port = a.port;
    vm.svm_cid = a.cid;
    vm.svm_zero[0] = a.flags;
    rmsg_address::from_plain(&vm)
}

fn unix_raw(name: &[u8]) -> rmsg_address {
    let off = offset_of!(libc::sockaddr_un, sun_path);
    let mut raw = vec![0u8; off + name.len()];
    raw[..size_of::<libc::sa_family_t>()]
        .copy_from_slice(&(libc::AF_UNIX as libc::sa_family_t).to_ne_bytes());
    raw[off..].copy_from_slice(name);
    rmsg_address::from_bytes(&raw).expect("checked to fit sun_path")
}

/// An `AF_UNIX` filesystem path: 1 to 107 bytes without a NUL (room is left
/// for the terminator, as Python does). The address length is
/// `offsetof(sun_path) + len` (`SUN_LEN`).
pub fn unix_path(path: &[u8]) -> Result<rmsg_address> {
    if path.is_empty() || path.len() >= SUN_PATH_LEN || path.contains(&0) {
        return Err(invalid());
    }
    Ok(unix_raw(path))
}

/// An `AF_UNIX` abstract address: `name` without the leading NUL (rmsg adds
/// it), 0 to 107 bytes, any bytes (NULs included) allowed.
pub fn unix_abstract(name: &[u8]) -> Result<rmsg_address> {
    if name.len() >= SUN_PATH_LEN {
        return Err(invalid());
    }
    let mut full = Vec::with_capacity(name.len() + 1);
    full.push(0);
    full.extend_from_slice(name);
    Ok(unix_raw(&full))
}

fn parse_port(text: &[u8]) -> Result<u16> {
    if text.is_empty() || text.len() > 5 || !text.iter().all(u8::is_ascii_digit) {
        return Err(invalid());
    }
    let s = std::str::from_utf8(text).map_err(|_| invalid())?;
    s.parse::<u16>().map_err(|_| invalid())
}

/// A decimal `u32` (1 to 10 digits, nothing else).
fn parse_u32(text: &[u8]) -> Result<u32> {
    if text.is_empty() || text.len() > 10 || !text.iter().all(u8::is_ascii_digit) {
        return Err(invalid());
    }
    let s = std::str::from_utf8(text).map_err(|_| invalid())?;
    s.parse::<u32>().map_err(|_| invalid())
}

/// `0x` and 1 to 4 hex digits.
fn parse_hex_u16(text: &[u8]) -> Result<u16> {
    let digits = text.strip_prefix(b"0x").ok_or_else(invalid)?;
    if digits.is_empty() || digits.len() > 4 || !digits.iter().all(u8::is_ascii_hexdigit) {
        return Err(invalid());
    }
    let s = std::str::from_utf8(digits).map_err(|_| invalid())?;
    u16::from_str_radix(s, 16).map_err(|_| invalid())
}

/// `packet:IF:0xPROTO[:HWADDR]` (after the `packet:`).
fn parse_packet(text: &[u8]) -> Result<rmsg_address> {
    let mut parts = text.split(|b| *b == b':');
    let ifname = parts.next().ok_or_else(invalid)?;
    let ifindex = i32::try_from(parse_scope(ifname)?).map_err(|_| invalid())?;
    let protocol = parse_hex_u16(parts.next().ok_or_else(invalid)?)?;
    let mut a = rmsg_packet_address {
        ifindex,
        protocol,
        ..Default::default()
    };
    for byte in parts {
        if usize::from(a.halen) == a.addr.len()
            || byte.len() != 2
            || !byte.iter().all(u8::is_ascii_hexdigit)
        {
            return Err(invalid());
        }
        let s = std::str::from_utf8(byte).map_err(|_| invalid())?;
        a.addr[usize::from(a.halen)] = u8::from_str_radix(s, 16).map_err(|_| invalid())?;
        a.halen += 1;
    }
    packet(&a)
}

/// `A:B` as two decimal `u32`s.
fn parse_pair(text: &[u8]) -> Result<(u32, u32)> {
    let colon = text.iter().position(|b| *b == b':').ok_or_else(invalid)?;
    Ok((parse_u32(&text[..colon])?, parse_u32(&text[colon + 1..])?))
}

/// An interface given by number or by name.
fn parse_scope(text: &[u8]) -> Result<u32> {
    if text.is_empty() {
        return Err(invalid());
    }
    if text.iter().all(u8::is_ascii_digit) {
        let s = std::str::from_utf8(text).map_err(|_| invalid())?;
        return s.parse::<u32>().map_err(|_| invalid());
    }
    if text.len() >= libc::IF_NAMESIZE || text.contains(&0) {
        return Err(invalid());
    }
    let mut name = [0 as libc::c_char; libc::IF_NAMESIZE];
    for (d, s) in name.iter_mut().zip(text) {
        *d = *s as libc::c_char;
    }
    // SAFETY: name is NUL-terminated (text is shorter than IF_NAMESIZE).
    let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
    if index == 0 {
        return Err(invalid());
    }
    Ok(index)
}

/// Parses the text forms listed in the module documentation.
pub fn parse(text: &[u8]) -> Result<rmsg_address> {
    if let Some(rest) = text.strip_prefix(b"packet:") {
        return parse_packet(rest);
    }
    if let Some(rest) = text.strip_prefix(b"netlink:") {
        let (pid, groups) = parse_pair(rest)?;
        return Ok(netlink(&rmsg_netlink_address { pid, groups }));
    }
    if let Some(rest) = text.strip_prefix(b"vsock:") {
        let (cid, port) = parse_pair(rest)?;
        return Ok(vsock(&rmsg_vsock_address {
            cid,
            port,
            flags: 0,
        }));
    }
    match text.first() {
        None => Err(invalid()),
        Some(b'/') => unix_path(text),
        Some(b'.') if text.starts_with(b"./") => unix_path(text),
        Some(b'@') => unix_abstract(&text[1..]),
        Some(b'[') => {
            let close = text.iter().position(|b| *b == b']').ok_or_else(invalid)?;
            let inner = &text[1..close];
            let port = match &text[close + 1..] {
                [b':', rest @ ..] => parse_port(rest)?,
                _ => return Err(invalid()),
            };
            let (host, scope) = match inner.iter().position(|b| *b == b'%') {
                Some(p) => (&inner[..p], parse_scope(&inner[p + 1..])?),
                None => (inner, 0),
            };
            let host = std::str::from_utf8(host).map_err(|_| invalid())?;
            let ip: Ipv6Addr = host.parse().map_err(|_| invalid())?;
            Ok(inet6(&rmsg_inet6_address {
                addr: ip.octets(),
                port,
                flowinfo: 0,
                scope_id: scope,
            }))
        }
        Some(_) => {
            let colon = text.iter().rposition(|b| *b == b':').ok_or_else(invalid)?;
            let host = std::str::from_utf8(&text[..colon]).map_err(|_| invalid())?;
            let ip: Ipv4Addr = host.parse().map_err(|_| invalid())?;
            Ok(inet(&rmsg_inet_address {
                addr: ip.octets(),
                port: parse_port(&text[colon + 1..])?,
            }))
        }
    }
}

/// Formats an address as text (without a terminating NUL):
/// - `AF_INET`: `a.b.c.d:port`;
/// - `AF_INET6`: `[addr]:port`, or `[addr%scope]:port` with the numeric
///   scope id when it is not 0 (flow information is not shown);
/// - a filesystem path: the path, with `./` put in front when it starts
///   with neither `/` nor `./`, so that the text parses back to the same
///   file;
/// - an abstract name: `@` then the name bytes after the leading NUL,
///   exactly (they may include NULs and non-text bytes);
/// - an unnamed `AF_UNIX` address: the empty text;
/// - `AF_PACKET`: `packet:IFINDEX:0xPROTO`, then `:` and the hardware
///   address bytes in hex joined by `:` when `halen` is not 0 (the packet
///   and hardware types are not shown);
/// - `AF_NETLINK`: `netlink:PID:GROUPS`;
/// - `AF_VSOCK`: `vsock:CID:PORT` (the flags are not shown);
/// - any other family: `<family N>` followed by `:` and the bytes after the
///   family in hex (this form does not parse back).
pub fn format(address: &rmsg_address) -> Vec<u8> {
    match address.decode() {
        Decoded::Inet(a) => format!("{}:{}", Ipv4Addr::from(a.addr), a.port).into_bytes(),
        Decoded::Inet6(a) => {
            let (ip, port) = (Ipv6Addr::from(a.addr), a.port);
            if a.scope_id == 0 {
                format!("[{ip}]:{port}").into_bytes()
            } else {
                format!("[{ip}%{}]:{port}", a.scope_id).into_bytes()
            }
        }
        Decoded::UnixPath(p) => {
            let mut v = Vec::with_capacity(p.len() + 2);
            if !(p.starts_with(b"/") || p.starts_with(b"./")) {
                v.extend_from_slice(b"./");
            }
            v.extend_from_slice(p);
            v
        }
        Decoded::UnixAbstract(name) => {
            let mut v = Vec::with_capacity(name.len());
            v.push(b'@');
            v.extend_from_slice(&name[1..]);
            v
        }
        Decoded::UnixUnnamed => Vec::new(),
        Decoded::Packet(p) => {
            let mut s = format!("packet:{}:0x{:04x}", p.ifindex, p.protocol);
            for b in &p.addr[..usize::from(p.halen.min(8))] {
                s.push_str(&format!(":{b:02x}"));
            }
            s.into_bytes()
        }
        Decoded::Netlink(n) => format!("netlink:{}:{}", n.pid, n.groups).into_bytes(),
        Decoded::Vsock(v) => format!("vsock:{}:{}", v.cid, v.port).into_bytes(),
        Decoded::Other { family, bytes } => {
            let skip = size_of::<libc::sa_family_t>().min(bytes.len());
            let mut s = format!("<family {}>:", family as c_int);
            for b in &bytes[skip..] {
                s.push_str(&format!("{b:02x}"));
            }
            s.into_bytes()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(text: &str) -> String {
        String::from_utf8(format(&parse(text.as_bytes()).unwrap())).unwrap()
    }

    #[test]
    fn good_text_round_trips() {
        for t in [
            "127.0.0.1:53",
            "0.0.0.0:0",
            "255.255.255.255:65535",
            "[::1]:53",
            "[fe80::1%1]:8080",
            "[::ffff:1.2.3.4]:1",
            "/tmp/x.sock",
            "./rel",
            "@abstract name",
            "@",
            "packet:1:0x0800",
            "packet:0:0x0003:00:11:22:33:44:55",
            "packet:7:0xffff:01:02:03:04:05:06:07:08",
            "netlink:0:0",
            "netlink:4294967295:1",
            "vsock:1:1234",
            "vsock:4294967295:4294967295",
        ] {
            assert_eq!(round(t), t);
        }
        assert_eq!(round("[0:0::1]:53"), "[::1]:53");
        assert_eq!(round("packet:lo:0x800"), "packet:1:0x0800");
        let lo = parse(b"[fe80::1%lo]:53").unwrap();
        match lo.decode() {
            Decoded::Inet6(a) => {
                assert!(a.scope_id > 0);
                assert_eq!(a.port, 53);
            }
            d => panic!("{d:?}"),
        }
    }

    #[test]
    fn bad_text_is_refused() {
        for t in [
            "",
            "127.0.0.1",
            "127.0.0.1:",
            "127.0.0.1:65536",
            "127.0.0.1:-1",
            "127.0.0.1:+5",
            "127.0.0.1:5x",
            "1.2.3:4",
            "1.2.3.4.5:6",
            "01.2.3.4:5",
            "localhost:53",
            "::1:53",
            "[::1]",
            "[::1]53",
            "[::1:53",
            "[1.2.3.4]:5",
            "[fe80::1%]:5",
            "[fe80::1%nosuchif0]:5",
            "rel/path",
            "../up",
            "packet:",
            "packet:1",
            "packet:1:0800",
            "packet:1:0x",
            "packet:1:0x10000",
            "packet:nosuchif0:0x0800",
            "packet:1:0x0800:",
            "packet:1:0x0800:1",
            "packet:1:0x0800:01:02:03:04:05:06:07:08:09",
            "packet:4294967295:0x0800",
            "netlink:1",
            "netlink:1:",
            "netlink:-1:0",
            "netlink:4294967296:0",
            "vsock:1:2:3",
            "vsock::2",
        ] {
            assert_eq!(
                parse(t.as_bytes()).unwrap_err().status,
                RMSG_ERR_INVALID_ADDRESS,
                "{t:?}"
            );
        }
        let long = format!("/{}", "a".repeat(107));
        assert!(parse(long.as_bytes()).is_err());
        assert!(parse(&long.as_bytes()[..107]).is_ok());
        assert!(unix_path(b"/a\0b").is_err());
        assert!(unix_abstract(&[b'x'; 108]).is_err());
        assert!(unix_abstract(&[b'x'; 107]).is_ok());
    }

    #[test]
    fn relative_path_and_abstract_bytes() {
        let a = unix_path(b"sock").unwrap();
        assert_eq!(format(&a), b"./sock");
        let a = unix_abstract(b"a\0b").unwrap();
        assert_eq!(a.decode(), Decoded::UnixAbstract(b"\0a\0b"));
        assert_eq!(format(&a), b"@a\0b");
        assert_eq!(parse(b"@a\0b").unwrap().bytes(), a.bytes());
    }
}
